"""Where a held object may go, and whether it got there.

Before any motion, `plan_placement` finds the spot and what the object will rest on (the
table, a block's flat top, a bowl's floor beside what it already holds) and refuses a spot
without room: the held object's footprint at the target, at its final yaw and with a margin, must not
touch any object but its support. After the place, `verify` compares a fresh look with the
plan: position, support, upright; a miss is a PlacementError that names what happened.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.affinity import translate
from shapely.geometry import Point, Polygon

from cap.errors import NoRoom, PlacementError, PolicyError
from perception.objects import ObjectInfo

MARGIN = 0.005  # metres of air between a placed object and its neighbours
POSITION_TOLERANCE = 0.025  # how far a placed block may rest from its target (measured: see README)
BOWL_POSITION_TOLERANCE = 0.035
HEIGHT_TOLERANCE = 0.015
FLAT_TOLERANCE = 0.006  # a block's centre this far from a resting level is tilted
SUPPORT_PUSHED = 0.015  # a support that moved further than this was knocked by the place
IN_BOWL_SLACK = 0.005  # a block leaning on the wall inside still counts as in the bowl
# spots on a bowl's floor for a block turned by yaw: (radius, angle from yaw). First 3 cm out
# along its faces (a grip across the faces then closes tangentially, clear of the wall), then
# the centre, then 2 cm out along its diagonals
IN_BOWL_SPOTS = [(0.03, k * np.pi / 2) for k in range(4)] + [(0.0, 0.0)] + [
    (0.02, np.pi / 4 + k * np.pi / 2) for k in range(4)]


@dataclass(frozen=True)
class Placement:
    """Where the held object's centre goes (xy), the height of the surface under it, and
    what it rests on (None: the table)."""

    xy: np.ndarray
    surface_z: float
    support: ObjectInfo | None = None

    def center(self, held: ObjectInfo) -> np.ndarray:
        return np.array([*self.xy, self.surface_z + held.size[2] / 2])

    def describe(self) -> str:
        return f"[{self.xy[0]:.3f}, {self.xy[1]:.3f}]"


def footprint_at(info: ObjectInfo, xy, margin: float = 0.0) -> Polygon:
    """The object's outline moved to `xy` (its yaw kept: the gripper does not turn it)."""
    shape = translate(info.footprint, xy[0] - info.position[0], xy[1] - info.position[1])
    return shape.buffer(margin) if margin else shape


def plan_placement(held: ObjectInfo, target: ObjectInfo | np.ndarray,
                   others: dict[str, ObjectInfo], bowl_wall: float,
                   bowl_floor: float) -> Placement:
    """The placement for a target object (stack on it, or into it) or an xy spot."""
    if isinstance(target, ObjectInfo):
        if target.kind == "bowl":
            return _into_bowl(held, target, others, bowl_wall, bowl_floor)
        return _on_block(held, target, others, bowl_floor)
    return _at_spot(held, np.asarray(target, dtype=float)[:2], others, bowl_wall, bowl_floor)


def _on_block(held: ObjectInfo, block: ObjectInfo, others, floor: float) -> Placement:
    if held.kind == "bowl":
        raise PolicyError(f"a bowl cannot stand on the {block.name}; put the bowl on the table")
    if not _lies_flat(block, floor, others):
        raise NoRoom(f"the {block.name} is not lying flat (its centre is "
                     f"{100 * block.position[2]:.1f} cm high, resting on nothing level); stack on "
                     f"a block that lies flat, or set the {block.name} down on the table first")
    placement = Placement(block.position[:2].copy(), block.top, block)
    _check_room(held, placement, others)
    return placement


def _into_bowl(held: ObjectInfo, bowl: ObjectInfo, others, wall: float, floor: float
               ) -> Placement:
    """The first free spot on the bowl's floor (blocks go beside the blocks already in it);
    when the floor is taken, on top of a block in it that has nothing on it yet; NoRoom when
    neither is left."""
    if held.kind == "bowl":
        raise PolicyError(f"a bowl cannot go into the {bowl.name}; put it on the table")
    inner = Point(*bowl.position[:2]).buffer(bowl.size[0] / 2 - wall)
    inside = [o for o in others.values() if o.name != bowl.name
              and inner.contains(Point(*o.position[:2]))]
    surface = bowl.top - bowl.size[2] + floor
    for radius, angle in IN_BOWL_SPOTS:
        xy = bowl.position[:2] + radius * np.array([np.cos(held.yaw + angle),
                                                    np.sin(held.yaw + angle)])
        shape = footprint_at(held, xy, MARGIN / 2)
        if inner.contains(shape) and not any(shape.intersects(o.footprint) for o in inside):
            placement = Placement(xy, surface, bowl)
            _check_room(held, placement, {n: o for n, o in others.items()
                                          if o not in inside})
            return placement
    on_floor = [o for o in inside if o.kind == "block" and o.position[2] < surface + o.size[2]]
    for block in on_floor:
        if not any(_stands_on(o, block) for o in inside):
            return Placement(block.position[:2].copy(), block.top, block)
    names = " and ".join(f"the {o.name}" for o in inside)
    raise NoRoom(f"the {bowl.name} is full: it holds {names}; take something out first or use "
                 "another bowl")


def _lies_flat(block: ObjectInfo, floor: float, others: dict[str, ObjectInfo]) -> bool:
    """Whether the block rests flat: its bottom on the table, on a bowl's floor, or on the
    top of what is under it (a tilted block's bottom is at none of these heights)."""
    bottom = block.position[2] - block.size[2] / 2
    under = [o for o in others.values() if o.name != block.name
             and o.footprint.contains(Point(*block.position[:2]))]
    rests = [0.0] + [o.top - o.size[2] + floor if o.kind == "bowl" else o.top for o in under]
    return any(abs(bottom - level) < FLAT_TOLERANCE for level in rests)


def _stands_on(upper: ObjectInfo, lower: ObjectInfo) -> bool:
    return (upper.position[2] > lower.top - 0.005
            and lower.footprint.contains(Point(*upper.position[:2])))


def _at_spot(held: ObjectInfo, xy: np.ndarray, others, wall: float, floor: float) -> Placement:
    """A spot on the table, or on the block whose top it falls on, or in the bowl it falls in."""
    under = [o for o in others.values() if o.footprint.contains(Point(*xy))]
    if under:
        support = max(under, key=lambda o: o.top)
        if support.kind == "bowl":
            if np.linalg.norm(xy - support.position[:2]) < support.size[0] / 2 - wall - 0.02:
                return _into_bowl(held, support, others, wall, floor)
            raise NoRoom(f"the spot [{xy[0]:.3f}, {xy[1]:.3f}] is on the rim of the "
                         f"{support.name}; to put it in the bowl use '{support.name}' as the "
                         "target, or choose another spot")
        if held.kind == "bowl":
            raise NoRoom(f"the spot [{xy[0]:.3f}, {xy[1]:.3f}] is on the {support.name}; a bowl "
                         "goes on the table: choose a free spot")
        placement = Placement(xy, support.top, support)
    else:
        placement = Placement(xy, 0.0)
    _check_room(held, placement, others)
    return placement


def _check_room(held: ObjectInfo, placement: Placement, others: dict[str, ObjectInfo]) -> None:
    """Refuse when the held object, set down here, would touch an object other than its
    support: not what stands lower than the support's top, nor what a held bowl carries."""
    shape = footprint_at(held, placement.xy, MARGIN)
    support = placement.support.name if placement.support else None
    carried = held.footprint if held.kind == "bowl" else Polygon()
    for other in others.values():
        if (other.name == support or other.top <= placement.surface_z + 1e-3
                or carried.contains(Point(*other.position[:2]))):
            continue
        if shape.intersects(other.footprint):
            raise NoRoom(_no_room_message(held, placement, other))


def _no_room_message(held: ObjectInfo, placement: Placement, other: ObjectInfo) -> str:
    gap = float(np.linalg.norm(placement.xy - other.position[:2]))
    needed = _room_needed(held, placement.xy, other)
    return (f"the spot {placement.describe()} is {100 * gap:.1f} cm from the {other.name}; "
            f"a {held.kind} needs {100 * needed:.1f} cm of room there: move the {other.name} "
            "first or choose another spot")


def _room_needed(held: ObjectInfo, xy: np.ndarray, other: ObjectInfo) -> float:
    """How far from the other object's centre the held one must be, along the same line."""
    direction = xy - other.position[:2]
    norm = float(np.linalg.norm(direction))
    direction = direction / norm if norm > 1e-9 else np.array([1.0, 0.0])
    low, high = 0.0, 0.5
    for _ in range(20):
        middle = (low + high) / 2
        spot = other.position[:2] + middle * direction
        if footprint_at(held, spot, MARGIN).intersects(other.footprint):
            low = middle
        else:
            high = middle
    return high


def verify(held: ObjectInfo, placement: Placement, seen: dict[str, ObjectInfo],
           bowl_wall: float) -> None:
    """PlacementError unless the object rests where it was meant to, on what it was meant
    to (which has not been pushed away), upright."""
    now = seen.get(held.name)
    if now is None or not now.visible:
        raise PlacementError(f"the {held.name} is not where it was put: the camera cannot "
                             "find it (it may have fallen off or be hidden); look again")
    if held.kind == "bowl" and now.position[2] > held.size[2] / 2 + HEIGHT_TOLERANCE:
        raise PlacementError(f"the {held.name} tipped over")
    support = placement.support
    if support is not None:
        support = seen.get(support.name, support)
        pushed = float(np.linalg.norm(support.position[:2] - placement.support.position[:2]))
        if pushed > SUPPORT_PUSHED:
            raise PlacementError(f"the {support.name} was pushed {100 * pushed:.1f} cm while "
                                 f"the {held.name} was put on it; the {held.name} rests at "
                                 f"{_xyz(now)}")
    expected_z = placement.surface_z + held.size[2] / 2
    if support is not None and support.kind == "bowl":
        reach = support.size[0] / 2 - bowl_wall - held.size[0] / 2 + IN_BOWL_SLACK
        inside = np.linalg.norm(now.position[:2] - support.position[:2]) < reach
        if not inside or abs(now.position[2] - expected_z) > HEIGHT_TOLERANCE:
            raise PlacementError(f"the {held.name} did not come to rest in the {support.name}; "
                                 f"it rests at {_xyz(now)}")
        return
    if support is not None and now.position[2] < support.top:
        raise PlacementError(f"the {held.name} slid off the {support.name}; it rests at "
                             f"{_xyz(now)}")
    if abs(now.position[2] - expected_z) > HEIGHT_TOLERANCE:
        under = "on top of something" if now.position[2] > expected_z else "lower than planned"
        raise PlacementError(f"the {held.name} landed {under} at {_xyz(now)}, not on "
                             f"{'the ' + support.name if support else 'the table'}")
    error = float(np.linalg.norm(now.position[:2] - placement.xy))
    tolerance = BOWL_POSITION_TOLERANCE if held.kind == "bowl" else POSITION_TOLERANCE
    if error > tolerance:
        raise PlacementError(f"the {held.name} landed {100 * error:.1f} cm from the target "
                             f"{placement.describe()}")


def _xyz(info: ObjectInfo) -> str:
    return "[" + ", ".join(f"{v:.3f}" for v in info.position) + "]"
