"""Class-agnostic segmentation from depth, and the scene detector that keeps the colour
detector's blocks and bowls and reports every other region as an object."""
import numpy as np
import pytest

from cap.bench.perception import match, stage
from perception.color_detector import ColorDetector
from perception.pixels import PixelPerceiver
from perception.regions import segment
from perception.palette import BLOCK_SIZE
from perception.scene_detector import SceneDetector
from sim.objects import BOWL_FLOOR, BOWL_HEIGHT
from sim.scene import SceneSpec
from sim.tabletop import Tabletop

pytestmark = pytest.mark.render
CATALOGUE = ("mug", "duck", "teddy", "ball", "toy")


def look(table, detector):
    return detector.detect(table.camera.render(), table.arm.capsules())


def key(d):
    return d.label, tuple(np.round(d.position, 4)), round(d.yaw, 4)


@pytest.mark.parametrize("condition, seed", [
    ("plain", 1), ("clutter", 2), ("stacked", 3), ("in_bowl", 4)])
def test_blocks_and_bowls_keep_the_colour_detectors_exact_estimates(condition, seed):
    rng = np.random.default_rng(seed)
    blocks = ("red", "green", "blue", "yellow", "purple", "cyan") if condition == "clutter" \
        else ("orange", "pink", "gray")
    table = Tabletop(SceneSpec(blocks, ("brown", "blue") if condition != "clutter" else ("pink",),
                               seed))
    stage(table, condition, rng)
    by_colour, by_scene = look(table, ColorDetector()), look(table, SceneDetector())
    table.close()
    assert sorted(map(key, by_scene)) == sorted(map(key, by_colour))


@pytest.mark.parametrize("seed", [0, 1, 2, 6])
def test_every_object_is_one_region_placed_within_a_centimetre(seed):
    table = Tabletop(SceneSpec.from_lists(("red", "green"), ("blue",), CATALOGUE, seed=seed))
    truth = table.scene.positions()
    found = look(table, SceneDetector())
    table.close()
    blocks_and_bowls = {n: p for n, p in truth.items() if n.endswith(("block", "bowl"))}
    palette = [d for d in found if d.kind != "object"]
    assert match(palette, blocks_and_bowls)["fn"] == 0 and len(palette) == 3
    objects = [d for d in found if d.kind == "object"]
    assert len(objects) == len(CATALOGUE)
    for name in set(truth) - set(blocks_and_bowls):
        nearest = min(objects, key=lambda d: np.linalg.norm(d.position[:2] - truth[name][:2]))
        assert np.linalg.norm(nearest.position[:2] - truth[name][:2]) < 0.01, name
        assert nearest.outline.contains(nearest.outline.centroid)
        assert nearest.mask.sum() == nearest.pixels


def test_a_red_mug_is_an_object_not_a_red_block():
    table = Tabletop(SceneSpec.from_lists(("red",), (), ("mug",), seed=3))
    found = {d.label for d in look(table, SceneDetector())}
    table.close()
    assert found == {"red block", "red round object"}


def test_an_object_in_a_bowl_is_seen_in_it_and_the_bowl_stays_a_bowl():
    table = Tabletop(SceneSpec.from_lists((), ("blue",), ("duck",), seed=4))
    bowl = table.scene.positions()["blue bowl"]
    table.scene.place("rubber duck", bowl + [0, 0, 0.03])
    table.world.run(0.6)
    found = look(table, SceneDetector())
    table.close()
    assert sorted(d.label for d in found) == ["blue bowl", "yellow round object"]
    duck = next(d for d in found if d.kind == "object")
    assert duck.position[2] - duck.size[2] / 2 == pytest.approx(BOWL_FLOOR, abs=1e-3)
    assert np.linalg.norm(duck.position[:2] - bowl[:2]) < 0.03


def test_regions_have_footprint_top_and_extent():
    table = Tabletop(SceneSpec.from_lists((), (), ("mug",), seed=2))
    mug = table.scene.positions()["mug"]
    size = table.scene.objects["mug"].size
    regions = segment(table.camera.render(), table.arm.capsules())
    table.close()
    assert len(regions) == 1
    region = regions[0]
    assert region.top == pytest.approx(size[2], abs=0.01)
    # a round body with a handle: most of its box, never more
    assert 0.45 * size[0] * size[1] < region.footprint.area < size[0] * size[1]
    # the truth is the collision shape's box, a few millimetres wider than what is seen
    assert sorted(region.extent[:2]) == pytest.approx(sorted(size[:2]), abs=0.015)
    assert np.linalg.norm(region.center[:2] - mug[:2]) < 0.01


def test_offline_names_are_colour_and_shape_words_numbered_and_stable():
    table = Tabletop(SceneSpec.from_lists(("red",), (), ("ball", "ball", "toy"), seed=9))
    perceiver = PixelPerceiver(table.camera.render, table.arm.capsules, SceneDetector())
    first = perceiver.look()
    truth = table.scene.positions()
    table.scene.place("ball", truth["ball"] + [0.03, 0, 0])
    table.world.run(0.3)
    second = perceiver.look()
    table.close()
    balls = sorted(n for n in first if "round object" in n)
    assert balls == ["gray round object", "gray round object 2"] or \
        balls == ["white round object", "white round object 2"]
    assert set(second) == set(first) and "red block" in first and len(first) == 4



@pytest.mark.parametrize("seed", [2, 4])
def test_a_low_object_lying_in_a_bowl_is_still_seen(seed):
    """Toys lying flat on a bowl's floor stood less than 1.5 cm above it and were taken for
    the floor: placed in a bowl, they vanished (a trial's place was then reported missing)."""
    table = Tabletop(SceneSpec.from_lists((), ("blue",), ("toy",), seed=seed))
    table.scene.place("toy", table.scene.positions()["blue bowl"] + [0, 0, 0.02])
    table.world.run(0.6)
    found = look(table, SceneDetector())
    table.close()
    assert [d.kind for d in found].count("object") == 1 and len(found) == 2


def test_a_flat_toy_in_a_bowl_is_an_object_not_a_block_standing_on_the_table():
    """A yellow toy 1.5 cm tall in a bowl showed a block's top face, and a block of that top
    would stand on the table: in a bowl, only the bowl's floor is ground."""
    table = Tabletop(SceneSpec.from_lists((), ("cyan",), (), seed=0))
    bowl = table.scene.positions()["cyan bowl"]
    table.scene.add("toy", "yellow", bowl[:2] + [-0.028, -0.01], 2.17, variant=749)
    table.world.run(0.6)
    found = look(table, SceneDetector())
    truth = table.scene.positions()["toy"]
    table.close()
    assert sorted(d.kind for d in found) == ["bowl", "object"]
    toy = next(d for d in found if d.kind == "object")
    assert np.linalg.norm(toy.position[:2] - truth[:2]) < 0.01


@pytest.mark.parametrize("xy", [(0.03, -0.07), (0.0, 0.0), (-0.08, -0.04)])
def test_a_block_on_a_block_it_hides_is_still_a_block(xy):
    """Seen from straight above, a block on a block of its size hides it: the top block rests
    on nothing the camera sees and was taken for an object (pickplace from pixels then
    reported the stack's place missing)."""
    table = Tabletop(SceneSpec(("cyan", "blue"), (), seed=5))
    table.scene.place("blue block", [*xy, BLOCK_SIZE / 2])
    table.scene.place("cyan block", [*xy, 1.5 * BLOCK_SIZE + 0.002])
    table.world.run(0.5)
    by_colour, by_scene = look(table, ColorDetector()), look(table, SceneDetector())
    table.close()
    assert "cyan block" in {d.label for d in by_scene}
    assert sorted(map(key, by_scene)) == sorted(map(key, by_colour))


@pytest.mark.parametrize("angle", [0, 100, 230])
def test_a_bowl_with_a_block_against_its_wall_is_still_a_bowl(angle):
    """A block against a bowl is one depth region with it; the block's pixels stuck out of
    the rim on one side, the bowl was judged not round and became a "purple round object"
    (the ROS 2 benchmark then found neither it nor, later, the block)."""
    table = Tabletop(SceneSpec(("yellow", "green"), ("purple",), seed=3))
    table.scene.place("purple bowl", [0.0, 0.0, BOWL_HEIGHT / 2])
    table.scene.place("green block", [0.0, 0.0, BOWL_FLOOR + BLOCK_SIZE / 2])
    turn = np.radians(angle)
    table.scene.place("yellow block", [0.097 * np.cos(turn), 0.097 * np.sin(turn),
                                       BLOCK_SIZE / 2], float(turn))
    table.world.run(0.5)
    by_colour, by_scene = look(table, ColorDetector()), look(table, SceneDetector())
    table.close()
    assert sorted(d.label for d in by_scene) == ["green block", "purple bowl", "yellow block"]
    assert sorted(map(key, by_scene)) == sorted(map(key, by_colour))
