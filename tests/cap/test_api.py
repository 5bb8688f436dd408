"""The policy API's primitives on the simulated table (seen by the oracle, and from pixels),
judged from ground truth."""
import re

import numpy as np
import pytest

from cap.api import PolicyAPI
from cap.errors import NoRoom, PlacementError, PolicyError
from cap.perceivers import make_perceiver
from perception.palette import BLOCK_SIZE
from robots.errors import MotionError
from sim.objects import BOWL_HEIGHT
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
    with pytest.raises(NoRoom, match="green block is not lying flat"):
        api.put_first_on_second("yellow bowl", "green block")
    assert all(np.allclose(before[n], table.scene.positions()[n], atol=1e-3) for n in before)


# --- from pixels: objects put by hand where a test needs them, seen through the camera ------

@pytest.fixture
def staged():
    """stage(blocks, bowls, {name: (x, y, yaw)}) -> (table, API seeing it from pixels)."""
    tables = []

    def stage(blocks, bowls, places):
        table = Tabletop(SceneSpec(blocks, bowls, seed=0))
        for name, (x, y, yaw) in places.items():
            height = BOWL_HEIGHT if name.endswith("bowl") else BLOCK_SIZE
            table.scene.place(name, [x, y, height / 2], yaw)
        table.settle(1.0)
        tables.append(table)
        return table, PolicyAPI(table.arm, make_perceiver("pixels", table), table.workspace)
    yield stage
    for table in tables:
        table.close()


def moved(before, after, name) -> float:
    return float(np.linalg.norm(after[name][:2] - before[name][:2]))


def test_the_fingers_miss_a_bowl_beside_the_block(staged):
    """A bowl 4 cm from the block's side: the grasp and the spot in the target bowl are
    chosen together, so neither finger lands on the bowl's wall (it was knocked 1.1 cm)."""
    table, api = staged(("red",), ("blue", "green"), {
        "red block": (0.0, -0.1, 0.0), "blue bowl": (-0.1005, -0.042, 0.0),
        "green bowl": (0.12, 0.1, 0.0)})
    before = table.scene.positions()
    api.put_first_on_second("red block", "green bowl")
    table.arm.home()
    after = table.scene.positions()
    assert moved(before, after, "blue bowl") < 0.003
    assert np.linalg.norm(after["red block"][:2] - after["green bowl"][:2]) < 0.04


def test_a_block_boxed_in_by_two_bowls_gets_room_made_and_says_so(staged):
    """Bowls 11.6 cm away along both of the block's axes: either grasp would put a finger on a
    rim, so one bowl is first moved straight away from the block, just far enough."""
    table, api = staged(("green",), ("blue", "yellow"), {
        "green block": (0.12, -0.05, 0.0), "blue bowl": (0.004, -0.05, 0.0),
        "yellow bowl": (0.12, 0.066, 0.0)})
    before = table.scene.positions()
    api.put_first_on_second("green block", "yellow bowl")
    table.arm.home()
    after = table.scene.positions()
    [said] = api.said
    match = re.fullmatch(r"I moved the (blue|yellow) bowl (\d) cm aside to make room for the "
                         r"fingers around the green block", said)
    assert match, said
    shift = moved(before, after, f"{match.group(1)} bowl")
    assert shift == pytest.approx(int(match.group(2)) / 100, abs=0.01)
    assert np.linalg.norm(after["green block"][:2] - after["yellow bowl"][:2]) < 0.05


def test_a_block_with_no_room_as_it_lies_is_turned_to_fit(staged):
    """Between two blocks 9 cm apart there is room for a block only square to them."""
    table, api = staged(("red", "green", "blue"), (), {
        "red block": (-0.045, 0.0, 0.0), "green block": (0.045, 0.0, 0.0),
        "blue block": (0.1, -0.12, np.pi / 4)})
    before = table.scene.positions()
    api.put_first_on_second("blue block", [0.0, 0.0])
    table.arm.home()
    after = table.scene.positions()
    assert np.linalg.norm(after["blue block"][:2]) < 0.01
    assert abs((table.scene.yaw("blue block") + np.pi / 4) % (np.pi / 2) - np.pi / 4) < 0.1
    assert moved(before, after, "red block") < 0.003 and moved(before, after, "green block") < 0.003


def follow(api, obj, refusal: str) -> None:
    """Do what a refusal advises: its suggested target, else its nearest free spot."""
    target = re.search(r"use '([^']+)' as the target", refusal)
    if target:
        api.put_first_on_second(obj, target.group(1))
        return
    spot = re.search(r"the nearest free spot is \[(-?[\d.]+), (-?[\d.]+)\]", refusal)
    assert spot, refusal
    api.put_first_on_second(obj, [float(spot.group(1)), float(spot.group(2))])


def test_a_bowl_refused_on_another_bowls_rim_is_told_what_the_planner_accepts(staged):
    """The spot lies on the green bowl's rim: it says what is in the way and how much room a
    bowl needs, and the advice it gives (stack the bowls) is done without another refusal."""
    table, api = staged(("red",), ("blue", "green"), {
        "blue bowl": (-0.12, -0.05, 0.0), "green bowl": (0.08, 0.05, 0.0),
        "red block": (0.15, -0.15, 0.0)})
    with pytest.raises(NoRoom) as refused:
        api.put_first_on_second("blue bowl", [0.03, 0.05])
    message = str(refused.value)
    assert re.search(r"is on the green bowl, [45]\.\d cm from its centre: a bowl there would overhang "
                     r"it \(on the table it needs 1\d\.\d cm of room", message)
    follow(api, "blue bowl", message)
    table.arm.home()
    truth = table.scene.positions()
    assert np.linalg.norm(truth["blue bowl"][:2] - truth["green bowl"][:2]) < 0.01
    assert truth["blue bowl"][2] == pytest.approx(BOWL_HEIGHT * 1.5, abs=0.006)  # on its rim


def test_a_bowl_is_not_put_on_a_bowl_whose_contents_stand_above_its_rim(staged):
    """Two blocks stacked in the blue bowl reach 4 cm above its rim: a bowl set on it would
    rest on the top block alone and tip, so it is refused, saying so, before anything moves."""
    table, api = staged(("red", "green"), ("blue", "yellow"), {
        "blue bowl": (-0.1, 0.05, 0.0), "yellow bowl": (0.12, 0.08, 0.0),
        "red block": (0.1, -0.12, 0.0), "green block": (-0.1, -0.14, 0.0)})
    api.put_first_on_second("red block", "blue bowl")
    api.put_first_on_second("green block", "red block")
    before = table.scene.positions()
    with pytest.raises(NoRoom, match=r"the yellow bowl would rest on the green block, which "
                                     r"stands [34]\.\d cm higher than the blue bowl"):
        api.put_first_on_second("yellow bowl", "blue bowl")
    after = table.scene.positions()
    assert all(moved(before, after, name) < 0.002 for name in before)


def test_a_block_refused_beside_another_is_given_a_free_spot(staged):
    table, api = staged(("red", "green"), (), {
        "red block": (0.0, 0.0, 0.3), "green block": (0.15, 0.1, 0.0)})
    before = table.scene.positions()
    with pytest.raises(NoRoom, match=r"3\.\d cm from the red block; a block needs \d\.\d cm") as refused:
        api.put_first_on_second("green block", [0.035, 0.0])
    follow(api, "green block", str(refused.value))
    table.arm.home()
    after = table.scene.positions()
    assert moved(before, after, "red block") < 0.003
    assert np.linalg.norm(after["green block"][:2] - [0.035, 0.0]) < 0.05


def test_a_block_for_a_covered_bowl_is_told_to_use_the_bowl_on_top(staged):
    table, api = staged(("red",), ("blue", "yellow"), {
        "blue bowl": (-0.05, 0.05, 0.0), "yellow bowl": (0.12, -0.1, 0.0),
        "red block": (0.15, 0.12, 0.0)})
    api.put_first_on_second("yellow bowl", "blue bowl")
    with pytest.raises(NoRoom, match="the blue bowl is under the yellow bowl") as refused:
        api.put_first_on_second("red block", "blue bowl")
    follow(api, "red block", str(refused.value))
    table.arm.home()
    truth = table.scene.positions()
    assert np.linalg.norm(truth["red block"][:2] - truth["yellow bowl"][:2]) < 0.05
    assert truth["red block"][2] > BOWL_HEIGHT  # in the upper bowl


# --- Code as Policies' own tabletop_ui examples that stack bowls, run as programs -----------

STACK_IN_ORDER = """def stack_objects_in_order(object_names):
    for below, above in zip(object_names, object_names[1:]):
        put_first_on_second(above, below)
"""
# three bowls across the back and the middle front, three blocks between and in front
LAYOUT = [(-0.15, 0.1), (0.15, 0.1), (0.0, -0.11), (0.0, 0.12), (-0.17, -0.14), (0.17, -0.14)]


def run_program(blocks, bowls, code: str):
    """The program through the checks and the sandbox, seen from pixels; (outcome, truth)."""
    from cap.config import SessionConfig
    from cap.session import Session

    names = [f"{c} bowl" for c in bowls] + [f"{c} block" for c in blocks]
    spec = SceneSpec(tuple(blocks), tuple(bowls), seed=0)
    cell = Tabletop(spec)
    for name, (x, y) in zip(names, LAYOUT):
        height = BOWL_HEIGHT if name.endswith("bowl") else BLOCK_SIZE
        cell.scene.place(name, [x, y, height / 2], 0.3)
    cell.settle(1.0)
    with Session(SessionConfig(spec, perception="pixels"), cell=cell) as session:
        outcome = session.exec_program(code)
        cell.settle(0.5)
        return outcome, cell.scene.positions()


def on(truth, upper: str, lower: str, height: float) -> bool:
    """`upper` stands centred on `lower`, its centre `height` above the table."""
    return (np.linalg.norm(truth[upper][:2] - truth[lower][:2]) < 0.015
            and abs(truth[upper][2] - height) < 0.008)


RIM = BOWL_HEIGHT  # a bowl resting on a bowl stands on its rim
FLOOR = 0.008  # sim.objects.BOWL_FLOOR


@pytest.mark.slow
def test_paper_example_stack_the_blue_bowl_on_the_yellow_block_on_the_green_block():
    outcome, truth = run_program(("yellow", "green", "blue"), ("yellow", "blue", "green"),
                                 STACK_IN_ORDER + "order_bottom_to_top = ['green block', "
                                 "'yellow block', 'blue bowl']\n"
                                 "stack_objects_in_order(object_names=order_bottom_to_top)")
    assert outcome.ok, outcome.error
    assert on(truth, "yellow block", "green block", 1.5 * BLOCK_SIZE)
    assert on(truth, "blue bowl", "yellow block", 2 * BLOCK_SIZE + BOWL_HEIGHT / 2)


@pytest.mark.slow
def test_paper_example_hide_the_blue_bowl():
    outcome, truth = run_program(("yellow", "green", "blue"), ("yellow", "blue", "green"),
                                 "bowl_name = np.random.choice(['yellow bowl', 'green bowl'])\n"
                                 "put_first_on_second(bowl_name, 'blue bowl')")
    assert outcome.ok, outcome.error
    assert any(on(truth, f"{c} bowl", "blue bowl", RIM + BOWL_HEIGHT / 2)
               for c in ("yellow", "green"))


@pytest.mark.slow
def test_paper_example_stack_everything_with_the_green_block_on_top():
    outcome, truth = run_program(("pink", "green", "blue"), ("pink", "blue", "green"),
                                 STACK_IN_ORDER + "order_bottom_to_top = ['blue bowl', "
                                 "'pink bowl', 'green bowl', 'pink block', 'blue block', "
                                 "'green block']\n"
                                 "stack_objects_in_order(object_names=order_bottom_to_top)")
    assert outcome.ok, outcome.error
    assert on(truth, "pink bowl", "blue bowl", RIM + BOWL_HEIGHT / 2)
    assert on(truth, "green bowl", "pink bowl", 2 * RIM + BOWL_HEIGHT / 2)
    in_green = 2 * RIM + FLOOR + BLOCK_SIZE / 2
    assert np.linalg.norm(truth["pink block"][:2] - truth["green bowl"][:2]) < 0.05
    assert truth["pink block"][2] == pytest.approx(in_green, abs=0.008)
    assert on(truth, "blue block", "pink block", in_green + BLOCK_SIZE)
    assert on(truth, "green block", "blue block", in_green + 2 * BLOCK_SIZE)


@pytest.mark.slow
def test_paper_example_the_desert_flooded_by_the_ocean():
    outcome, truth = run_program(("yellow", "green", "gray"), ("yellow", "gray", "blue"),
                                 "say('putting the yellow bowl on the blue bowl')\n"
                                 "put_first_on_second('yellow bowl', 'blue bowl')")
    assert outcome.ok, outcome.error
    assert on(truth, "yellow bowl", "blue bowl", RIM + BOWL_HEIGHT / 2)


def test_an_object_knocked_as_the_fingers_come_down_is_looked_for_and_gripped_again(table):
    """A grasp that closes on nothing (a leaning toy tipped by a finger) ended the command;
    the object lies near where it was, so one fresh look from pixels and a second grasp
    finish the place."""
    api = PolicyAPI(table.arm, make_perceiver("pixels", table), table.workspace)
    start = table.scene.positions()["red block"]
    opened = table.arm.open_gripper

    def knocked_once(width=None):  # the block pushed 6 cm aside as the fingers open over it
        table.arm.open_gripper = opened
        table.scene.place("red block", start + [0.06, 0.0, 0.0])
        table.world.run(0.3)
        return opened(width)

    table.arm.open_gripper = knocked_once
    api.put_first_on_second("red block", "blue bowl")
    after = table.scene.positions()
    assert np.linalg.norm(after["red block"][:2] - after["blue bowl"][:2]) < 0.05
    assert any("moved as I reached" in message for message in api.said)
