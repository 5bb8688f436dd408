"""How to move the held object: among the planner's placements (best first) and the object's
grasps, the move whose open fingers stay clear of everything around the pick and the release.

The gripper is modelled by how far it reaches into an obstacle of each height
(robots.skills.GripperShape), and everything around by its height too (a block's top, a bowl's
rim ring and its lower floor), so fingers may reach into a bowl or over a lower block but never
land on a wall."""
from __future__ import annotations

from dataclasses import dataclass

from cap.errors import NoRoom
from cap.placement import BowlShape, Placement, inside, outlines
from perception.objects import ObjectInfo
from robots.arm import Arm
from robots.errors import UnreachableError
from robots.skills import PANDA_HAND, GraspTarget, GripperShape, Move, Obstacle, plan_move

SAFE_CLEARANCE = 0.004  # metres: a move whose fingers keep this from everything is taken at once


class Crowded(NoRoom):
    """No move leaves the fingers room: they would touch `blocker`, by `depth` metres, when
    gripping the held object (`at_pick`) or when letting it go."""

    def __init__(self, message: str, blocker: ObjectInfo | None, at_pick: bool, depth: float):
        super().__init__(message)
        self.blocker, self.at_pick, self.depth = blocker, at_pick, depth


@dataclass(frozen=True)
class Scored:
    margin: float  # the nearer of the fingers' misses at the pick and at the release
    move: Move
    placement: Placement


def obstacles(objects: list[ObjectInfo], shape: BowlShape) -> list[Obstacle]:
    return [Obstacle(part, top) for o in objects for part, top in outlines(o, shape)]


def choose_move(arm: Arm, held: ObjectInfo, grasps: list[GraspTarget],
                placements: list[Placement], others: dict[str, ObjectInfo], shape: BowlShape,
                hand: GripperShape = PANDA_HAND) -> Scored:
    """The first placement with a reachable move that keeps SAFE_CLEARANCE; else the move that
    keeps the most, if it touches nothing. NoRoom names what the fingers would hit."""
    carried = inside(held, others, shape) if held.kind == "bowl" else []
    at_pick = obstacles(list(others.values()), shape)
    at_place = obstacles([o for o in others.values() if o not in carried], shape)
    pick_margin = {id(g): g.clearance(at_pick, hand) for g in grasps}
    tried = []
    for placement in placements:
        for grasp in grasps:
            move = plan_move(grasp, placement.xy, placement.surface_z, placement.turn)
            margin = min(pick_margin[id(grasp)], move.release_clearance(at_place, hand))
            scored = Scored(margin, move, placement)
            if margin >= SAFE_CLEARANCE and move.feasible(arm):
                return scored
            tried.append(scored)
    tried.sort(key=lambda s: -s.margin)  # stable: the planner's order breaks ties
    for scored in tried:
        if scored.move.feasible(arm):
            if scored.margin < 0:
                raise _crowded(held, scored, others, carried, shape, hand)
            return scored
    raise UnreachableError("no way to grip the object lets the arm reach both it and the "
                           "target; choose a target nearer the middle of the table")


def _crowded(held: ObjectInfo, best: Scored, others: dict[str, ObjectInfo],
             carried: list[ObjectInfo], shape: BowlShape, hand: GripperShape) -> Crowded:
    """Which object the fingers of the best move would touch, where, and by how much."""
    worst, at_pick, depth = None, True, 0.0
    for other in others.values():
        pick = best.move.grasp.clearance(obstacles([other], shape), hand)
        place = (best.move.release_clearance(obstacles([other], shape), hand)
                 if other not in carried else float("inf"))
        if min(pick, place) < depth:
            worst, at_pick, depth = other, pick <= place, min(pick, place)
    name = f"the {worst.name}" if worst else "something"
    where = f"gripping the {held.name}" if at_pick else "letting it go there"
    return Crowded(f"no way to grip the {held.name} leaves the fingers room: they would touch "
                   f"{name} {where} (they need {100 * -depth:.1f} cm more room); move {name} "
                   "away first or choose another target", worst, at_pick, -depth)
