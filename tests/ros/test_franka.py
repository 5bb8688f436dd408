"""A Franka arm's own interfaces over DDS: the Franka Hand's Grasp and Move actions
(franka_gripper) and the robot state that says when the arm cannot move (reflex, user stop,
errors), against small fake servers beside the fake trajectory controller."""
from __future__ import annotations

import threading
import time

import pytest

from robots.errors import MotionError, RobotNotReady
from robots.ros2_arm import Ros2ArmConfig
from tests.ros.conftest import eventually
from tests.ros.test_actions import (  # noqa: F401 -- the rig, with a Hand
    BLOCK, PROMPTLY, after, cancel_arrival, fake_robot, rig, trajectory)

pytest.importorskip("franka_msgs.action", reason="franka_msgs is built at setup")
pytestmark = pytest.mark.slow

STATE = "/franka_robot_state_broadcaster/robot_state"


class FakeFranka:
    """franka_gripper's grasp and move (the fingers stop on an object `object_width` wide
    unless `grasp_fails`) and a state broadcaster whose mode and errors the test sets."""

    def __init__(self, controller) -> None:
        from franka_msgs.action import Grasp, Move
        from franka_msgs.msg import FrankaRobotState
        from rclpy.action import ActionServer
        from rclpy.callback_groups import ReentrantCallbackGroup

        node, self.controller = controller.node, controller
        self.goals: list[tuple[str, object]] = []
        self.grasp_fails = False
        self.state = FrankaRobotState(robot_mode=FrankaRobotState.ROBOT_MODE_IDLE)
        group = ReentrantCallbackGroup()
        ActionServer(node, Grasp, "/franka_gripper/grasp", self._grasp, callback_group=group)
        ActionServer(node, Move, "/franka_gripper/move", self._move, callback_group=group)
        self.publisher = node.create_publisher(FrankaRobotState, STATE, 5)
        self.closing = False
        threading.Thread(target=self._publish_loop, daemon=True).start()

    def _publish_loop(self) -> None:
        while not self.closing:
            self.publisher.publish(self.state)
            time.sleep(0.02)

    def _grasp(self, handle):
        from franka_msgs.action import Grasp
        self.goals.append(("grasp", handle.request))
        time.sleep(0.1)
        self.controller.finger = 0.02  # stopped on a block 4 cm wide
        handle.succeed()
        if self.grasp_fails:
            return Grasp.Result(success=False, error="object not grasped")
        return Grasp.Result(success=True)

    def _move(self, handle):
        from franka_msgs.action import Move
        self.goals.append(("move", handle.request))
        self.controller.finger = handle.request.width / 2
        handle.succeed()
        return Move.Result(success=True)


@pytest.fixture
def arm_settings() -> Ros2ArmConfig:
    return Ros2ArmConfig(settle_timeout=0.5, franka_gripper="/franka_gripper",
                         franka_state_topic=STATE)


@pytest.fixture
def franka(domain, arm_settings):
    with fake_robot(domain, arm_settings, wait=False) as (controller, arm):
        hand = FakeFranka(controller)
        arm.wait_for_robot(timeout=10)  # the hand's servers answer
        yield hand, controller, arm
        hand.closing = True


def test_the_hand_grasps_with_force_and_opens_with_move(franka):
    hand, _, arm = franka
    arm.close_gripper()
    eventually(lambda: arm.gripper_width() == pytest.approx(0.04), what="the grasp's width")
    arm.open_gripper()
    eventually(lambda: arm.gripper_width() == pytest.approx(0.08), what="the open width")
    arm.open_gripper()  # open already: nothing is sent
    (action, grasp), (then, move) = hand.goals
    assert (action, then) == ("grasp", "move")
    assert grasp.force == arm.config.gripper_effort and grasp.width == 0.0
    assert grasp.epsilon.outer >= 0.08  # wherever the fingers stop on an object: success
    assert move.width == pytest.approx(0.08)


@pytest.mark.parametrize("arm_settings", [Ros2ArmConfig(settle_timeout=0.5)],
                         ids=["gripper_action"])
def test_the_hand_through_gripper_command_gets_one_fingers_opening(rig):  # noqa: F811
    """franka_gripper's gripper_action reads the position per finger and fails a grasp that
    stops on an object; the arm holds the block and opens to 8 cm, not 16."""
    controller, arm = rig
    controller.grip = "franka"
    assert arm.close_gripper()  # holding the 4 cm block
    eventually(lambda: arm.gripper_width() == pytest.approx(BLOCK), what="the grasp's width")
    arm.open_gripper()
    assert controller.grip_commands == [0.0, pytest.approx(0.04)]
    assert controller.finger == pytest.approx(0.04)


def test_a_failed_grasp_is_a_clear_error(franka):
    hand, _, arm = franka
    hand.grasp_fails = True
    with pytest.raises(MotionError, match="grasp failed: object not grasped"):
        arm.close_gripper()


def test_a_reflex_refuses_motion_before_any_goal_and_says_what_to_do(franka):
    from franka_msgs.msg import FrankaRobotState
    hand, controller, arm = franka
    hand.state.robot_mode = FrankaRobotState.ROBOT_MODE_REFLEX
    hand.state.current_errors.joint_reflex = True
    eventually(lambda: arm.health()[0] == "error", what="the reflex state")
    with pytest.raises(RobotNotReady, match=r"reflex mode \(joint_reflex\).*error_recovery"):
        arm.execute(trajectory(1.0))
    assert controller.goals == 0
    assert arm.health()[0] == "error"
    hand.state = FrankaRobotState(robot_mode=FrankaRobotState.ROBOT_MODE_IDLE)
    eventually(lambda: arm.health()[0] == "ok", what="the recovered state")
    arm.execute(trajectory(0.3))  # recovered: it moves again


def test_a_user_stop_mid_motion_cancels_the_goal(franka):
    from franka_msgs.msg import FrankaRobotState
    hand, controller, arm = franka
    controller.behaviour = "hold"
    pressed = after(0.3, lambda: setattr(hand.state, "robot_mode",
                                         FrankaRobotState.ROBOT_MODE_USER_STOPPED))
    with pytest.raises(RobotNotReady, match="user stop"):
        arm.execute(trajectory(5.0))
    assert cancel_arrival(controller) - pressed[0] < PROMPTLY
