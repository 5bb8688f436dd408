"""What perception reports about an object, and the interface every source implements."""
from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from shapely import affinity
from shapely.geometry import Point, Polygon

from perception.frame import RGBDFrame


@dataclass(frozen=True)
class ObjectInfo:
    """One perceived object in the workspace frame (metres)."""

    name: str  # "red block", "blue bowl", "red block 2", "mug", "white object 2"
    kind: str  # "block" | "bowl" | "object" (seen) | a catalogue noun (ground truth)
    color: str
    position: np.ndarray  # (3,) centre
    yaw: float  # rotation about z, radians
    size: np.ndarray  # (3,) extent along x, y, z of the upright object
    visible: bool = True  # seen in the last look (False: remembered, e.g. under the gripper)
    # a measured outline seen from above, about the centre and unturned (see `outline_of`);
    # None: the outline follows from the kind (disc, square or box)
    outline: Polygon | None = None

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """Top-down axis-aligned box (xmin, ymin, xmax, ymax), accounting for yaw."""
        if self.outline is not None:
            return tuple(float(v) for v in self.footprint.bounds)
        c, s = abs(np.cos(self.yaw)), abs(np.sin(self.yaw))
        half_x = (c * self.size[0] + s * self.size[1]) / 2
        half_y = (s * self.size[0] + c * self.size[1]) / 2
        x, y = self.position[:2]
        return (float(x - half_x), float(y - half_y), float(x + half_x), float(y + half_y))

    @functools.cached_property
    def footprint(self) -> Polygon:
        """The object's outline seen from above: a disc for a bowl, a turned square for a block,
        the measured outline for an object that has one."""
        x, y = self.position[:2]
        if self.outline is not None:
            return placed_outline(self.outline, x, y, self.yaw)
        if self.kind == "bowl":
            return Point(x, y).buffer(self.size[0] / 2, quad_segs=8)
        return turned_box(x, y, self.size[0] / 2, self.size[1] / 2, self.yaw)

    @property
    def top(self) -> float:
        return float(self.position[2] + self.size[2] / 2)

    @property
    def bottom(self) -> float:
        return float(self.position[2] - self.size[2] / 2)


def outline_of(footprint: Polygon, center, yaw: float) -> Polygon:
    """A footprint seen at `center`, turned by `yaw`, as an outline about the origin, unturned
    (so it moves and turns with the object: `placed_outline`)."""
    moved = affinity.translate(footprint, -center[0], -center[1])
    return affinity.rotate(moved, -yaw, origin=(0, 0), use_radians=True)


def placed_outline(outline: Polygon, x: float, y: float, yaw: float) -> Polygon:
    turned = affinity.rotate(outline, yaw, origin=(0, 0), use_radians=True)
    return affinity.translate(turned, x, y)


def turned_box(x: float, y: float, half_x: float, half_y: float, yaw: float) -> Polygon:
    """A rectangle centred on (x, y), turned by `yaw` (built directly: this is hot)."""
    c, s = np.cos(yaw), np.sin(yaw)
    corners = np.array([[-half_x, -half_y], [half_x, -half_y], [half_x, half_y],
                        [-half_x, half_y]])
    return Polygon(corners @ np.array([[c, s], [-s, c]]) + [x, y])


@dataclass(frozen=True)
class Look:
    """One look at the table: what perception concluded, and the image it looked at."""

    objects: dict[str, ObjectInfo]
    frame: RGBDFrame | None = None  # None: the objects did not come from pixels


class Perceiver(ABC):
    """A source of object knowledge: pixels and a detector, or simulator ground truth."""

    last: Look | None = None  # the latest look, for people to watch (no new look needed)

    @abstractmethod
    def look(self) -> dict[str, ObjectInfo]:
        """Observe the table now and return every object found, by name."""

    def names(self) -> list[str]:
        """Every object's name (a perceiver that names on request names them now)."""
        return list(self.look())

    def find(self, name: str) -> ObjectInfo | None:
        """The object called `name` that no look has named yet: None here; a perceiver that
        names on request asks (and raises LookupError, saying why, when it finds none)."""
        return None

    def forget(self) -> None:
        """The world was changed behind perception's back (a restored snapshot): start over."""

    def expect(self, name: str, position: np.ndarray, yaw: float | None = None) -> None:
        """The robot just put `name` at `position` (turned to `yaw`): believe it until a look
        says otherwise (the hand that placed it may hide it from the next look)."""
