"""Names that stay attached to the same physical object across looks."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from perception.detector import Detection
from perception.objects import ObjectInfo, outline_of


@dataclass
class Track:
    info: ObjectInfo
    missed: int = 0  # looks in a row without a matching detection


class Tracker:
    """Matches each look's detections to known objects of the same kind and colour.

    A new object is named by its label ("red block", "white round object"), a second with the
    same label "red block 2". Objects that are not blocks or bowls are matched by position
    whatever their colour word (shading may change it between looks).
    An object not seen (under the gripper, behind the arm) is remembered for `memory` looks,
    and for as long as something seen stands on top of it.
    """

    def __init__(self, memory: int = 5, gate: float = 0.1) -> None:
        self.memory, self.gate = memory, gate
        self.tracks: dict[str, Track] = {}
        self.matched: dict[str, Detection] = {}  # the latest look's detections, by name

    def update(self, detections: list[Detection],
               occluded: Callable[[np.ndarray], bool] = lambda p: False
               ) -> dict[str, ObjectInfo]:
        """Match a look's detections; `occluded(position)` says whether something (the robot)
        stood between the camera and a position, so an object there is hidden, not gone."""
        seen: set[str] = set()
        self.matched = {}
        groups: dict[tuple[str, str], list[Detection]] = {}
        for d in detections:
            groups.setdefault(_group(d.color, d.kind), []).append(d)
        for key, group in groups.items():
            names = [n for n, t in self.tracks.items()
                     if _group(t.info.color, t.info.kind) == key]
            for name, detection in self._match(names, group):
                name = name or self._new_name(detection.label)
                self.tracks[name] = Track(_info(name, detection))
                self.matched[name] = detection
                seen.add(name)
        for name in list(self.tracks):
            info = self.tracks[name].info
            if name in seen or self._covered(info, detections) or occluded(info.position):
                continue
            self.tracks[name].missed += 1
            if self.tracks[name].missed > self.memory:
                del self.tracks[name]
        return {name: replace(track.info, visible=name in seen)
                for name, track in self.tracks.items()}

    def expect(self, name: str, position, yaw: float | None = None) -> None:
        if name in self.tracks:
            info = self.tracks[name].info
            self.tracks[name] = Track(replace(info, position=np.asarray(position, dtype=float),
                                              yaw=info.yaw if yaw is None else float(yaw)))

    def rename(self, old: str, new: str) -> None:
        """Call a tracked object by another name from now on (a model named it)."""
        track = self.tracks.pop(old)
        self.tracks[new] = Track(replace(track.info, name=new), track.missed)
        if old in self.matched:
            self.matched[new] = self.matched.pop(old)

    @staticmethod
    def _covered(info: ObjectInfo, detections: list[Detection]) -> bool:
        """Something now stands on it (a stacked block): it is hidden, not gone."""
        return any(np.linalg.norm(d.position[:2] - info.position[:2]) < info.size[0] / 2
                   and d.position[2] > info.position[2] + info.size[2] / 2 for d in detections)

    def _match(self, names: list[str], group: list[Detection]):
        """Greedy nearest pairs (names with detections); leftover detections get None.

        Objects move only when the robot moves them, and a placement updates its track
        (`expect`), so a detection far from every track is a new object, not a jump."""
        pairs = sorted((float(np.linalg.norm(self.tracks[n].info.position - d.position)), n, i)
                       for n in names for i, d in enumerate(group))
        pairs = [p for p in pairs if p[0] < self.gate]
        used_names, used = set(), set()
        for _, name, i in pairs:
            if name not in used_names and i not in used:
                used_names.add(name)
                used.add(i)
                yield name, group[i]
        for i, d in enumerate(group):
            if i not in used:
                yield None, d

    def _new_name(self, label: str) -> str:
        name, n = label, 2
        while name in self.tracks:
            name, n = f"{label} {n}", n + 1
        return name


def _group(color: str, kind: str) -> tuple[str, str]:
    return (color, kind) if kind in ("block", "bowl") else ("", kind)


def _info(name: str, d: Detection) -> ObjectInfo:
    outline = None if d.outline is None else outline_of(d.outline, d.position, d.yaw)
    return ObjectInfo(name, d.kind, d.color, d.position, d.yaw, d.size, outline=outline)
