"""`cap ros sim`'s controllers, as ros2_control's behave: a joint trajectory controller with
the `FollowJointTrajectory` action (goals validated as the controller does: every joint named
once, points sized to the joints, times strictly increasing; path and goal tolerances; cancel
holds the arm; a new goal preempts the running one) and its topic, a `GripperCommand` gripper
(position: each finger's opening, as ros2_control's gripper controller takes its joint's),
and speed scaling as a UR's scaled controller applies it (trajectory time runs at that rate).

Motions and grips are tracked on the physics thread, which also publishes a goal's feedback;
the action callbacks are coroutines that wait for the end, so one executor thread serves them.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from robots.planning import JointTrajectory
from robots.ros2_messages import seconds_of, trajectory_arrays

SUCCESSFUL, INVALID_GOAL, INVALID_JOINTS = 0, -1, -2
PATH_TOLERANCE_VIOLATED, GOAL_TOLERANCE_VIOLATED = -4, -5
DEFAULT_GOAL_TOLERANCE = 0.02  # rad, when a goal gives none (the controller's default)
DEFAULT_GOAL_TIME = 1.0  # s after the trajectory's end to get within the goal tolerance
FEEDBACK_PERIOD = 0.04  # s of simulated time between a goal's feedback messages


@dataclass
class Motion:
    """One trajectory being followed, in the arm's joint order."""

    trajectory: JointTrajectory
    path_tolerance: np.ndarray  # per joint; 0: unchecked
    goal_tolerance: np.ndarray
    goal_time: float
    elapsed: float = 0.0  # trajectory time (runs at the speed scaling)
    settling: float = 0.0  # simulated seconds since the trajectory's end
    desired: np.ndarray | None = None
    actual: np.ndarray | None = None
    outcome: tuple[int, str] | None = None  # (error_code, error_string) once finished
    cancel: bool = False
    goal: object = None  # the action's goal handle (its feedback), if a goal sent it
    fed: float = 0.0  # simulated time of the last feedback
    done: threading.Event = field(default_factory=threading.Event)
    listener: Callable[[], None] = lambda: None  # told of the end (from the physics thread)

    def finish(self, code: int, text: str = "") -> None:
        self.outcome = (code, text)
        self.done.set()
        self.listener()


@dataclass
class Grip:
    target: float  # metres each finger opens (the gripper joint's position, as ros2_control's)
    started: float = 0.0  # simulated time, set when the physics thread takes it
    result: tuple[float, bool, bool] | None = None  # position, reached_goal, stalled
    listener: Callable[[], None] = lambda: None  # told of the end (from the physics thread)

    def finish(self, result: tuple[float, bool, bool]) -> None:
        self.result = result
        self.listener()


def validate(names: list[str], message, arm_names: list[str]) -> str | None:
    """Why the joint trajectory controller would reject this trajectory, or None."""
    if sorted(names) != sorted(arm_names) or len(set(names)) != len(names):
        return f"joints {names} are not the controller's joints {arm_names}"
    if not message.points:
        return "the trajectory has no points"
    times = [seconds_of(p.time_from_start) for p in message.points]
    if any(b <= a for a, b in zip(times, times[1:])):
        return "time_from_start must increase strictly from point to point"
    for point in message.points:
        if len(point.positions) != len(names):
            return "a point's positions do not match the joint names"
        for values in (point.velocities, point.accelerations):
            if len(values) not in (0, len(names)):
                return "a point's velocities or accelerations do not match the joint names"
    return None


def motion_from(message, arm_names: list[str], current: np.ndarray, path_tolerance=(),
                goal_tolerance=(), goal_time: float = 0.0) -> Motion:
    """A validated trajectory (and its tolerances, by joint name) in the arm's joint order,
    starting from where the arm is when its first point is later than 0."""
    names, times, positions = trajectory_arrays(message)
    positions = positions[:, [names.index(name) for name in arm_names]]
    if times[0] > 0:
        times, positions = np.r_[0.0, times], np.vstack([current, positions])

    def per_joint(tolerances, default: float) -> np.ndarray:
        given = {t.name: t.position for t in tolerances}
        return np.array([given.get(name, default) or default for name in arm_names])

    return Motion(JointTrajectory(times, positions), per_joint(path_tolerance, 0.0),
                  per_joint(goal_tolerance, DEFAULT_GOAL_TOLERANCE),
                  goal_time or DEFAULT_GOAL_TIME)


def step_motion(motion: Motion, actual: np.ndarray, dt: float, scaling: float) -> np.ndarray:
    """Advance a motion by one physics step; returns the joints to command. Finishes the
    motion when it ends, succeeds or breaks a tolerance (the arm then holds)."""
    motion.actual = actual
    if motion.cancel:
        motion.finish(SUCCESSFUL, "cancelled")
        return actual
    trajectory = motion.trajectory
    motion.elapsed = min(motion.elapsed + scaling * dt, trajectory.duration)
    motion.desired = trajectory.sample(motion.elapsed)
    error = np.abs(actual - motion.desired)
    checked = motion.path_tolerance > 0
    if motion.elapsed < trajectory.duration and np.any(error[checked] >
                                                       motion.path_tolerance[checked]):
        motion.finish(PATH_TOLERANCE_VIOLATED, f"path tolerance violated by "
                      f"{float(np.max(error[checked])):.3f} rad")
        return actual
    if motion.elapsed >= trajectory.duration:
        motion.settling += dt
        if np.all(np.abs(actual - trajectory.positions[-1]) <= motion.goal_tolerance):
            motion.finish(SUCCESSFUL)
        elif motion.settling > motion.goal_time:
            motion.finish(GOAL_TOLERANCE_VIOLATED, "the goal was not reached within "
                          f"{motion.goal_time:.2f} s of the trajectory's end")
            return actual
    return motion.desired


def resolve(node, future) -> None:
    """Complete `future` from another thread and wake the executor, whose coroutine awaits it."""
    future.set_result(True)
    if node.executor is not None:
        node.executor.wake()


class ActionServers:
    """The control_msgs action servers on the sim node; `robot` owns the physics thread."""

    def __init__(self, robot, topics) -> None:
        from control_msgs.action import FollowJointTrajectory, GripperCommand
        from rclpy.action import ActionServer

        self.robot = robot
        self.motions: dict[bytes, Motion] = {}  # by goal id, while they run
        self.arm = ActionServer(robot.node, FollowJointTrajectory, topics.arm_action,
                                self._follow, goal_callback=self._check_goal,
                                cancel_callback=self._cancel)
        self.gripper = ActionServer(robot.node, GripperCommand, topics.gripper_action,
                                    self._grip)

    def _cancel(self, goal):
        from rclpy.action import CancelResponse
        motion = self.motions.get(bytes(goal.goal_id.uuid))
        if motion is not None:
            motion.cancel = True  # the physics thread ends it; the arm holds
        return CancelResponse.ACCEPT

    def _check_goal(self, goal):
        from rclpy.action import GoalResponse
        trajectory = goal.trajectory
        reason = validate(list(trajectory.joint_names), trajectory, self.robot.arm_names)
        if reason:
            self.robot.node.get_logger().error(f"goal rejected: {reason}")
            return GoalResponse.REJECT
        return GoalResponse.ACCEPT

    async def _follow(self, handle):
        from control_msgs.action import FollowJointTrajectory
        goal, key = handle.request, bytes(handle.goal_id.uuid)
        motion = motion_from(goal.trajectory, self.robot.arm_names,
                             self.robot.arm.joint_state().positions, goal.path_tolerance,
                             goal.goal_tolerance, seconds_of(goal.goal_time_tolerance))
        motion.goal, motion.cancel = handle, handle.is_cancel_requested
        self.motions[key] = motion
        await self._until_done(motion, "motion")
        del self.motions[key]
        code, text = motion.outcome
        if motion.cancel:
            handle.canceled()
        elif code == SUCCESSFUL:
            handle.succeed()
        else:
            handle.abort()
        return FollowJointTrajectory.Result(error_code=code, error_string=text)

    def feedback(self, motion: Motion) -> None:
        """The goal's feedback (from the physics thread)."""
        from control_msgs.action import FollowJointTrajectory
        feedback = FollowJointTrajectory.Feedback(joint_names=self.robot.arm_names)
        feedback.desired.positions = [float(v) for v in motion.desired]
        feedback.actual.positions = [float(v) for v in motion.actual]
        feedback.error.positions = [float(v) for v in motion.actual - motion.desired]
        motion.goal.publish_feedback(feedback)

    async def _grip(self, handle):
        from control_msgs.action import GripperCommand
        grip = Grip(float(handle.request.command.position))
        await self._until_done(grip, "grip")
        position, reached, stalled = grip.result
        handle.succeed() if reached or stalled else handle.abort()
        return GripperCommand.Result(position=position, reached_goal=reached, stalled=stalled)

    async def _until_done(self, job: Motion | Grip, kind: str) -> None:
        """Hand `job` to the physics thread and wait (as a coroutine) for its end."""
        from rclpy.task import Future
        finished = Future()
        job.listener = lambda: resolve(self.robot.node, finished)
        self.robot.inbox.put((kind, job))
        await finished
