"""The detector interface: one RGB-D frame in, unnamed object detections out.

Other detectors (an open-vocabulary model, a ROS 2 detection topic) implement `Detector` and
plug into `PixelPerceiver`, which names and tracks what they find.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from shapely.geometry import Polygon

from perception.frame import RGBDFrame

Capsule = tuple[np.ndarray, np.ndarray, float]  # segment ends (workspace frame) and radius


@dataclass(frozen=True)
class Detection:
    kind: str  # "block" | "bowl" | "object" (anything else standing on the table)
    color: str  # a palette name, or "unknown"; for an object, its colour word ("white")
    position: np.ndarray  # (3,) centre, workspace frame
    yaw: float
    size: np.ndarray  # (3,) extent of the upright object
    rgb: tuple[float, float, float]  # measured colour of its top faces, [0, 1]
    pixels: int
    sliver: bool = False  # seen only as a thin strip: a bowl's rim piece, or a buried block
    shape: str = ""  # a shape word for an object ("round"), or nothing
    outline: Polygon | None = None  # an object's measured footprint seen from above
    mask: np.ndarray | None = field(default=None, repr=False, compare=False)  # its pixels

    @property
    def label(self) -> str:
        """What it is called before anyone names it: "red block", "yellow round object"."""
        return " ".join(word for word in (self.color, self.shape, self.kind) if word)


class Detector(ABC):
    @abstractmethod
    def detect(self, frame: RGBDFrame, exclude: list[Capsule] = ()) -> list[Detection]:
        """Objects in the frame; points inside the `exclude` capsules (the robot) are ignored."""
