"""The default detector: colour segmentation and depth geometry with OpenCV and numpy.

Pixels are back-projected to the workspace; what stands above the table (and is not the robot)
is classified by colour in a shading-tolerant space (hue and saturation, with a little value),
split into connected components, and each component is told block from bowl by its footprint.
Positions come from the depth: a block's top face gives its centre and yaw, a bowl's rim its
circle.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from perception.detector import Capsule, Detection, Detector
from perception.frame import RGBDFrame
from perception.palette import BLOCK_SIZE, PALETTE
from perception.regions import foreground

UNKNOWN = "unknown"
ON_TABLE = 0.01  # a bowl whose underside seems lower than this stands on the table


@dataclass(frozen=True)
class ColorDetectorConfig:
    palette: dict[str, tuple[float, float, float]] = field(default_factory=lambda: dict(PALETTE))
    region: tuple[float, float, float, float] = (-0.32, -0.32, 0.32, 0.32)  # xmin ymin xmax ymax
    min_height: float = 0.006  # above the table: objects, not table texture
    max_height: float = 0.25
    min_pixels: int = 12
    value_weight: float = 0.35
    max_color_distance: float = 0.22  # farther from every palette colour: "unknown"
    block_size: float = BLOCK_SIZE
    bowl_radius_min: float = 0.05  # a footprint wider than this is a bowl
    top_band: float = 0.008  # top-face pixels lie within this of the highest
    bowl_floor: float = 0.008  # assumed: how thick a bowl's floor is (it cannot be seen)
    bowl_inset: float = 0.016  # a bowl's inside starts this far within its outer edge
    raised: float = 0.015  # what stands this far above a bowl's floor lies in it


def _features(rgb: np.ndarray) -> np.ndarray:
    """(S cos H, S sin H, w V) per pixel: shading scales V but leaves hue and saturation."""
    if rgb.size == 0:  # nothing stands on the table (OpenCV refuses an empty image)
        return np.zeros((0, 3), dtype=np.float32)
    hsv = cv2.cvtColor(rgb.reshape(-1, 1, 3).astype(np.uint8), cv2.COLOR_RGB2HSV_FULL)
    hsv = hsv.reshape(-1, 3).astype(np.float32) / 255.0
    angle = hsv[:, 0] * 2 * np.pi
    return np.stack([hsv[:, 1] * np.cos(angle), hsv[:, 1] * np.sin(angle), hsv[:, 2]], axis=1)


class ColorDetector(Detector):
    def __init__(self, config: ColorDetectorConfig | None = None) -> None:
        self.config = config or ColorDetectorConfig()
        self.names = list(self.config.palette)
        reference = np.array([self.config.palette[n] for n in self.names]) * 255 * 0.93
        self.reference = self._weighted(_features(reference))

    def _weighted(self, features: np.ndarray) -> np.ndarray:
        return features * np.array([1.0, 1.0, self.config.value_weight], dtype=np.float32)

    def classify(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Palette index per pixel (-1: no palette colour near) and the distance to it."""
        features = self._weighted(_features(rgb))
        distance = np.linalg.norm(features[:, None, :] - self.reference[None], axis=2)
        best = np.argmin(distance, axis=1)
        nearest = distance[np.arange(len(best)), best]
        return np.where(nearest <= self.config.max_color_distance, best, -1), nearest

    def detect(self, frame: RGBDFrame, exclude: list[Capsule] = ()) -> list[Detection]:
        points = frame.points()
        mask, robot = self._foreground(points, exclude)
        near_robot = cv2.dilate(robot.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        labels = np.full(mask.shape, -2, dtype=np.int32)
        labels[mask], _ = self.classify(frame.rgb[mask])
        detections: list[Detection] = []
        for label in np.unique(labels[mask]):
            component_mask = (labels == label).astype(np.uint8)
            count, components = cv2.connectedComponents(component_mask, connectivity=8)
            for c in range(1, count):
                pixels = components == c
                # an object cut by the robot's outline is partly hidden: its shape, and so its
                # position, cannot be trusted; the tracker keeps it from earlier looks
                if pixels.sum() >= self.config.min_pixels and not near_robot[pixels].any():
                    color = self.names[label] if label >= 0 else UNKNOWN
                    detections += self._objects(points[pixels], frame.rgb[pixels], color)
        detections = _under_stacks(detections, self.config.block_size)
        # a sliver not explained as a block under a stack is a piece of something else
        detections = [d for d in detections if not d.sliver]
        return _merge_duplicates(detections, self.config.block_size)

    def _foreground(self, points: np.ndarray, exclude: list[Capsule]
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Pixels of things standing on the table in the region, and those of the robot."""
        return foreground(points, exclude, self.config)

    def _objects(self, points: np.ndarray, rgb: np.ndarray, color: str) -> list[Detection]:
        top = float(np.percentile(points[:, 2], 98))
        upper = points[:, 2] > top - self.config.top_band
        mean_rgb = tuple(float(v) for v in rgb[upper].mean(axis=0) / 255)
        _, radius = cv2.minEnclosingCircle(points[:, :2].astype(np.float32))
        if radius > self.config.bowl_radius_min:
            return self._bowl(points, color, mean_rgb, radius)
        return self._blocks(points[upper], color, mean_rgb, top)

    def _bowl(self, points: np.ndarray, color: str, rgb, radius: float) -> list[Detection]:
        """The bowl from its rim (outline and height) and its floor (how high it stands: on the
        table, or on what it rests on); a block of the bowl's own colour in it shows as a
        raised patch within the rim, or above it, and is reported too."""
        c = self.config
        (cx, cy), _ = cv2.minEnclosingCircle(points[:, :2].astype(np.float32))
        ring = points[np.linalg.norm(points[:, :2] - [cx, cy], axis=1) > 0.75 * radius]
        rim_top = _rim_height(ring, cx, cy)
        rim = ring[np.abs(ring[:, 2] - rim_top) < c.top_band]
        cx, cy, _ = _rim_circle(rim[:, :2], radius)
        outer = float(np.percentile(np.linalg.norm(rim[:, :2] - [cx, cy], axis=1), 95))
        within = np.linalg.norm(points[:, :2] - [cx, cy], axis=1) < outer - c.bowl_inset
        floor = self._floor(points[within], rim_top)
        bottom = _bowl_bottom(floor, points, c.bowl_floor)
        bowl = Detection("bowl", color, np.array([cx, cy, (rim_top + bottom) / 2]), 0.0,
                         np.array([2 * outer, 2 * outer, rim_top - bottom]), rgb, len(points))
        level = bottom + c.bowl_floor if floor is None else floor
        raised = points[(within & (points[:, 2] > level + c.raised))
                        | (points[:, 2] > rim_top + c.top_band)]
        if len(raised) < c.min_pixels:
            return [bowl]
        top = float(np.percentile(raised[:, 2], 98))
        return [bowl, *self._blocks(raised[raised[:, 2] > top - c.top_band], color, rgb, top)]

    def _floor(self, inner: np.ndarray, rim_top: float) -> float | None:
        """The height of the bowl's floor where it shows (None: covered or out of sight)."""
        low = inner[inner[:, 2] < rim_top - self.config.raised]
        return float(np.percentile(low[:, 2], 10)) if len(low) >= self.config.min_pixels else None

    def _blocks(self, top_face: np.ndarray, color: str, rgb, top: float) -> list[Detection]:
        """One or more blocks of one colour (touching blocks share a component)."""
        xy = top_face[:, :2].astype(np.float32)
        (_, (w, h), _) = cv2.minAreaRect(xy)
        count = max(1, int(round(w * h / self.config.block_size ** 2)))
        groups = [xy] if count == 1 else _split(xy, count)
        out = []
        for group in groups:
            (cx, cy), (w, h), angle = cv2.minAreaRect(group)
            side = float(np.clip(max(w, h), 0.5 * self.config.block_size,
                                 1.5 * self.config.block_size))
            position = np.array([cx, cy, top - side / 2])
            out.append(Detection("block", color, position, float(np.radians(angle)),
                                 np.full(3, side), rgb, len(group),
                                 sliver=min(w, h) < 0.6 * self.config.block_size))
        return out


def _rim_height(ring: np.ndarray, cx: float, cy: float, sectors: int = 16) -> float:
    """The rim's height: per sector of the outer ring its top, then the median over sectors,
    so a block of the bowl's colour against one side of the wall does not raise it."""
    angle = np.arctan2(ring[:, 1] - cy, ring[:, 0] - cx)
    sector = ((angle + np.pi) / (2 * np.pi) * sectors).astype(int) % sectors
    tops = [np.percentile(ring[sector == k, 2], 90) for k in range(sectors)
            if np.count_nonzero(sector == k) >= 3]
    return float(np.median(tops)) if tops else float(np.percentile(ring[:, 2], 98))


def _bowl_bottom(floor: float | None, points: np.ndarray, thickness: float) -> float:
    """Where the bowl's underside is: below its floor by the floor's thickness; with the floor
    out of sight, on the table unless nothing of it shows that low."""
    if floor is not None:
        bottom = floor - thickness
    else:
        bottom = float(np.percentile(points[:, 2], 2))
    return bottom if bottom > ON_TABLE else 0.0


def _rim_circle(xy: np.ndarray, enclosing_radius: float) -> tuple[float, float, float]:
    """Least-squares circle through rim points; it holds when part of the rim is hidden,
    where the smallest enclosing circle would shrink toward the visible arc."""
    a = np.column_stack([xy, np.ones(len(xy))])
    b = -(xy ** 2).sum(axis=1)
    (d, e, f), *_ = np.linalg.lstsq(a, b, rcond=None)
    cx, cy = -d / 2, -e / 2
    radius = float(np.sqrt(max(cx ** 2 + cy ** 2 - f, 0.0)))
    if not 0.5 * enclosing_radius < radius < 2 * enclosing_radius:
        (cx, cy), radius = cv2.minEnclosingCircle(xy.astype(np.float32))
    return float(cx), float(cy), radius


def _split(xy: np.ndarray, count: int) -> list[np.ndarray]:
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1e-4)
    _, labels, _ = cv2.kmeans(xy, count, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
    return [xy[labels.ravel() == k] for k in range(count) if (labels.ravel() == k).sum() >= 4]


def _under_stacks(detections: list[Detection], block: float) -> list[Detection]:
    """A block seen only by its sides under another block sits right below that block.

    Taken from the top down, so a block under a corrected block is placed under it in turn."""
    out: list[Detection] = []
    for d in sorted(detections, key=lambda d: -_top(d)):
        above = [o for o in out if o.kind == "block" and d.kind == "block"
                 and np.linalg.norm(o.position[:2] - d.position[:2]) < 1.5 * block
                 and _top(o) > _top(d) + block / 2]
        if above:
            lowest = min(above, key=lambda o: o.position[2])
            position = np.array([*lowest.position[:2], lowest.position[2] - block])
            d = Detection(d.kind, d.color, position, lowest.yaw, np.full(3, block), d.rgb,
                          d.pixels)
        out.append(d)
    return out


def _top(d: Detection) -> float:
    return float(d.position[2] + d.size[2] / 2)


def _merge_duplicates(detections: list[Detection], block: float) -> list[Detection]:
    """Pieces of one object (side faces split by an occluder) become one detection."""
    out: list[Detection] = []
    for d in sorted(detections, key=lambda d: -d.pixels):
        if not any(o.color == d.color and o.kind == d.kind
                   and np.linalg.norm(o.position - d.position) < 0.75 * block for o in out):
            out.append(d)
    return out
