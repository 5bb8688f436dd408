"""The arm against small fake ros2_control servers over DDS: a FollowJointTrajectory server
that rejects, aborts, succeeds slowly (speed scaling) or waits to be cancelled, and a
/joint_states publisher that can fall silent or freeze its stamps. Each fault is timed from
where it happens."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from robots.errors import MotionError, MotionStopped, RobotDisconnected, RobotNotReady
from robots.kinematics import PANDA_JOINTS
from robots.planning import JointTrajectory
from robots.ros2_arm import Ros2Arm, Ros2ArmConfig
from tests.ros.conftest import eventually

rclpy = pytest.importorskip("rclpy")
pytest.importorskip("control_msgs.action", reason="control_msgs is built at setup")
pytestmark = pytest.mark.slow

# Seconds within which a fault must end the motion: far sooner than the 5 s trajectories would
# end or any timeout fire. How soon it really is (against targets of 0.1-0.6 s) is measured by
# benchmarks/ros_faults.py, not asserted on a busy test machine.
PROMPTLY = 1.5
BLOCK = 0.04  # m, what the fingers close on
HOME = np.array([0.237, -1.378, -0.162, -2.928, -0.159, 1.552, -0.582])


class FakeController:
    """Joint states for the Panda's joints, a speed scaling, and a trajectory action whose
    behaviour the test sets: "reject", "abort", "slow" (success after `slow_seconds`) or
    "hold" (runs until cancelled)."""

    def __init__(self, context) -> None:
        from control_msgs.action import FollowJointTrajectory
        from rclpy.action import ActionServer, CancelResponse, GoalResponse
        from rclpy.callback_groups import ReentrantCallbackGroup
        from sensor_msgs.msg import JointState
        from std_msgs.msg import Float64

        self.node = rclpy.create_node("fake_controller", context=context)
        self.behaviour, self.slow_seconds, self.publishing = "slow", 0.5, True
        self.frozen_stamp = None  # set: every joint state carries this stamp (a stuck driver)
        self.finger = 0.04  # each finger's opening, metres
        self.cancel_requested: float | None = None
        self.goals, self.accept_delay = 0, 0.0
        self.aborted_at: float | None = None
        self.states = self.node.create_publisher(JointState, "/joint_states", 10)
        self.scaling = self.node.create_publisher(Float64, "/speed_scaling_state_broadcaster/"
                                                  "speed_scaling", 10)
        self.scaling_percent = 100.0
        self.closing = False
        self.server = ActionServer(
            self.node, FollowJointTrajectory, "/arm_controller/follow_joint_trajectory",
            self._execute, callback_group=ReentrantCallbackGroup(),
            goal_callback=self._goal,
            cancel_callback=self._cancel)
        self._cancel_response = CancelResponse.ACCEPT
        self._goal_responses = GoalResponse
        self._message_types = (JointState, Float64, FollowJointTrajectory)
        from control_msgs.action import GripperCommand
        # "stall"; "miss": the fingers stop short with nothing between them; "franka": as
        # franka_gripper's gripper_action, with a block BLOCK wide between the fingers
        self.grip, self.grip_commands = "stall", []
        self.gripper = ActionServer(self.node, GripperCommand, "/gripper_controller/gripper_cmd",
                                    self._grip, callback_group=ReentrantCallbackGroup())
        threading.Thread(target=self._publish_loop, daemon=True).start()

    def _publish_loop(self) -> None:
        """At 100 Hz on a thread of its own, as a driver's joint state broadcaster."""
        while not self.closing:
            self._publish()
            time.sleep(0.01)

    def _publish(self) -> None:
        JointState, Float64, _ = self._message_types
        if self.publishing:
            message = JointState(name=[*PANDA_JOINTS, "panda_finger_joint1",
                                       "panda_finger_joint2"],
                                 position=[*map(float, HOME), self.finger, self.finger],
                                 velocity=[0.0] * 9)
            message.header.stamp = self.frozen_stamp or self.node.get_clock().now().to_msg()
            self.states.publish(message)
        self.scaling.publish(Float64(data=self.scaling_percent))

    def _goal(self, goal):
        self.goals += 1
        time.sleep(self.accept_delay)
        responses = self._goal_responses
        return responses.REJECT if self.behaviour == "reject" else responses.ACCEPT

    def program_running(self, running: bool) -> None:
        """As UR's io_and_status_controller says whether External Control runs (latched)."""
        from std_msgs.msg import Bool
        from robots.ros2_messages import latched_qos
        publisher = self.node.create_publisher(
            Bool, "/io_and_status_controller/robot_program_running", latched_qos())
        publisher.publish(Bool(data=running))

    def _grip(self, handle):
        from control_msgs.action import GripperCommand
        self.grip_commands.append(handle.request.command.position)
        if self.grip == "franka":
            return self._franka_grip(handle)
        time.sleep(0.1)
        handle.succeed() if self.grip == "stall" else handle.abort()
        return GripperCommand.Result(position=0.04, stalled=self.grip == "stall",
                                     reached_goal=False)

    def _franka_grip(self, handle):
        """franka_gripper's GripperCommand: the width is twice the position (refused beyond
        0.08 m); opening moves, closing grasps and succeeds only within 5 mm of that width;
        the result's position is the whole width."""
        from control_msgs.action import GripperCommand
        width = 2 * handle.request.command.position
        reached = False
        if 0.0 <= width <= 0.08:
            self.finger = (width if width >= 2 * self.finger else max(width, BLOCK)) / 2
            reached = abs(2 * self.finger - width) <= 0.005
        handle.succeed() if reached else handle.abort()
        return GripperCommand.Result(position=2 * self.finger, reached_goal=reached)

    def _cancel(self, goal):
        self.cancel_requested = time.monotonic()
        return self._cancel_response

    def _execute(self, handle):
        Result = self._message_types[2].Result
        started = time.monotonic()
        while not handle.is_cancel_requested and not self.closing:
            if self.behaviour == "abort" and time.monotonic() - started > 0.2:
                self.aborted_at = time.monotonic()
                handle.abort()
                return Result(error_code=-4, error_string="path tolerance violated")
            if self.behaviour == "slow" and time.monotonic() - started > self.slow_seconds:
                handle.succeed()
                return Result(error_code=0)
            time.sleep(0.005)
        handle.canceled()
        return Result(error_code=0)


@pytest.fixture
def arm_settings() -> Ros2ArmConfig:
    return Ros2ArmConfig(settle_timeout=0.5)


@contextmanager
def fake_robot(domain: int, settings: Ros2ArmConfig, wait: bool = True
               ) -> Iterator[tuple[FakeController, Ros2Arm]]:
    """A FakeController and a Ros2Arm on it, spinning in this process over real DDS (with
    `wait`, once the arm has found the robot and its actions)."""
    from rclpy.executors import MultiThreadedExecutor

    context = rclpy.Context()
    rclpy.init(context=context, domain_id=domain)
    controller = FakeController(context)
    node = rclpy.create_node("cap_arm", context=context)
    executor = MultiThreadedExecutor(num_threads=4, context=context)
    executor.add_node(controller.node)
    executor.add_node(node)
    arm = Ros2Arm(node, settings)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    try:
        if wait:
            arm.wait_for_robot(timeout=10)
            assert arm.uses_actions
        yield controller, arm
    finally:
        controller.closing = True
        executor.shutdown()  # first: nothing may run on what is closed next
        thread.join(timeout=5)
        arm.close()
        for each in (controller.node, node):  # gone from the graph, not left for a next rig
            each.destroy_node()
        rclpy.shutdown(context=context)


@pytest.fixture
def rig(domain, arm_settings):
    with fake_robot(domain, arm_settings) as robot:
        yield robot


def after(seconds: float, action) -> list[float]:
    """Run `action` on a timer thread after `seconds`; the list gets the moment it ran (what
    a fault is timed from)."""
    when: list[float] = []

    def run() -> None:
        when.append(time.monotonic())
        action()
    threading.Timer(seconds, run).start()
    return when


def cancel_arrival(controller: FakeController, timeout: float = 2.0) -> float:
    """When the controller got the cancel request (the arm does not wait for a robot it lost
    to answer it, so it can raise first)."""
    deadline = time.monotonic() + timeout
    while controller.cancel_requested is None:
        assert time.monotonic() < deadline, "the goal was never cancelled"
        time.sleep(0.01)
    return controller.cancel_requested


def trajectory(seconds: float) -> JointTrajectory:
    times = np.linspace(0.0, seconds, 5)
    return JointTrajectory(times, np.array([HOME + [0.1 * t / seconds, 0, 0, 0, 0, 0, 0]
                                            for t in times]))


def test_a_rejected_goal_is_a_clear_error_at_once(rig):
    controller, arm = rig
    controller.behaviour = "reject"
    started = time.monotonic()
    with pytest.raises(MotionError, match="rejected"):
        arm.execute(trajectory(1.0))
    assert time.monotonic() - started < PROMPTLY


def test_an_aborted_goal_says_why_promptly(rig):
    controller, arm = rig
    controller.behaviour = "abort"
    with pytest.raises(MotionError, match="path tolerance violated"):
        arm.execute(trajectory(5.0))
    assert time.monotonic() - controller.aborted_at < PROMPTLY


def test_stop_cancels_the_goal_promptly(rig):
    controller, arm = rig
    controller.behaviour = "hold"
    stopped = after(0.3, arm.stop)
    with pytest.raises(MotionStopped):
        arm.execute(trajectory(5.0))
    assert cancel_arrival(controller) - stopped[0] < PROMPTLY


def test_a_stop_before_the_goal_is_accepted_still_cancels_it(rig):
    controller, arm = rig
    controller.behaviour, controller.accept_delay = "hold", 0.5
    after(0.2, arm.stop)
    with pytest.raises(MotionStopped):
        arm.execute(trajectory(5.0))
    cancel_arrival(controller)


def test_silent_joint_states_cancel_the_goal_promptly(rig):
    controller, arm = rig
    controller.behaviour = "hold"
    silent = after(0.3, lambda: setattr(controller, "publishing", False))
    with pytest.raises(RobotDisconnected):
        arm.execute(trajectory(5.0))
    assert cancel_arrival(controller) - silent[0] < PROMPTLY


def test_at_30_percent_speed_a_slow_trajectory_does_not_time_out(rig):
    controller, arm = rig
    controller.scaling_percent = 30.0
    controller.slow_seconds = 1.0 / 0.3  # a 1 s trajectory at 30 %
    eventually(lambda: arm.health()[1]["speed_scaling"] == "0.30", what="the scaling")
    arm.execute(trajectory(1.0))  # the unscaled deadline, 1 + 0.5 + 1 s, would have passed


def test_a_stopped_robot_program_refuses_the_motion_before_any_goal(rig):
    controller, arm = rig
    controller.program_running(False)
    eventually(lambda: arm.health()[1]["program_running"] == "no", what="the program state")
    with pytest.raises(RobotNotReady, match="press play"):
        arm.execute(trajectory(1.0))
    assert controller.goals == 0


def test_a_gripper_that_stalls_on_an_object_succeeds_one_that_misses_does_not(rig):
    controller, arm = rig
    assert arm.close_gripper()  # closed on something: stalled short of the goal, and fine
    controller.grip = "miss"
    with pytest.raises(MotionError, match="short of"):
        arm.close_gripper()


def test_stamps_that_stop_advancing_are_a_lost_robot_though_messages_keep_coming(rig):
    controller, arm = rig
    controller.behaviour = "hold"
    frozen = after(0.3, lambda: setattr(controller, "frozen_stamp",
                                        controller.node.get_clock().now().to_msg()))
    with pytest.raises(RobotDisconnected, match="no new /joint_states"):
        arm.execute(trajectory(5.0))
    assert cancel_arrival(controller) - frozen[0] < PROMPTLY


def test_a_busy_executor_delays_the_joint_states_without_losing_the_robot(rig):
    """A callback of the arm's node that keeps the default callback group for 0.8 s (a slow
    camera frame, a long service) holds back nothing the verdict rests on."""
    controller, arm = rig
    controller.slow_seconds = 1.5
    timer = arm.node.create_timer(0.2, lambda: (timer.cancel(), time.sleep(0.8)))
    arm.execute(trajectory(1.0))  # succeeds: the joint states kept advancing all along


@pytest.mark.parametrize("arm_settings", [Ros2ArmConfig(
    arm_action="/scaled_joint_trajectory_controller/follow_joint_trajectory",
    action_timeout=1.0)], ids=["scaled controller absent"])
def test_a_named_action_that_is_absent_is_a_clear_error_at_start_up(domain, arm_settings):
    with fake_robot(domain, arm_settings, wait=False) as (_, arm):
        with pytest.raises(RobotDisconnected, match="no action server for /scaled_joint_"
                                                    "trajectory_controller/follow_joint_"
                                                    "trajectory within 1 s.*topics.arm_action"):
            arm.wait_for_robot(timeout=10)


@pytest.mark.parametrize("arm_settings", [Ros2ArmConfig(arm_action="", settle_timeout=0.5)],
                         ids=["no arm action"])
def test_without_an_arm_action_trajectories_go_to_the_topic(domain, arm_settings):
    from trajectory_msgs.msg import JointTrajectory as TrajectoryMessage
    with fake_robot(domain, arm_settings, wait=False) as (controller, arm):
        received: list = []
        controller.node.create_subscription(TrajectoryMessage, arm_settings.arm_topic,
                                            received.append, 5)
        arm.wait_for_robot(timeout=10)
        assert not arm.uses_actions
        eventually(lambda: arm.arm_publisher.get_subscription_count(),
                   what="the controller's subscription")
        with pytest.raises(MotionError):  # the fake joints never follow: a timeout
            arm.execute(trajectory(0.3))
        assert received and controller.goals == 0
