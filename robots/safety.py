"""The motion filter: every target and every planned path is checked here before an arm moves.

It refuses; it never clamps. A refused motion raises a MotionError whose message says what to do.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from robots.errors import JointLimitError, WorkspaceError
from robots.kinematics import Kinematics
from robots.workspace import Workspace, as_position


@dataclass(frozen=True)
class SafetyLimits:
    """The box the tool must stay in, and the arm's speed limits."""

    workspace: Workspace = field(default_factory=Workspace)
    margin: float = 0.05  # the tool may reach this far past the workspace rectangle
    z_min: float = 0.005
    z_max: float = 0.45
    max_tool_speed: float = 1.5  # m/s
    default_tool_speed: float = 1.0
    joint_speed_fraction: float = 0.9  # of each joint's URDF velocity limit
    max_waypoints: int = 1000

    def __post_init__(self) -> None:
        if self.z_min >= self.z_max or self.margin < 0 or self.max_tool_speed <= 0:
            raise ValueError(f"inconsistent safety limits: {self}")


@dataclass
class MotionFilter:
    limits: SafetyLimits
    kinematics: Kinematics

    def check_target(self, position) -> np.ndarray:
        """A checked xyz target; raises WorkspaceError for targets outside the box."""
        xyz = as_position(position, "target")
        if xyz.shape != (3,):
            raise ValueError(f"target must be [x, y, z], got {xyz.tolist()}")
        ws = self.limits.workspace
        if not ws.contains(xyz, self.limits.margin):
            raise WorkspaceError(
                f"target {np.round(xyz, 3).tolist()} is outside the workspace "
                f"(x in [{ws.x_min}, {ws.x_max}], y in [{ws.y_min}, {ws.y_max}] metres)"
            )
        if not self.limits.z_min <= xyz[2] <= self.limits.z_max:
            raise WorkspaceError(
                f"target height {xyz[2]:.3f} m is outside [{self.limits.z_min}, "
                f"{self.limits.z_max}] m; the table surface is z = 0"
            )
        return xyz

    def check_speed(self, speed: float | None) -> float:
        top = self.limits.max_tool_speed
        if speed is None:
            return self.limits.default_tool_speed
        if not (0 < speed <= top):
            raise JointLimitError(f"speed {speed} m/s is outside (0, {top}] m/s")
        return float(speed)

    def check_path_length(self, count: int) -> None:
        if count > self.limits.max_waypoints:
            raise WorkspaceError(f"path has {count} points; at most {self.limits.max_waypoints}")

    def check_configuration(self, q) -> None:
        """Refuse a configuration beyond a joint limit of the arm's URDF, or one that touches
        the table or the arm itself."""
        self.kinematics.check_limits(q)
        self.kinematics.check_clear_of_table(q)
        self.kinematics.check_self_collision(q)

    def joint_speed_limits(self) -> np.ndarray:
        return self.kinematics.max_velocity * self.limits.joint_speed_fraction
