"""Perception from camera images: a detector, the robot masked out, and a tracker."""
from __future__ import annotations

from typing import Callable

from perception.color_detector import ColorDetector
from perception.detector import Capsule, Detector
from perception.frame import RGBDFrame
from perception.objects import ObjectInfo, Perceiver
from perception.tracking import Tracker


class PixelPerceiver(Perceiver):
    def __init__(self, render: Callable[[], RGBDFrame],
                 robot: Callable[[], list[Capsule]] = lambda: [],
                 detector: Detector | None = None, tracker: Tracker | None = None) -> None:
        self.render, self.robot = render, robot
        self.detector = detector or ColorDetector()
        self.tracker = tracker or Tracker()

    def look(self) -> dict[str, ObjectInfo]:
        return self.tracker.update(self.detector.detect(self.render(), self.robot()))

    def forget(self) -> None:
        self.tracker = Tracker(self.tracker.memory, self.tracker.gate)

    def expect(self, name: str, position) -> None:
        self.tracker.expect(name, position)
