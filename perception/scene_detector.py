"""Everything on the table: blocks and bowls by colour where their shape agrees, every other
region of the depth image as an object.

The colour detector's estimates of blocks and bowls are exact where they hold (a block's top
face, a bowl's rim), so each is kept when its depth region shows it shaped as one: a block
block-sized, flat on top and resting on something, a bowl round. What the kept ones leave of
a region (a red mug is not a red block; a duck lies in a bowl) is reported as objects, named
by their colour and shape words.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from perception.color_detector import ColorDetector
from perception.detector import Capsule, Detection, Detector
from perception.frame import RGBDFrame
from perception.naming import color_word
from perception.objects import turned_box
from perception.palette import BLOCK_SIZE
from perception.regions import Region, RegionConfig, carve, segment, split


@dataclass(frozen=True)
class SceneDetectorConfig:
    regions: RegionConfig = field(default_factory=RegionConfig)
    block_size: float = BLOCK_SIZE
    block_tolerance: float = 0.25  # a block's side within this fraction of block_size
    outline_margin: float = 0.006  # the outlines grown by this much (edges, shading)
    rests: float = 0.012  # a block's bottom this near a level stands on it
    bowl_floor: float = 0.008
    roundness: float = 0.2  # a bowl's rim reaches out this evenly (spread over mean)
    flat_share: float = 0.5  # this share of a block's points lies in its flat top
    raised: float = 0.006  # what stands this far above a bowl's floor lies in it (a flat toy)
    min_object: float = 0.015  # metres: a leftover narrower than this is an edge, not an object


class SceneDetector(Detector):
    def __init__(self, color: ColorDetector | None = None,
                 config: SceneDetectorConfig | None = None) -> None:
        self.color = color or ColorDetector()
        self.config = config or SceneDetectorConfig()
        self.cuts: list[Polygon] = []  # outlines a model gave of objects touching others

    def detect(self, frame: RGBDFrame, exclude: list[Capsule] = ()) -> list[Detection]:
        regions = [part for region in segment(frame, exclude, self.config.regions)
                   for part in carve(region, self.cuts, self.config.min_object)]
        palette = self.color.detect(frame, exclude)
        out, used = [], set()
        for region in regions:
            outline = region.footprint.buffer(self.config.outline_margin)
            inside = [i for i, d in enumerate(palette)
                      if i not in used and outline.contains(Point(*d.position[:2]))]
            used.update(inside)
            found = [palette[i] for i in inside]
            if region.cut:  # partly hidden: its shape cannot be judged, the colours can
                out += found
                continue
            kept = [d for d in found if self._shaped(d, found, region)]
            out += [replace(d, mask=self._mask(d, region)) for d in kept]
            out += [as_object(part) for part in self._rest(region, kept)]
        return out + [d for i, d in enumerate(palette) if i not in used]

    def _shaped(self, d: Detection, found: list[Detection], region: Region) -> bool:
        """A block is block-sized, flat on top and rests on something; a bowl is round."""
        c = self.config
        if d.kind == "bowl":
            return self._round_bowl(d, found, region)
        if abs(d.size[0] - c.block_size) > c.block_tolerance * c.block_size:
            return False
        floors = [_floor(o, c.bowl_floor) for o in found
                  if o.kind == "bowl" and _holds(o, d, c.bowl_floor)]  # then not the table
        bottom = d.position[2] - d.size[2] / 2
        tops = [o.position[2] + o.size[2] / 2 for o in found if o.kind == "block"]
        covered = any(o.kind == "block" and o is not d and o.position[2] > d.position[2]
                      and np.linalg.norm(o.position[:2] - d.position[:2]) < c.block_size / 2
                      for o in found)  # a block under a stack shows no top
        return (_on_stack(bottom, floors or [0.0], c) or
                min((abs(bottom - top) for top in tops), default=1.0) < c.rests) and \
            (covered or _flat_top(region.points, d, c.flat_share))

    def _round_bowl(self, d: Detection, found: list[Detection], region: Region) -> bool:
        """Whether the bowl is round, judged on its own points and what no other detection
        explains (a block against its wall is one region with it and sticks out of the rim)."""
        points, c = region.points, self.config
        theirs = [_covers(o, points, c) for o in found if o is not d]
        if theirs:
            points = points[_covers(d, points, c) | ~np.any(theirs, axis=0)]
        return _round(points, d, c.roundness)

    def _rest(self, region: Region, kept: list[Detection]) -> list[Region]:
        """What the kept blocks and bowls leave of the region (what lies in a bowl counts),
        in connected parts big enough to be objects."""
        c = self.config
        taken = np.zeros(len(region.points), dtype=bool)
        for d in kept:
            taken |= _covers(d, region.points, c)
        rest = np.zeros_like(region.mask)
        rows, cols = np.nonzero(region.mask)
        rest[rows[~taken], cols[~taken]] = True
        if np.count_nonzero(rest) == len(region.points):
            return [region]
        parts = [part for part in split(region, rest) if _sizeable(part, c.min_object)]
        return [replace(part, base=_standing_on(part, kept, c.bowl_floor)) for part in parts]

    def _mask(self, d: Detection, region: Region) -> np.ndarray:
        """The region's pixels the detection accounts for."""
        mask = np.zeros_like(region.mask)
        rows, cols = np.nonzero(region.mask)
        hit = _covers(d, region.points, self.config)
        mask[rows[hit], cols[hit]] = True
        return mask


def as_object(region: Region) -> Detection:
    """A region nobody explained, whole: an object named by its colour and shape words."""
    yaw, _ = region.rectangle
    return Detection("object", color_word(region.rgb), region.center, yaw, region.extent,
                     region.rgb, len(region.points), shape=region.shape,
                     outline=region.footprint, mask=region.mask)


def _outline(d: Detection) -> Polygon:
    if d.kind == "bowl":
        return Point(*d.position[:2]).buffer(d.size[0] / 2, quad_segs=8)
    return turned_box(*d.position[:2], d.size[0] / 2, d.size[1] / 2, d.yaw)


def _on_stack(bottom: float, grounds: list[float], c: SceneDetectorConfig) -> bool:
    """Whether a block's bottom is a whole number of blocks above a ground: on it, or on
    blocks it hides (seen from above, a block on a block of its size covers it whole)."""
    for ground in grounds:
        stacked = max(0, round((bottom - ground) / c.block_size))
        if abs(bottom - ground - stacked * c.block_size) < c.rests:
            return True
    return False


def _round(points: np.ndarray, bowl: Detection, tolerance: float, sectors: int = 12) -> bool:
    """Whether the points within the bowl's outline reach out equally far all around."""
    offset = points[:, :2] - bowl.position[:2]
    radius = np.linalg.norm(offset, axis=1)
    angle = np.arctan2(offset[:, 1], offset[:, 0])
    sector = ((angle + np.pi) / (2 * np.pi) * sectors).astype(int) % sectors
    reach = [np.percentile(radius[sector == k], 95) for k in range(sectors)
             if np.count_nonzero(sector == k) >= 3]
    return len(reach) >= sectors // 2 and np.ptp(reach) <= tolerance * np.mean(reach)


def _flat_top(points: np.ndarray, block: Detection, share: float, band: float = 0.004) -> bool:
    """Whether most of what is seen of the block is its flat top (a ball's top is a dot)."""
    xy = points[:, :2]
    within = shapely.contains_xy(_outline(block), xy[:, 0], xy[:, 1])
    top = block.position[2] + block.size[2] / 2
    seen = np.count_nonzero(within)
    return seen > 0 and np.count_nonzero(np.abs(points[within, 2] - top) < band) >= share * seen


def _covers(d: Detection, points: np.ndarray, c: SceneDetectorConfig) -> np.ndarray:
    """The points a kept detection accounts for: within its outline; for a bowl, not what
    stands in it above its floor."""
    xy = points[:, :2]
    within = shapely.contains_xy(_outline(d).buffer(c.outline_margin), xy[:, 0], xy[:, 1])
    if d.kind != "bowl":
        return within
    floor = d.position[2] - d.size[2] / 2 + c.bowl_floor
    inner = np.linalg.norm(xy - d.position[:2], axis=1) < d.size[0] / 2 - 2 * c.bowl_floor
    return within & ~(inner & (points[:, 2] > floor + c.raised))


def _floor(bowl: Detection, floor: float) -> float:
    return float(bowl.position[2] - bowl.size[2] / 2 + floor)


def _holds(bowl: Detection, d: Detection, floor: float) -> bool:
    """Whether `d` lies in the bowl: within its rim and above its floor (a bowl may stand on
    a block)."""
    return bool(np.linalg.norm(d.position[:2] - bowl.position[:2]) < bowl.size[0] / 2
                and _floor(bowl, floor) < d.position[2] + d.size[2] / 2)


def _sizeable(part: Region, least: float) -> bool:
    _, (w, h) = part.rectangle
    return min(w, h) >= least


def _standing_on(part: Region, kept: list[Detection], floor: float) -> float:
    """The floor of the bowl the part lies in, else the table."""
    centre = part.center[:2]
    for bowl in (d for d in kept if d.kind == "bowl"):
        if np.linalg.norm(centre - bowl.position[:2]) < bowl.size[0] / 2:
            return float(bowl.position[2] - bowl.size[2] / 2 + floor)
    return 0.0
