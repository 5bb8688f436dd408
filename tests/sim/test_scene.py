import numpy as np
import pytest

from robots.workspace import Workspace
from sim.scene import SceneError, SceneSpec, layout
from sim.tabletop import Tabletop


@pytest.fixture
def table():
    table = Tabletop(SceneSpec(blocks=("red", "green", "blue"), bowls=("yellow",), seed=3))
    yield table
    table.close()


def test_scene_has_the_requested_objects_resting_on_the_table(table):
    truth = table.scene.positions()
    assert set(truth) == {"red block", "green block", "blue block", "yellow bowl"}
    for name, pos in truth.items():
        assert table.workspace.contains(pos)
        assert pos[2] == pytest.approx(0.02 if name.endswith("block") else 0.0225, abs=3e-3)


def test_objects_do_not_overlap(table):
    truth = table.scene.positions()
    names = list(truth)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert np.linalg.norm(truth[a][:2] - truth[b][:2]) > 0.05


def test_same_seed_same_scene_and_seed_draws_objects():
    a, b = Tabletop(SceneSpec(seed=11)), Tabletop(SceneSpec(seed=11))
    try:
        assert a.ground_truth() == b.ground_truth()
        assert 3 <= len(a.ground_truth()) <= 7
    finally:
        a.close(), b.close()


def test_impossible_scene_fails_after_bounded_tries():
    colours = ("blue", "red", "green", "orange", "yellow", "purple", "pink", "cyan", "brown",
               "gray")
    with pytest.raises(SceneError, match="no free spot"):
        Tabletop(SceneSpec(blocks=colours, bowls=colours, seed=0))


def test_unknown_colour_is_refused():
    with pytest.raises(SceneError, match="unknown colour 'teal'"):
        SceneSpec(blocks=("teal",))


def test_snapshot_restore_puts_objects_back(table):
    snap = table.snapshot()
    before = table.ground_truth()
    from cap.api import PolicyAPI
    api = PolicyAPI(table.arm, table.oracle(), table.workspace)
    api.put_first_on_second("red block", "top left corner")
    assert table.ground_truth() != before
    table.restore(snap)
    table.world.run(0.2)
    after = table.ground_truth()
    for name in before:
        assert np.allclose(before[name], after[name], atol=2e-3)


@pytest.mark.render
def test_camera_depth_is_metric_and_matches_block_tops(table):
    frame = table.camera.render()
    assert frame.rgb.shape == (240, 320, 3) and frame.depth.shape == (240, 320)
    points = frame.points()
    for name, pos in table.scene.positions().items():
        if name.endswith("block"):
            d = np.linalg.norm(points[..., :2] - pos[:2], axis=-1)
            top = points[np.unravel_index(np.argmin(d), d.shape)]
            if abs(top[2] - 0.04) > 0.01:  # the arm may hide a block; it must then be far above
                assert top[2] > 0.1
            else:
                assert top[2] == pytest.approx(0.04, abs=0.005)


def test_three_blocks_and_three_bowls_lay_out_on_every_seed():
    """Objects drawn one by one once boxed the last one out (seeds 104 and 107)."""
    spec = dict(blocks=("red", "green", "yellow"), bowls=("blue", "purple", "pink"))
    for seed in range(100, 200):
        assert len(layout(SceneSpec(**spec, seed=seed), Workspace())) == 6
