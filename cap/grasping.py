"""How to move the held object: among the planner's placements (best first) and the object's
grasps, the move whose open fingers stay clear of everything around the pick and the release.

The gripper is modelled by how far it reaches into an obstacle of each height
(robots.skills.GripperShape), and everything around by its height too (a block's top, a bowl's
rim ring and its lower floor), so fingers may reach into a bowl or over a lower block but never
land on a wall."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely import affinity
from shapely.geometry import Polygon, box

from cap.errors import NoRoom, PolicyError
from cap.placement import BowlShape, Placement, inside, outlines
from perception.objects import ObjectInfo
from robots.arm import Arm
from robots.errors import UnreachableError
from robots.kinematics import ArmModel
from robots.skills import (
    GRIP_ROOM, PANDA_HAND, GraspTarget, GripperShape, Move, Obstacle, finger_yaw, plan_move)

SAFE_CLEARANCE = 0.004  # metres: a move whose fingers keep this from everything is taken at once
GRASP_YAWS = np.radians(np.arange(0, 180, 15))  # the finger directions tried on an object
FINGER_HALF_WIDTH = 0.01  # what of the outline the fingers' pads meet, either side of the axis
GRIP_BELOW_TOP = 0.025  # an object is gripped this far below its top, or at its middle if lower
FINGERTIP_REACH = 0.008  # the fingertips reach this far below the tool point
# the tool point no lower: the fingertips just outside the distance the motion filter keeps
# every link from the table (a flat toy gripped higher is held by its upper rim and slips)
LOWEST_GRIP = ArmModel.table_clearance + FINGERTIP_REACH + 0.0005
GRASPS_KEPT = 4  # the narrowest grips offered to the planner
# the fingers open this far beyond each side of an outline measured from depth, where the
# gripper opens so far: what depth shows of a rounded body's lower edge falls short of it
OUTLINE_ROOM = 0.01


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


def object_grasps(info: ObjectInfo, hand: GripperShape = PANDA_HAND) -> list[GraspTarget]:
    """Top-down grips on an object that is not a box: across its measured outline through
    its middle, in every direction, narrowest first (a narrow grip holds best), each within
    the gripper's opening: first with the fingers opened wide past the outline, then, where
    neighbours leave no such room, as for a block. PolicyError when none is."""
    outline, centre = info.footprint, info.position
    widest = 2 * (hand.finger_open - GRIP_ROOM)
    grips = sorted((_width_across(outline, centre[:2], yaw), yaw) for yaw in GRASP_YAWS)
    fitting = [(w, yaw) for w, yaw in grips if w <= widest]
    if not fitting:
        raise PolicyError(f"the {info.name} is {100 * grips[0][0]:.1f} cm wide at its "
                          f"narrowest; the gripper opens {100 * widest:.1f} cm")
    z = max(max(info.bottom, 0.0) + LOWEST_GRIP, min(info.position[2], info.top - GRIP_BELOW_TOP))
    tool = np.array([*centre[:2], z])
    kept = fitting[:GRASPS_KEPT]
    opened = [(w, yaw, min(OUTLINE_ROOM, hand.finger_open - w / 2)) for w, yaw in kept]
    return [GraspTarget(tool, finger_yaw(yaw), z - info.bottom, np.zeros(2), width, room)
            for width, yaw, room in opened + [(w, yaw, GRIP_ROOM) for w, yaw in kept]]


def _width_across(outline: Polygon, centre, yaw: float) -> float:
    """How far apart the fingers close on the outline: its extent along the finger axis
    (turned `yaw` from y), within the strip the finger pads sweep through the centre."""
    upright = affinity.rotate(outline, -yaw, origin=tuple(centre), use_radians=True)
    strip = box(centre[0] - FINGER_HALF_WIDTH, centre[1] - 1.0,
                centre[0] + FINGER_HALF_WIDTH, centre[1] + 1.0)
    met = upright.intersection(strip)
    if met.is_empty:
        return float("inf")
    _, low, _, high = met.bounds
    return float(high - low)
