"""The policy API's primitives on the simulated table, judged from ground truth."""
import numpy as np
import pytest

from cap.api import PolicyAPI
from cap.errors import NoRoom, PlacementError, PolicyError
from robots.errors import MotionError
from sim.scene import SceneSpec
from sim.tabletop import Tabletop


@pytest.fixture
def table():
    table = Tabletop(SceneSpec(blocks=("red", "green"), bowls=("blue", "yellow"), seed=5))
    yield table
    table.close()


@pytest.fixture
def api(table):
    return PolicyAPI(table.arm, table.oracle(), table.workspace)


def xy(table, name):
    return table.scene.positions()[name][:2]


def test_block_into_bowl(table, api):
    api.put_first_on_second("red block", "blue bowl")
    table.world.run(0.3)
    assert np.linalg.norm(xy(table, "red block") - xy(table, "blue bowl")) < 0.04


def test_block_on_block(table, api):
    api.put_first_on_second("red block", "green block")
    table.world.run(0.3)
    red, green = table.scene.positions()["red block"], table.scene.positions()["green block"]
    assert np.linalg.norm(red[:2] - green[:2]) < 0.015
    assert red[2] == pytest.approx(green[2] + 0.04, abs=0.005)


def test_block_to_named_place_and_position(table, api):
    api.put_first_on_second("green block", "bottom left corner")
    api.put_first_on_second("red block", api.denormalize_xy([0.6, 0.4]))
    table.world.run(0.3)
    assert np.linalg.norm(xy(table, "green block") - api.get_obj_pos("bottom left corner")[:2]) < 0.02
    assert np.linalg.norm(xy(table, "red block") - api.denormalize_xy([0.6, 0.4])) < 0.02


def test_bowl_to_place_carries_its_contents(table, api):
    api.put_first_on_second("red block", "yellow bowl")
    api.put_first_on_second("yellow bowl", "top right corner")
    table.world.run(0.3)
    assert np.linalg.norm(xy(table, "yellow bowl") - api.get_obj_pos("top right corner")[:2]) < 0.03
    assert np.linalg.norm(xy(table, "red block") - xy(table, "yellow bowl")) < 0.05


def test_a_spot_without_room_is_refused_before_anything_moves(table, api):
    api.put_first_on_second("yellow bowl", "top right corner")
    before = table.scene.positions()
    crowded = api.denormalize_xy([0.85, 0.85])  # 10 cm from the yellow bowl's centre
    with pytest.raises(NoRoom, match=r"cm from the yellow bowl; a bowl needs 1\d\.\d cm"):
        api.put_first_on_second("blue bowl", crowded)
    after = table.scene.positions()
    assert all(np.allclose(before[n], after[n], atol=1e-3) for n in before)


def test_a_place_that_misses_is_an_error_not_a_success(table, api, monkeypatch):
    """The world disagrees with the plan (here: the block is knocked away as it is let go)."""
    release = table.arm.open_gripper

    opened = []

    def knock(width=None):
        release(width)
        opened.append(width)
        if len(opened) == 2:  # the first opening is on the way to the pick; this one lets go
            table.scene.place("red block", [0.2, -0.15, 0.02])
    monkeypatch.setattr(table.arm, "open_gripper", knock)
    with pytest.raises(PlacementError, match="red block (did not come to rest in|landed)"):
        api.put_first_on_second("red block", "blue bowl")


def test_goto_follow_and_gripper(api):
    api.goto_pos([0.05, -0.05, 0.2])
    assert np.allclose(api.get_ee_pos(), [0.05, -0.05, 0.2], atol=5e-3)
    api.goto_pos([0.0, 0.0])  # xy keeps the height
    assert np.allclose(api.get_ee_pos(), [0.0, 0.0, 0.2], atol=5e-3)
    api.follow_traj([[0.1, 0.0], [0.1, 0.1, 0.15]])
    assert np.allclose(api.get_ee_pos(), [0.1, 0.1, 0.15], atol=5e-3)
    api.close_gripper()
    api.open_gripper()


def test_perception_functions_answer_from_the_scene(table, api):
    assert sorted(api.get_obj_names()) == ["blue bowl", "green block", "red block", "yellow bowl"]
    assert api.get_color("green block") == "green"
    assert api.is_obj_visible("red block") and not api.is_obj_visible("pink block")
    xmin, ymin, xmax, ymax = api.get_bbox("red block")
    assert xmin < xy(table, "red block")[0] < xmax and ymin < xy(table, "red block")[1] < ymax
    assert np.allclose(api.get_obj_pos("top left corner")[:2], api.denormalize_xy([0, 1]))


def test_unknown_object_error_names_the_visible_ones(api):
    with pytest.raises(PolicyError, match=r"no object named 'purple block'; visible objects: "):
        api.put_first_on_second("purple block", "blue bowl")


@pytest.mark.parametrize("target", [[0.9, 0.9], [0.1], "the moon", [0.1, 0.2, 0.3, 0.4]])
def test_bad_targets_are_refused_and_nothing_moves(table, api, target):
    before = table.ground_truth()
    with pytest.raises((PolicyError, MotionError)):
        api.put_first_on_second("red block", target)
    assert table.ground_truth() == before


def test_say_records_messages(api):
    api.say("hello")
    api.say(42)
    assert api.said == ["hello", "42"]


def test_stacking_on_a_tilted_block_is_refused(table, api):
    """A block leaning on the bowl's rim is no flat top; nothing moves."""
    bowl = table.scene.positions()["blue bowl"]
    table.scene.place("green block", [bowl[0] + 0.07, bowl[1], 0.045])
    table.settle(0.5)
    before = table.scene.positions()
    with pytest.raises(NoRoom, match="green block is not lying flat"):
        api.put_first_on_second("red block", "green block")
    assert all(np.allclose(before[n], table.scene.positions()[n], atol=1e-3) for n in before)
