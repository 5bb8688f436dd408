"""Self-collision of an arm loaded in PyBullet: which of its parts may touch, and whether any
other two overlap.

Parts that may touch are those a joint joins, with links held together by fixed joints taken
as one part (a flange, a tool frame and a gripper's base are one rigid piece with the wrist,
and the fingers one part, since they close onto each other), and the pairs an SRDF's
`disable_collisions` lists, where the robot has one. Every other pair
collides only when the two overlap: Bullet pads each convex mesh by about a millimetre, so
meshes that merely touch read as 2 mm deep; that padding is not counted.
"""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from itertools import combinations
from pathlib import Path

import pybullet

from robots.urdf import UrdfError

MESH_PADDING = 0.001  # metres Bullet adds around a convex mesh
OVERLAP = 0.001  # metres two parts must overlap beyond their padding to collide


def srdf_pairs(path: str) -> set[frozenset[str]]:
    """The link pairs an SRDF file's `disable_collisions` elements allow to touch."""
    try:
        root = ElementTree.fromstring(Path(path).read_text())
    except (OSError, ElementTree.ParseError) as error:
        raise UrdfError(f"cannot read the SRDF {path}: {error}") from None
    return {frozenset((e.get("link1"), e.get("link2"))) for e in root.iter("disable_collisions")}


class SelfCollision:
    """The pairs of a body's links that are checked against each other, by index (-1: the
    root link); `fingers`: the finger joints' indices."""

    def __init__(self, body: int, client: int, allowed: set[frozenset[str]] = frozenset(),
                 fingers: tuple[int, ...] = ()) -> None:
        self.body, self.client = body, client
        infos = [pybullet.getJointInfo(body, j, physicsClientId=client)
                 for j in range(pybullet.getNumJoints(body, physicsClientId=client))]
        root = pybullet.getBodyInfo(body, physicsClientId=client)[0].decode()
        self.names = {-1: root, **{info[0]: info[12].decode() for info in infos}}
        piece = _rigid_pieces(infos, set(fingers))
        joined = {frozenset((piece[info[16]], piece[info[0]])) for info in infos}
        shaped = [link for link in self.names if self._shapes(link)]
        self.padding = {link: MESH_PADDING if any(s[2] == pybullet.GEOM_MESH
                                                  for s in self._shapes(link)) else 0.0
                        for link in shaped}
        self.pairs = [(a, b) for a, b in combinations(shaped, 2)
                      if piece[a] != piece[b] and frozenset((piece[a], piece[b])) not in joined
                      and frozenset((self.names[a], self.names[b])) not in allowed]

    def _shapes(self, link: int) -> list:
        return pybullet.getCollisionShapeData(self.body, link, physicsClientId=self.client)

    def first_contact(self) -> tuple[str, str] | None:
        """Two links that overlap in the body's current configuration, or None."""
        for a, b in self.pairs:
            limit = -(self.padding[a] + self.padding[b] + OVERLAP)
            points = pybullet.getClosestPoints(self.body, self.body, 0.0, linkIndexA=a,
                                               linkIndexB=b, physicsClientId=self.client)
            if any(point[8] < limit for point in points):
                return self.names[a], self.names[b]
        return None


def _rigid_pieces(infos, fingers: set[int]) -> dict[int, int]:
    """For each link (by index; -1 the root), the first link of the piece it belongs to: a
    link fixed to its parent belongs to its parent's piece, and every finger (with what it
    carries) to the first finger's."""
    piece = {-1: -1}
    for info in infos:  # PyBullet lists a parent before its children
        index, parent = info[0], info[16]
        if index in fingers:
            piece[index] = min(fingers)
        else:
            piece[index] = piece[parent] if info[2] == pybullet.JOINT_FIXED else index
    return piece
