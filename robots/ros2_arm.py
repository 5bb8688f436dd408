"""An arm behind ROS 2 topics (ros2_control's joint trajectory controllers).

Inverse kinematics and every check run here, on the robot's URDF; the controller receives
whole trajectories. Progress is followed on /joint_states; when they stop arriving (the robot
side died) a motion ends with RobotDisconnected within `stale_after` seconds.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from robots.arm import JointState
from robots.errors import MotionStopped, MotionTimeout, RobotDisconnected
from robots.kinematics import ArmModel, Kinematics
from robots.planned_arm import PlannedArm
from robots.planning import JointTrajectory
from robots.ros2_messages import trajectory_message
from robots.safety import MotionFilter, SafetyLimits


@dataclass(frozen=True)
class Ros2ArmConfig:
    model: ArmModel = field(default_factory=ArmModel)
    limits: SafetyLimits = field(default_factory=SafetyLimits)
    arm_topic: str = "/arm_controller/joint_trajectory"
    gripper_topic: str = "/gripper_controller/joint_trajectory"
    joint_states_topic: str = "/joint_states"
    goal_tolerance: float = 0.01  # rad, every joint, at the end of a trajectory
    settle_timeout: float = 2.0  # s after a trajectory's end to reach the goal
    gripper_time: float = 0.6  # s the fingers get to open or close
    stale_after: float = 0.5  # s without /joint_states: the robot is gone
    poll: float = 0.005  # s between progress checks


class Ros2Arm(PlannedArm):
    """The Arm interface over ROS 2 topics of an rclpy `node` spun by someone else."""

    def __init__(self, node, config: Ros2ArmConfig | None = None) -> None:
        from sensor_msgs.msg import JointState as JointStateMessage
        from trajectory_msgs.msg import JointTrajectory as TrajectoryMessage

        self.config = config or Ros2ArmConfig()
        self.node = node
        self.kinematics = Kinematics(self.config.model)
        self.filter = MotionFilter(self.config.limits, self.kinematics)
        self._halt = threading.Event()
        self._latest: dict[str, tuple[float, float]] = {}  # name -> (position, velocity)
        self._received = 0.0  # monotonic time of the last /joint_states
        self._arrived = threading.Condition()
        self._moving = False  # a trajectory is being followed: stop() must override it
        self.arm_publisher = node.create_publisher(TrajectoryMessage, self.config.arm_topic, 10)
        self.gripper_publisher = node.create_publisher(TrajectoryMessage,
                                                       self.config.gripper_topic, 10)
        node.create_subscription(JointStateMessage, self.config.joint_states_topic,
                                 self._on_joint_states, 20)

    # --- state -----------------------------------------------------------------------------
    def _on_joint_states(self, message) -> None:
        velocities = list(message.velocity) or [0.0] * len(message.name)
        with self._arrived:
            self._latest.update(zip(message.name, zip(message.position, velocities)))
            self._received = time.monotonic()
            self._arrived.notify_all()

    def wait_for_robot(self, timeout: float = 10.0) -> None:
        """Block until the robot's joint states arrive; RobotDisconnected otherwise."""
        with self._arrived:
            if not self._arrived.wait_for(self._has_state, timeout):
                raise RobotDisconnected(f"no {self.config.joint_states_topic} within {timeout:g} s;"
                                        " is the robot (or `cap ros sim`) running?")

    def _has_state(self) -> bool:
        return all(name in self._latest for name in self.kinematics.names)

    def _values(self, names) -> tuple[np.ndarray, np.ndarray]:
        with self._arrived:
            age = time.monotonic() - self._received
            if not self._has_state() or age > self.config.stale_after:
                raise RobotDisconnected(
                    f"no {self.config.joint_states_topic} for {age:.2f} s: the robot side "
                    "stopped answering; the program was stopped")
            values = np.array([self._latest.get(name, (0.0, 0.0)) for name in names])
        return values[:, 0], values[:, 1]

    def joint_state(self) -> JointState:
        positions, velocities = self._values(self.kinematics.names)
        return JointState(self.kinematics.names, positions, velocities)

    def gripper_width(self) -> float:
        return float(self._values(self.config.model.finger_joints)[0].sum())

    # --- motion ----------------------------------------------------------------------------
    def execute(self, trajectory: JointTrajectory) -> None:
        self._check_halt()
        self._moving = True
        try:
            self.arm_publisher.publish(trajectory_message(
                self.kinematics.names, trajectory.times, trajectory.positions))
            self._follow(trajectory)
        finally:
            self._moving = False

    def _follow(self, trajectory: JointTrajectory) -> None:
        target, started = trajectory.positions[-1], time.monotonic()
        deadline = started + trajectory.duration + self.config.settle_timeout
        while True:
            self._check_halt()
            q = self.joint_state().positions  # raises RobotDisconnected when stale
            if (time.monotonic() - started >= trajectory.duration
                    and np.max(np.abs(q - target)) < self.config.goal_tolerance):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise MotionTimeout("the arm did not reach its goal within "
                                    f"{self.config.settle_timeout} s of the trajectory's end")
            time.sleep(self.config.poll)

    def _check_halt(self) -> None:
        if self._halt.is_set():
            raise MotionStopped("the robot was stopped; it is holding its position")

    def _run_gripper(self, opening: float) -> None:
        self._check_halt()
        self.gripper_publisher.publish(trajectory_message(
            self.config.model.finger_joints, [self.config.gripper_time],
            [[opening] * len(self.config.model.finger_joints)]))
        started = time.monotonic()
        time.sleep(0.1)
        while time.monotonic() - started < self.config.gripper_time + 0.5:
            self._check_halt()
            _, velocities = self._values(self.config.model.finger_joints)
            if np.max(np.abs(velocities)) < 1e-3 and time.monotonic() - started > 0.15:
                return
            time.sleep(self.config.poll)


    def stop(self) -> None:
        """Refuse motions until resume(); a moving arm holds where it is (the controller gets
        a one-point trajectory at the current joints)."""
        self._halt.set()
        if not self._moving:
            return
        try:
            q = self.joint_state().positions
        except RobotDisconnected:
            return
        self.arm_publisher.publish(trajectory_message(self.kinematics.names, [0.0], [q]))

    def resume(self) -> None:
        self._halt.clear()

    def close(self) -> None:
        self.kinematics.close()
