"""Class-agnostic segmentation from depth: whatever stands above the table is an object.

Every connected region of the depth image that stands above the table (the robot masked out,
as for the colour detector) becomes a `Region`: its pixels, its points, its top and bottom,
its footprint seen from above (a shapely polygon), its colour and a rough shape word. Nothing
here knows what the object is called.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from perception.detector import Capsule
from perception.frame import RGBDFrame

ROUND = 0.8  # a footprint at least this circular (4 pi area / perimeter^2) is round


@dataclass(frozen=True)
class RegionConfig:
    region: tuple[float, float, float, float] = (-0.32, -0.32, 0.32, 0.32)  # xmin ymin xmax ymax
    min_height: float = 0.006
    max_height: float = 0.25  # anything higher is the robot
    min_pixels: int = 12
    robot_margin: int = 2  # pixels: a region this near the robot's outline is cut by it


@dataclass(frozen=True)
class Region:
    """One connected thing standing on the table, seen from the camera."""

    mask: np.ndarray  # (H, W) bool: its pixels
    points: np.ndarray  # (N, 3) workspace frame
    colors: np.ndarray  # (N, 3) uint8: its pixels' colours
    cut: bool  # touches the robot's outline: partly hidden, its shape is not all there
    base: float = 0.0  # the height it stands on: the table, or a bowl's floor when in one

    @property
    def rgb(self) -> tuple[float, float, float]:
        """The mean colour of its upper half, [0, 1] (its sides are shaded)."""
        z = self.points[:, 2]
        upper = z >= (z.max() + self.base) / 2
        return tuple(float(v) for v in self.colors[upper].mean(axis=0) / 255)

    @property
    def top(self) -> float:
        return float(np.percentile(self.points[:, 2], 98))

    @property
    def bottom(self) -> float:
        """Where it stands: a connected region stands on the table (what stands on something
        else is part of that thing's region), unless it is known to be in a bowl."""
        return self.base

    @functools.cached_property
    def footprint(self) -> Polygon:
        """Its outline seen from above (convex: the fingers close on the outermost points)."""
        hull = cv2.convexHull(self.points[:, :2].astype(np.float32))[:, 0]
        outline = Polygon(hull) if len(hull) >= 3 else Polygon()
        return outline if outline.area > 0 else Point(*hull.mean(axis=0)).buffer(0.002)

    @property
    def center(self) -> np.ndarray:
        centroid = self.footprint.centroid
        return np.array([centroid.x, centroid.y, (self.top + self.bottom) / 2])

    @functools.cached_property
    def rectangle(self) -> tuple[float, tuple[float, float]]:
        """The footprint's smallest turned rectangle: yaw (radians) and its two sides."""
        (_, _), (w, h), angle = cv2.minAreaRect(self.points[:, :2].astype(np.float32))
        return float(np.radians(angle)), (float(w), float(h))

    @property
    def extent(self) -> np.ndarray:
        _, (w, h) = self.rectangle
        return np.array([w, h, self.top - self.bottom])

    @property
    def shape(self) -> str:
        """"round" for a circular footprint, else "" (no claim)."""
        outline = self.footprint
        roundness = 4 * np.pi * outline.area / max(outline.length ** 2, 1e-12)
        return "round" if roundness > ROUND else ""

    @property
    def image_box(self) -> tuple[int, int, int, int]:
        """Pixel bounds (u0, v0, u1, v1), inclusive."""
        rows, cols = np.nonzero(self.mask)
        return int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max())


def foreground(points: np.ndarray, exclude: list[Capsule], config: RegionConfig
               ) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of things standing on the table in the region, and those of the robot."""
    c = config
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    rows, cols = np.nonzero(z > c.min_height)
    candidates = points[rows, cols]
    robot_hit = candidates[:, 2] >= c.max_height
    for start, end, radius in exclude:
        robot_hit |= distance_to_segment(candidates, start, end) <= radius
    robot = np.zeros(z.shape, dtype=bool)
    robot[rows[robot_hit], cols[robot_hit]] = True
    mask = ((x > c.region[0]) & (x < c.region[2]) & (y > c.region[1]) & (y < c.region[3])
            & (z > c.min_height) & ~robot)
    return mask, robot


def segment(frame: RGBDFrame, exclude: list[Capsule] = (),
            config: RegionConfig | None = None) -> list[Region]:
    """Every connected region standing above the table, largest first."""
    config = config or RegionConfig()
    points = frame.points()
    mask, robot = foreground(points, exclude, config)
    size = 2 * config.robot_margin + 1
    near_robot = cv2.dilate(robot.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    regions = []
    for label in range(1, count):
        pixels = labels == label
        if pixels.sum() >= config.min_pixels:
            regions.append(Region(pixels, points[pixels], frame.rgb[pixels],
                                  bool(near_robot[pixels].any())))
    return sorted(regions, key=lambda r: -len(r.points))


def split(region: Region, keep: np.ndarray, min_pixels: int = 12) -> list[Region]:
    """The connected parts of a region's pixels where `keep` (an image mask) holds."""
    count, labels = cv2.connectedComponents((keep & region.mask).astype(np.uint8),
                                            connectivity=8)
    rows, cols = np.nonzero(region.mask)
    index = np.full(region.mask.shape, -1)
    index[rows, cols] = np.arange(len(rows))
    parts = []
    for label in range(1, count):
        pixels = labels == label
        if pixels.sum() >= min_pixels:
            chosen = index[pixels]
            parts.append(Region(pixels, region.points[chosen], region.colors[chosen],
                                region.cut))
    return parts


def carve(region: Region, outlines: list[Polygon], least: float = 0.015) -> list[Region]:
    """A region cut along outlines a model gave for one object where the outline covers part
    of it (touching objects are one region); parts narrower than `least` are edges."""
    xy = region.points[:, :2]
    rows, cols = np.nonzero(region.mask)
    for outline in outlines:
        inside = shapely.contains_xy(outline, xy[:, 0], xy[:, 1])
        if inside.any() and not inside.all():
            within = np.zeros_like(region.mask)
            within[rows[inside], cols[inside]] = True
            parts = split(region, within) + split(region, region.mask & ~within)
            return [piece for part in parts if min(part.rectangle[1]) >= least
                    for piece in carve(part, outlines, least)]
    return [region]


def distance_to_segment(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(((points - a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[..., None] * ab), axis=-1)
