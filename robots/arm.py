"""The arm interface every robot backend implements."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class JointState:
    names: tuple[str, ...]
    positions: np.ndarray
    velocities: np.ndarray


@dataclass(frozen=True)
class Pose:
    """Position (metres, workspace frame) and orientation (quaternion x, y, z, w)."""

    position: np.ndarray
    quaternion: np.ndarray


class Arm(ABC):
    """A robot arm with a parallel gripper whose tool points down at the table.

    Every motion is checked by the backend's motion filter before it starts; a refused or failed
    motion raises a `robots.errors.MotionError` and leaves the arm holding its position.
    """

    @abstractmethod
    def joint_state(self) -> JointState:
        """Current arm joint positions and velocities."""

    @abstractmethod
    def ee_pose(self) -> Pose:
        """Pose of the tool centre point (between the fingertips)."""

    @abstractmethod
    def move_path(self, positions, yaw: float = 0.0, speed: float | None = None) -> None:
        """Move the tool through xyz `positions` in straight lines, pointing down, turned by `yaw`.

        The whole path is checked before the arm moves; `speed` is the tool speed in m/s.
        """

    @abstractmethod
    def home(self) -> None:
        """Go to the home pose (out of the overhead camera's view)."""

    @abstractmethod
    def open_gripper(self, width: float | None = None) -> None:
        """Open the fingers fully, or to `width` metres between them (enough to let go of a
        held object where full opening would touch something)."""

    @abstractmethod
    def close_gripper(self) -> bool:
        """Close the fingers; True when something is held between them."""

    @abstractmethod
    def gripper_width(self) -> float:
        """Distance between the fingers in metres."""

    holding_width = 0.004  # fingers closer than this hold nothing

    def holding(self) -> bool:
        """True while something keeps the closed fingers apart."""
        return self.gripper_width() > self.holding_width

    @abstractmethod
    def stop(self) -> None:
        """Stop at once and hold the current position; further motions are refused (they raise
        MotionStopped) until resume(). Safe to call from any thread."""

    @abstractmethod
    def resume(self) -> None:
        """Accept motions again after stop()."""

    def capsules(self) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """The arm's volume as capsules (segment ends, radius), so perception can ignore it."""
        return []

    def reachable(self, positions, yaw: float = 0.0) -> bool:
        """Whether the tool could go straight from the first of `positions` through the rest,
        turned by `yaw`. Only plans; nothing moves."""
        return True

    def move_to(self, position, yaw: float = 0.0, speed: float | None = None) -> None:
        """Move the tool in a straight line to one xyz position."""
        self.move_path([position], yaw=yaw, speed=speed)
