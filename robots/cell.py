"""The robot cell: what a session drives. One arm over one workspace, a camera, a clock.

A real robot (behind ROS 2) is a `Cell`; the simulator is a `SimCell`, which can also be
put back (snapshot, restore, reset) and knows the truth about its objects. Nothing else about
a backend is visible to the application.
"""
from __future__ import annotations

from typing import Callable, Protocol, runtime_checkable

from perception.frame import RGBDFrame
from perception.objects import Perceiver
from robots.planned_arm import PlannedArm
from robots.workspace import Workspace


class FrameSource(Protocol):
    palette: dict[str, tuple[float, float, float]]  # object colours as it sees them, RGB 0..1

    def render(self) -> RGBDFrame:
        """The newest RGB-D frame, camera pose included."""


@runtime_checkable
class Cell(Protocol):
    """A robot arm at a table, seen by one RGB-D camera."""

    arm: PlannedArm
    workspace: Workspace
    camera: FrameSource

    def now(self) -> float:
        """The cell's clock in seconds (simulated time in the simulator)."""

    def view(self) -> RGBDFrame:
        """A frame for people to watch, with its camera geometry (for drawing overlays); not
        necessarily the perception camera's."""

    def watch(self, period: float, callback: Callable[[], None]) -> None:
        """Call `callback` about every `period` seconds of the cell's time while it runs."""

    def close(self) -> None:
        """Release the robot (or the simulator); the arm holds where it is."""


@runtime_checkable
class SimCell(Cell, Protocol):
    """A simulated cell: it can be put back, and it knows where its objects really are."""

    def snapshot(self) -> object:
        """The whole state, to `restore` later."""

    def restore(self, snapshot: object) -> None:
        """Put every body back as in `snapshot`; the arm holds there."""

    def discard(self, snapshot: object) -> None:
        """Free a snapshot that will not be restored (snapshots hold memory until freed)."""

    def reset(self, spec: object | None = None) -> None:
        """A fresh scene (by default the one it started with); the arm at rest."""

    def ground_truth(self) -> dict[str, list[float]]:
        """Every object's true centre, workspace frame."""

    def oracle(self) -> Perceiver:
        """A perceiver that reads the truth instead of pixels (for ablations)."""

    def settle(self, seconds: float) -> None:
        """Let the world run (objects come to rest) with the arm holding."""
