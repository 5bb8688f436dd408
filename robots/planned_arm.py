"""What every backend shares: paths planned and checked on a kinematic copy of the arm,
then handed to the backend's `execute` as one timed joint trajectory."""
from __future__ import annotations

from abc import abstractmethod

import numpy as np
import pybullet

from robots.arm import Arm, Pose
from robots.errors import MotionError
from robots.kinematics import Kinematics, tool_quaternion
from robots.planning import JointTrajectory, plan_cartesian, plan_joint_move
from robots.safety import MotionFilter

HOME_CLEARANCE = 0.15  # metres: the tool rises to this height before it goes home
HOME_TOLERANCE = 0.01  # rad: an arm this close to home is there
PATH_POINTS = 48  # at most this many tool positions describe a planned motion to watchers
GRIPPER_TOLERANCE = 0.002  # metres of finger width: a gripper this close to a width is there


class PlannedArm(Arm):
    """An Arm whose motions are planned here and checked by the motion filter before the
    backend sees them. Subclasses set `kinematics` and `filter` and implement `execute`."""

    kinematics: Kinematics
    filter: MotionFilter
    link_radius = 0.09  # capsules around the links, for perception's self-filter
    hand_radius = 0.11
    _planned: np.ndarray | None = None

    @abstractmethod
    def execute(self, trajectory: JointTrajectory) -> None:
        """Follow a checked joint trajectory to its end; raise a MotionError otherwise."""

    @abstractmethod
    def _run_gripper(self, opening: float) -> None:
        """Drive each finger to `opening` (metres) until the fingers stop moving."""

    def open_gripper(self, width: float | None = None) -> None:
        """Open to `width` (default: fully); fingers already there get no command."""
        full = self.kinematics.model.finger_open
        opening = full if width is None else min(full, width / 2)
        if abs(self.gripper_width() - 2 * opening) > GRIPPER_TOLERANCE:
            self._run_gripper(opening)

    def close_gripper(self) -> bool:
        self._run_gripper(0.0)
        return self.holding()

    def ee_pose(self) -> Pose:
        position, quaternion = self.kinematics.fk(self.joint_state().positions)
        return Pose(np.asarray(position), np.asarray(quaternion))

    def move_path(self, positions, yaw: float = 0.0, speed: float | None = None) -> None:
        trajectory = plan_cartesian(self.kinematics, self.filter, self.joint_state().positions,
                                    self.ee_pose().position, list(positions), yaw, speed)
        self._run_checked(trajectory)

    def home(self) -> None:
        home = np.asarray(self.kinematics.model.home_positions)
        if np.max(np.abs(self.joint_state().positions - home)) < HOME_TOLERANCE:
            return
        position = self.ee_pose().position
        if position[2] < HOME_CLEARANCE:  # rise first, so nothing is swept off the table
            self.move_to([*position[:2], HOME_CLEARANCE], yaw=self._tool_yaw())
        self._run_checked(plan_joint_move(self.kinematics, self.filter,
                                          self.joint_state().positions, home))

    def planned_path(self) -> np.ndarray | None:
        """Tool positions (N, 3) along the motion under way; None while no motion runs."""
        return self._planned

    def _run_checked(self, trajectory: JointTrajectory) -> None:
        """Execute a checked trajectory, its tool path shown to watchers meanwhile."""
        stride = max(1, len(trajectory.positions) // PATH_POINTS)
        waypoints = [*trajectory.positions[::stride], trajectory.positions[-1]]
        self._planned = np.array([self.kinematics.fk(q)[0] for q in waypoints])
        try:
            self.execute(trajectory)
        finally:
            self._planned = None

    def _tool_yaw(self) -> float:
        return float(pybullet.getEulerFromQuaternion(self.ee_pose().quaternion)[2])

    def reachable(self, positions, yaw: float = 0.0) -> bool:
        """IK at each position, each seeded by the one before (a cheap check of the path)."""
        q, quaternion = self.joint_state().positions, tool_quaternion(yaw)
        try:
            for position in positions:
                q = self.kinematics.ik(self.filter.check_target(position), quaternion, q)
                self.filter.check_configuration(q)
        except MotionError:
            return False
        return True

    def capsules(self) -> list[tuple[np.ndarray, np.ndarray, float]]:
        arm, tool = self.kinematics.skeleton(self.joint_state().positions)
        return ([(a, b, self.link_radius) for a, b in zip(arm, arm[1:])]
                + [(arm[-1], tool, self.hand_radius)])
