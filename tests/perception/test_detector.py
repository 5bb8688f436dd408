"""The colour detector and tracker on rendered scenes with known ground truth."""
import numpy as np
import pytest

from cap.bench.perception import match, stage
from perception.color_detector import ColorDetector, ColorDetectorConfig
from perception.pixels import PixelPerceiver
from sim.camera import CameraConfig
from sim.scene import SceneSpec
from sim.tabletop import Tabletop

pytestmark = pytest.mark.render


def detect(table, detector=None):
    detector = detector or ColorDetector()
    return detector.detect(table.camera.render(), table.arm.capsules())


@pytest.mark.parametrize("condition, seed", [
    ("plain", 1), ("clutter", 2), ("stacked", 3), ("in_bowl", 4), ("lighting", 5)])
def test_every_object_found_named_and_placed_within_a_centimetre(condition, seed):
    rng = np.random.default_rng(seed)
    blocks = ("red", "green", "blue", "yellow", "purple", "cyan") if condition == "clutter" \
        else ("orange", "pink", "gray")
    camera = CameraConfig(light_direction=(-0.8, 0.5, 0.7), light_ambient=0.5,
                          light_diffuse=0.45) if condition == "lighting" else None
    table = Tabletop(SceneSpec(blocks, ("brown", "blue") if condition != "clutter" else ("pink",),
                               seed), camera=camera)
    stage(table, condition, rng)
    result = match(detect(table), table.scene.positions())
    table.close()
    assert result["fp"] == 0 and result["fn"] == 0, result
    assert max(result["errors"]) < 0.01


def test_all_ten_colours_are_named_right():
    colours = ("blue", "red", "green", "orange", "yellow", "purple", "pink", "cyan", "brown",
               "gray")
    for blocks, bowls in ((colours[:5], colours[5:8]), (colours[5:], colours[:3])):
        table = Tabletop(SceneSpec(blocks, bowls, seed=8))
        found = {(d.color, d.kind) for d in detect(table)}
        table.close()
        assert found == {(c, "block") for c in blocks} | {(c, "bowl") for c in bowls}


def test_a_colour_outside_the_palette_is_called_unknown():
    palette = {k: v for k, v in ColorDetectorConfig().palette.items() if k != "cyan"}
    detector = ColorDetector(ColorDetectorConfig(palette=palette))
    table = Tabletop(SceneSpec(("cyan", "red"), (), seed=2))
    names = {(d.color, d.kind) for d in detect(table, detector)}
    table.close()
    assert names == {("unknown", "block"), ("red", "block")}


def test_stacked_blocks_each_get_their_own_height():
    """The camera may see nothing of the lower block: the tracker keeps it while covered."""
    from cap.api import PolicyAPI
    table = Tabletop(SceneSpec(("red", "blue", "green"), (), seed=6))
    perceiver = PixelPerceiver(table.camera.render, table.arm.capsules)
    api = PolicyAPI(table.arm, perceiver, table.workspace)
    api.put_first_on_second("red block", "blue block")
    api.put_first_on_second("green block", "red block")
    table.arm.home()
    for _ in range(8):  # longer than the tracker's memory for unexplained absences
        found = perceiver.look()
    truth = table.scene.positions()
    table.close()
    assert sorted(o.position[2] for o in found.values()) == pytest.approx([0.02, 0.06, 0.10],
                                                                        abs=0.006)
    for name, info in found.items():
        assert np.linalg.norm(info.position - truth[name]) < 0.01


def test_names_follow_objects_as_they_move_and_survive_a_short_occlusion():
    table = Tabletop(SceneSpec(("red", "green"), ("blue",), seed=3))
    perceiver = PixelPerceiver(table.camera.render, table.arm.capsules)
    first = perceiver.look()
    assert set(first) == {"red block", "green block", "blue bowl"}
    from cap.api import PolicyAPI
    api = PolicyAPI(table.arm, perceiver, table.workspace)
    api.put_first_on_second("red block", "bottom right corner")
    table.arm.move_to([*table.scene.positions()["green block"][:2], 0.1])  # hide it
    hidden = perceiver.look()
    assert "green block" in hidden  # remembered while under the gripper
    table.arm.home()
    moved = perceiver.look()
    truth = table.scene.positions()
    table.close()
    assert np.linalg.norm(moved["red block"].position - truth["red block"]) < 0.01


def test_two_objects_of_one_colour_get_distinct_stable_names():
    from perception.detector import Detection
    from perception.tracking import Tracker

    def block(x):
        return Detection("block", "red", np.array([x, 0.0, 0.02]), 0.0, np.full(3, 0.04),
                         (0.8, 0.1, 0.1), 100)
    tracker = Tracker()
    first = tracker.update([block(-0.1), block(0.1)])
    assert set(first) == {"red block", "red block 2"}
    left = next(n for n, o in first.items() if o.position[0] < 0)
    second = tracker.update([block(0.12), block(-0.08)])  # both moved a little, order swapped
    assert second[left].position[0] == pytest.approx(-0.08)


def test_the_api_answers_from_pixels_and_names_missing_objects():
    from cap.api import PolicyAPI
    from cap.errors import PolicyError
    table = Tabletop(SceneSpec(("yellow",), ("purple",), seed=1))
    api = PolicyAPI(table.arm, PixelPerceiver(table.camera.render, table.arm.capsules),
                    table.workspace)
    assert sorted(api.get_obj_names()) == ["purple bowl", "yellow block"]
    truth = table.scene.positions()["yellow block"]
    assert np.linalg.norm(api.get_obj_pos("yellow block") - truth) < 0.01
    with pytest.raises(PolicyError, match="no object named 'red block'; visible objects: "):
        api.get_obj_pos("red block")
    api.put_first_on_second("yellow block", "purple bowl")
    table.world.run(0.3)
    truth = table.scene.positions()
    table.close()
    assert np.linalg.norm(truth["yellow block"][:2] - truth["purple bowl"][:2]) < 0.04


def test_an_empty_table_is_no_objects_not_a_crash():
    table = Tabletop(SceneSpec((), (), seed=0))
    try:
        assert detect(table) == []
    finally:
        table.close()


def _staged(blocks, bowls, places: dict) -> Tabletop:
    """A table with objects put by hand where a test needs them (x, y, z, yaw), settled."""
    table = Tabletop(SceneSpec(blocks, bowls, seed=0))
    for name, (x, y, z, yaw) in places.items():
        table.scene.place(name, [x, y, z], yaw)
    table.settle(0.5)
    return table


def _by_name(detections):
    return {f"{d.color} {d.kind}": d for d in detections}


def test_a_block_of_the_bowls_colour_stacked_in_it_leaves_the_rim_alone():
    """A yellow block on a green block against the yellow bowl's wall stands above the rim:
    the rim's height and circle come from the whole ring, not from that block's top."""
    table = _staged(("green", "yellow"), ("yellow",), {
        "yellow bowl": (-0.09, 0.0, 0.0225, 0.0), "green block": (-0.045, 0.0, 0.029, 0.0),
        "yellow block": (-0.045, 0.0, 0.070, 0.0)})
    found, truth = _by_name(detect(table)), table.scene.positions()
    table.close()
    bowl = found["yellow bowl"]
    assert np.linalg.norm(bowl.position[:2] - truth["yellow bowl"][:2]) < 0.004
    assert bowl.size[0] / 2 == pytest.approx(0.075, abs=0.002)  # the outer edge
    assert bowl.size[2] == pytest.approx(0.045, abs=0.004)
    assert np.linalg.norm(found["yellow block"].position - truth["yellow block"]) < 0.008


def test_a_bowl_resting_on_a_bowl_or_a_block_is_seen_at_its_height():
    table = _staged(("red",), ("blue", "yellow", "green"), {
        "blue bowl": (-0.1, 0.05, 0.0225, 0.0), "yellow bowl": (-0.1, 0.05, 0.07, 0.0),
        "red block": (0.1, -0.05, 0.02, 0.0), "green bowl": (0.1, -0.05, 0.065, 0.0)})
    found, truth = _by_name(detect(table)), table.scene.positions()
    table.close()
    for name in ("yellow bowl", "green bowl"):  # on the blue bowl's rim; on the red block
        assert np.linalg.norm(found[name].position - truth[name]) < 0.006, name
        assert found[name].size[2] == pytest.approx(0.045, abs=0.006)
    assert "blue bowl" not in found  # hidden under the yellow one
