"""Depth regions named by a vision-language model, when the program asks.

Every look is the scene detector's and the tracker's (no model). When a program asks for the
objects' names, or for an object by a name nobody has given yet, the model is shown the camera
image once and asked where those things are; each answer must land on a depth region (a point
on its pixels, a box that overlaps them), which then carries the model's name in later looks.
Objects that touch are one depth region: a box on part of one cuts its pixels out.
A name the model does not find is "not found", never a guess; an answer over bare table is
refused.
"""
from __future__ import annotations

from typing import Callable

import cv2
import numpy as np
from shapely.geometry import Point, Polygon

from perception.detector import Detection
from perception.grounding import EVERYTHING, Answer, Convention
from perception.objects import ObjectInfo, Perceiver
from perception.pixels import PixelPerceiver
from perception.scene_detector import SceneDetector

POINT_SLACK = 2  # pixels: a point this near an object's pixels is on it (its outline is fuzzy)
MIN_OVERLAP = 0.3  # a box must overlap an object's pixel bounds this much (intersection
# over union: a thin object lying diagonally fills little of either box)
MIN_FILL = 0.15  # and hold this share of its area in the object's pixels (not bare table)
ON_OBJECT = 0.8  # a box this much within one object's bounds, holding only part of its
# pixels, is one of several touching objects: its pixels are cut from the rest


class NotFound(LookupError):
    """The model did not find what was asked for, or pointed where nothing stands."""


Ask = Callable[[np.ndarray, str], str]  # (RGB image, prompt) -> the model's reply


class GroundedPerceiver(Perceiver):
    """A pixel perceiver whose objects the model names on request (`names`, `find`)."""

    def __init__(self, pixels: PixelPerceiver, ask: Ask, convention: Convention) -> None:
        self.pixels, self.ask, self.convention = pixels, ask, convention
        self.aliases: dict[str, str] = {}  # a model's name for a block or bowl -> its name
        self.shown: set[str] = set()  # objects the model has been asked to name
        self.given: set[str] = set()  # the names it gave (a later name becomes an alias)
        self.cuts: dict[str, Polygon] = {}  # the outline cut out for an object, by its name

    def look(self) -> dict[str, ObjectInfo]:
        seen = self.pixels.look()
        self.last = self.pixels.last
        if any(name not in self.pixels.tracker.tracks for name in self.cuts):
            self._keep_cuts(self.pixels.tracker.tracks)  # forgotten: no cut of its own now
            return self.look()
        return seen

    def forget(self) -> None:
        self.pixels.forget()
        self.aliases.clear()
        self.shown.clear()
        self.given.clear()
        self._keep_cuts(())
        self.last = None

    def expect(self, name: str, position, yaw: float | None = None) -> None:
        name = self.aliases.get(name, name)
        if name in self.cuts:  # moved away: it touches nothing now
            self._keep_cuts(set(self.cuts) - {name})
        self.pixels.expect(name, position, yaw)

    def names(self) -> list[str]:
        """Every object's name; objects the model has not yet named are shown to it once."""
        seen = self.look()
        if any(info.kind == "object" and n not in self.shown for n, info in seen.items()):
            for answer, name in self._ground([EVERYTHING]):
                if answer is not None and self._unnamed(name):
                    self._rename(name, answer.label)
            self.shown.update(self.look())
        return list(self.look())

    def _unnamed(self, name: str | None) -> bool:
        """Whether `name` is an object's (cut out by this answer, perhaps) that no model named."""
        track = self.pixels.tracker.tracks.get(name)
        return track is not None and track.info.kind == "object" and name not in self.given

    def find(self, name: str) -> ObjectInfo:
        """The object the model calls `name`; NotFound when it does not see one there."""
        seen = self.look()
        if self.aliases.get(name) in seen:
            return seen[self.aliases[name]]
        (answer, found), = self._ground([name])
        if answer is None:
            raise NotFound(f"the vision model does not see a {name!r} in the camera image; "
                           f"objects seen: {', '.join(seen) or 'none'}")
        if found is None:
            raise NotFound(f"the vision model placed the {name!r} at {_where(answer)} in the "
                           "image, where nothing stands on the table (no depth there); refused")
        info = self.look()[found]
        if info.kind == "object" and found not in self.given:
            self._rename(found, name)
            return self.look()[name]
        self.aliases[name] = found
        return info

    def _ground(self, names: list[str]) -> list[tuple[Answer | None, str | None]]:
        """Ask the model about `names` in the latest frame; per answer (per asked name when a
        name was asked), the object whose pixels it lands on."""
        frame = self.pixels.last.frame
        reply = self.ask(frame.rgb, self.convention.prompt(names))
        height, width = frame.rgb.shape[:2]
        answers = self.convention.parse(reply, width, height)
        if names == [EVERYTHING]:
            answers = [a for a in answers if a.label]
            self._cut_out(answers, frame)
            return [(a, locate(a, self.pixels.tracker.matched)) for a in answers]
        wanted = _for_name(answers, names[0])
        if wanted is None:
            return [(None, None)]
        self._cut_out([wanted], frame)
        return [(wanted, locate(wanted, self.pixels.tracker.matched))]

    def _cut_out(self, answers: list[Answer], frame) -> None:
        """Boxes over part of an object's pixels (touching objects seen as one) cut their
        pixels from it for this and later looks."""
        detector = self.pixels.detector
        if not isinstance(detector, SceneDetector):
            return
        points, cut = frame.points(), []
        for answer in answers:
            if answer.box is None or locate(answer, self.pixels.tracker.matched) is not None:
                continue
            pixels = part_in_box(answer.box, self.pixels.tracker.matched.values())
            if pixels is not None:
                cut.append((answer, outline_of(points[pixels])))
        if not cut:
            return
        detector.cuts = [*self.cuts.values(), *(outline for _, outline in cut)]
        self.pixels.changed()
        self.pixels.look()
        for answer, outline in cut:  # a cut that made no object of its own is none
            name = locate(answer, self.pixels.tracker.matched)
            if name is not None:  # the latest cut of an object holds (one per object)
                self.cuts[name] = outline
        self._keep_cuts(self.cuts)

    def _keep_cuts(self, names) -> None:
        """Keep the cuts of `names` only; the detector cuts exactly the kept ones (its list
        follows this record, so nothing is left behind or taken twice)."""
        self.cuts = {name: outline for name, outline in self.cuts.items() if name in names}
        detector = self.pixels.detector
        if isinstance(detector, SceneDetector):
            detector.cuts = list(self.cuts.values())
        self.pixels.changed()

    def _rename(self, old: str, label: str) -> None:
        label = " ".join(label.lower().split())
        taken = set(self.pixels.tracker.tracks) | set(self.aliases)
        name, n = label, 2
        while name in taken:
            name, n = f"{label} {n}", n + 1
        self.pixels.rename(old, name)
        if old in self.cuts:
            self.cuts[name] = self.cuts.pop(old)
        self.shown.add(name)
        self.given.add(name)


def _for_name(answers: list[Answer], name: str) -> Answer | None:
    """The answer for the one name asked: labelled so, or the only answer given."""
    labelled = [a for a in answers if " ".join(a.label.lower().split()) == name]
    if labelled:
        return labelled[0]
    return answers[0] if len(answers) == 1 and not answers[0].label else None


def locate(answer: Answer, on_screen: dict[str, Detection]) -> str | None:
    """The object whose pixels the answer lands on: a point on (or next to) its pixels, or
    the box overlapping them most, if enough."""
    if answer.point is not None:
        u, v = (int(np.floor(c)) for c in answer.point)  # the pixel the point falls in
        for name, d in on_screen.items():
            if d.mask is not None and _near(d.mask, u, v, POINT_SLACK):
                return name
        return None
    best, overlap = None, MIN_OVERLAP
    for name, d in on_screen.items():
        if d.mask is not None and (score := _box_overlap(answer.box, d.mask)) >= overlap:
            best, overlap = name, score
    return best


def part_in_box(box, detections) -> np.ndarray | None:
    """The pixels within the box of the object the box lies on, when the box holds only part
    of them (touching objects seen as one); None when there is no such object."""
    for d in detections:
        if d.kind != "object" or d.mask is None:
            continue
        (u0, v0, u1, v1), area = _pixel_box(box, d.mask.shape)
        within = np.zeros_like(d.mask)
        within[v0:v1, u0:u1] = d.mask[v0:v1, u0:u1]
        inside = int(within.sum())
        if area and _filled(inside, area) and inside < int(d.mask.sum()) \
                and _box_share(box, d.mask, area) >= ON_OBJECT:
            return within
    return None


def outline_of(points: np.ndarray) -> Polygon:
    """The outline seen from above of the points (workspace frame), grown a little: edges."""
    hull = cv2.convexHull(points[:, :2].astype(np.float32))[:, 0]
    return (Polygon(hull) if len(hull) >= 3 else Point(*hull.mean(axis=0))).buffer(0.002)


def _pixel_box(box, shape) -> tuple[tuple[int, int, int, int], int]:
    h, w = shape
    u0, v0 = max(0, int(np.floor(min(box[0], box[2])))), max(0, int(np.floor(min(box[1], box[3]))))
    u1, v1 = min(w, int(np.ceil(max(box[0], box[2])))), min(h, int(np.ceil(max(box[1], box[3]))))
    return (u0, v0, u1, v1), max(0, u1 - u0) * max(0, v1 - v0)


def _near(mask: np.ndarray, u: int, v: int, slack: int) -> bool:
    h, w = mask.shape
    window = mask[max(0, v - slack):min(h, v + slack + 1), max(0, u - slack):min(w, u + slack + 1)]
    return bool(window.any())


def _box_overlap(box, mask: np.ndarray) -> float:
    """Intersection over union of the box and the mask's pixel bounds, 0 where the box holds
    too few of its pixels."""
    (u0, v0, u1, v1), area = _pixel_box(box, mask.shape)
    if not area or not _filled(int(mask[v0:v1, u0:u1].sum()), area):
        return 0.0
    common = _box_share(box, mask, area) * area
    rows, cols = np.nonzero(mask)
    own = (cols.max() + 1 - cols.min()) * (rows.max() + 1 - rows.min())
    return common / (area + own - common)


def _box_share(box, mask: np.ndarray, area: int) -> float:
    """The share of the box (of `area` pixels) within the mask's pixel bounds."""
    (u0, v0, u1, v1), _ = _pixel_box(box, mask.shape)
    rows, cols = np.nonzero(mask)
    width = min(u1, cols.max() + 1) - max(u0, cols.min())
    height = min(v1, rows.max() + 1) - max(v0, rows.min())
    return max(0, width) * max(0, height) / area


def _filled(inside: int, area: int) -> bool:
    return inside >= MIN_FILL * area


def _where(answer: Answer) -> str:
    if answer.point is not None:
        return f"pixel ({answer.point[0]:.0f}, {answer.point[1]:.0f})"
    return "box (" + ", ".join(f"{c:.0f}" for c in answer.box) + ")"
