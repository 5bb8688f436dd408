"""Perception from camera images: a detector, the robot masked out, and a tracker."""
from __future__ import annotations

from typing import Callable

import numpy as np

from perception.color_detector import ColorDetector
from perception.detector import Capsule, Detector
from perception.frame import RGBDFrame
from perception.objects import Look, ObjectInfo, Perceiver
from perception.tracking import Tracker


class PixelPerceiver(Perceiver):
    """Looks through a camera. `clock` tells when the world may have changed (simulated time
    on the simulator): asked again at the same time, the last look answers."""

    def __init__(self, render: Callable[[], RGBDFrame],
                 robot: Callable[[], list[Capsule]] = lambda: [],
                 detector: Detector | None = None, tracker: Tracker | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.render, self.robot, self.clock = render, robot, clock
        self.detector = detector or ColorDetector()
        self.tracker = tracker or Tracker()
        self._last: tuple[float, dict[str, ObjectInfo]] | None = None

    def look(self) -> dict[str, ObjectInfo]:
        now = self.clock() if self.clock else None
        if now is not None and self._last and self._last[0] == now:
            return dict(self._last[1])
        frame, robot = self.render(), self.robot()
        camera = frame.world_from_camera[:3, 3]
        seen = self.tracker.update(self.detector.detect(frame, robot),
                                   lambda p: hidden_by(p, camera, robot))
        self._last = (now, seen) if now is not None else None
        self.last = Look(dict(seen), frame)
        return dict(seen)

    def forget(self) -> None:
        self.tracker = Tracker(self.tracker.memory, self.tracker.gate)
        self._last = self.last = None

    def expect(self, name: str, position, yaw: float | None = None) -> None:
        self.tracker.expect(name, position, yaw)
        self._last = None

    def changed(self) -> None:
        """Look again next time even at the same clock (the detector was told more)."""
        self._last = None

    def rename(self, old: str, new: str) -> None:
        """Call an object by another name from now on (a model named it)."""
        self.tracker.rename(old, new)
        self._last = None


def hidden_by(point, camera, capsules: list[Capsule], samples: int = 24) -> bool:
    """Whether the line of sight from the camera to `point` passes through the robot."""
    ray = camera + (np.asarray(point) - camera) * np.linspace(0.0, 0.95, samples)[:, None]
    for start, end, radius in capsules:
        segment = end - start
        t = np.clip(((ray - start) @ segment) / max(float(segment @ segment), 1e-12), 0, 1)
        if np.min(np.linalg.norm(ray - (start + t[:, None] * segment), axis=1)) < radius:
            return True
    return False
