"""Where a held object may go.

Before any motion, `plan_placements` lists the ways to set the held object down at the target,
best first: where its centre goes, how it is turned, and what it rests on (the table, a block's
flat top, a bowl's floor beside what it already holds, or, for a bowl, the rim of a bowl or the
top of a block or stack under it). A spot without room is refused before anything moves: the
held object's outline there, with a margin, touches nothing but what it rests on. A refusal
says what is in the way and how much room is needed, and suggests only what the planner accepts.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import MultiPoint, Point, Polygon

from cap.errors import NoRoom, PolicyError
from perception.objects import ObjectInfo, placed_outline, turned_box

MARGIN = 0.005  # metres of air between a placed object and its neighbours
FLAT_TOLERANCE = 0.006  # a block's bottom this far from a resting level is tilted
REST_MARGIN = 0.01  # a resting bowl's centre lies this far inside what holds it up
CENTRED = 0.015  # a bowl set at a spot on something stands there only this near its centre
RESTS_ON = 0.01  # an object whose bottom is this near another's top stands on it
# a cube looks the same every quarter turn: the turns tried when it has no room as it lies
TURNS = tuple(float(t) for t in np.radians([0, 15, -15, 30, -30, 45]))
FLOOR_RINGS = (0.68, 0.6, 0.52, 0.45, 0.3, 0.15, 0.0)  # spots on a bowl's floor, outermost first
FLOOR_ANGLES = 24
ADVICE_REACH = 0.15  # how far from a refused spot the nearest free one is looked for


@dataclass(frozen=True)
class BowlShape:
    """What the planner assumes of every bowl where perception cannot measure it."""

    wall: float = 0.008
    floor: float = 0.008


@dataclass(frozen=True)
class Placement:
    """Where the held object's centre goes (xy), the height of the surface under it, what it
    rests on (None: the table), and how far it is turned about its centre on the way."""

    xy: np.ndarray
    surface_z: float
    support: ObjectInfo | None = None
    turn: float = 0.0

    def center(self, held: ObjectInfo) -> np.ndarray:
        return np.array([*self.xy, self.surface_z + held.size[2] / 2])

    def describe(self) -> str:
        return _xy(self.xy)


def footprint_at(info: ObjectInfo, xy, margin: float = 0.0, turn: float = 0.0) -> Polygon:
    """The object's outline moved to `xy`, turned by `turn` about its centre and grown by
    `margin` on every side."""
    if info.outline is not None:
        outline = placed_outline(info.outline, xy[0], xy[1], info.yaw + turn)
        return outline.buffer(margin, join_style="mitre") if margin else outline
    if info.kind == "bowl":
        return Point(xy[0], xy[1]).buffer(info.size[0] / 2 + margin, quad_segs=8)
    return turned_box(xy[0], xy[1], info.size[0] / 2 + margin, info.size[1] / 2 + margin,
                      info.yaw + turn)


def outlines(info: ObjectInfo, shape: BowlShape) -> list[tuple[Polygon, float]]:
    """What an object offers from above, with heights: a block its top face; a bowl its rim
    ring and, lower down, its floor."""
    if info.kind != "bowl":
        return [(info.footprint, info.top)]
    floor = _floor_disc(info, shape)
    return [(info.footprint.difference(floor), info.top), (floor, info.bottom + shape.floor)]


def inside(bowl: ObjectInfo, others: dict[str, ObjectInfo], shape: BowlShape
           ) -> list[ObjectInfo]:
    """The objects resting in the bowl (on its floor, or on what lies there)."""
    room = _floor_disc(bowl, shape, MARGIN)
    return [o for o in others.values() if o.name != bowl.name and room.contains(o.footprint)
            and o.bottom > bowl.bottom - MARGIN]


def resting_on(lower: ObjectInfo, others: dict[str, ObjectInfo], shape: BowlShape
               ) -> list[ObjectInfo]:
    """The objects standing on `lower`'s top (a block on a block, a bowl on a bowl's rim)."""
    carried = {o.name for o in inside(lower, others, shape)} if lower.kind == "bowl" else set()
    return [o for o in others.values() if o.name != lower.name and o.name not in carried
            and abs(o.bottom - lower.top) < RESTS_ON
            and lower.footprint.contains(Point(*o.position[:2]))]


def plan_placements(held: ObjectInfo, target: ObjectInfo | np.ndarray,
                    others: dict[str, ObjectInfo], shape: BowlShape,
                    area: Polygon | None = None) -> list[Placement]:
    """The ways to set the held object on or in a target object, or at an xy spot, best first.

    A refusal (NoRoom) ends with advice the planner accepts: a bowl or the object in the way
    as the target, another bowl with room, or the nearest free spot inside `area`."""
    try:
        return _plan(held, target, others, shape)
    except NoRoom as refusal:
        raise NoRoom(str(refusal) + _advice(held, target, others, shape, area)) from None


def _plan(held: ObjectInfo, target, others, shape: BowlShape) -> list[Placement]:
    if isinstance(target, ObjectInfo):
        above = resting_on(target, others, shape)
        if above:
            raise NoRoom(f"the {target.name} is under the {above[0].name}")
        if target.kind == "block" and not _lies_flat(target, others, shape):
            raise NoRoom(f"the {target.name} is not lying flat (its centre is "
                         f"{100 * target.position[2]:.1f} cm high, resting on nothing level); "
                         f"nothing stands on it until it is set down flat")
        if held.kind == "bowl":
            return [rest_bowl(held, target.position[:2], others, shape, target)]
        if target.kind == "bowl":
            return _into_bowl(held, target, others, shape)
        return _on_block(held, target, others, shape)
    return _at_spot(held, np.asarray(target, dtype=float)[:2], others, shape)


def _on_block(held: ObjectInfo, block: ObjectInfo, others, shape: BowlShape
              ) -> list[Placement]:
    aligned = _quarter(block.yaw - held.yaw)  # square on square stands best
    turns = dict.fromkeys((0.0, aligned, *TURNS))
    return _with_room(held, [Placement(block.position[:2].copy(), block.top, block, t)
                             for t in turns], others, shape)


def _into_bowl(held: ObjectInfo, bowl: ObjectInfo, others, shape: BowlShape
               ) -> list[Placement]:
    """Spots on the bowl's floor beside what it holds (outermost and farthest from the rest
    first), then the free flat tops of blocks in it; NoRoom when none is left."""
    held_in = inside(bowl, others, shape)
    outside = {n: o for n, o in others.items() if o not in held_in}
    spots = [p for p in _floor_spots(held, bowl, held_in, shape)
             if _room_problem(held, p, outside, shape) is None]
    tops = [Placement(o.position[:2].copy(), o.top, o, _quarter(o.yaw - held.yaw))
            for o in held_in if o.kind == "block" and not resting_on(o, others, shape)
            and _lies_flat(o, others, shape)]
    fits = spots + [p for p in tops if _room_problem(held, p, others, shape) is None]
    if not fits:
        names = " and ".join(f"the {o.name}" for o in held_in) or "nothing we can see"
        raise NoRoom(f"the {bowl.name} is full: it holds {names}, with no room on its floor for "
                     f"another {held.kind} and no free flat top in it")
    return fits


def _floor_spots(held: ObjectInfo, bowl: ObjectInfo, held_in: list[ObjectInfo],
                 shape: BowlShape) -> list[Placement]:
    """Free spots on the floor, the block turned square to the bowl's radius or as it is."""
    centre, radius = bowl.position[:2], bowl.size[0] / 2 - shape.wall
    floor = _floor_disc(bowl, shape, -MARGIN / 2)
    toward = float(np.arctan2(*(held.position[:2] - centre)[::-1]))
    found = []
    for ring, fraction in enumerate(FLOOR_RINGS):
        for k in _nearest_first(FLOOR_ANGLES if fraction else 1):
            angle = toward + 2 * np.pi * k / FLOOR_ANGLES
            xy = centre + fraction * radius * np.array([np.cos(angle), np.sin(angle)])
            for turn in dict.fromkeys((_quarter(angle - held.yaw), 0.0)):
                outline = footprint_at(held, xy, MARGIN / 2, turn)
                if floor.contains(outline) and not any(outline.intersects(o.footprint)
                                                       for o in held_in):
                    spread = min((float(np.linalg.norm(xy - o.position[:2])) for o in held_in),
                                 default=1.0)
                    found.append(((ring, -round(spread, 2)),
                                  Placement(xy, bowl.bottom + shape.floor, bowl, turn)))
    return [p for _, p in sorted(found, key=lambda item: item[0])]


def rest_bowl(held: ObjectInfo, xy, others: dict[str, ObjectInfo], shape: BowlShape,
              target: ObjectInfo | None = None) -> Placement:
    """A bowl set down at xy rests on the highest things under its outline: the table, a
    bowl's rim, a block's or a stack's top. Refused when it would not rest level (its centre
    must lie over what holds it up), or when something beside it stands in the way."""
    xy = np.asarray(xy, dtype=float)
    outline = footprint_at(held, xy)
    carried = {o.name for o in inside(held, others, shape)}
    under = [(o, part, top) for o in others.values() if o.name not in carried
             for part, top in outlines(o, shape) if part.intersects(outline)]
    level = max((top for _, _, top in under), default=0.0)
    holders = [(o, part) for o, part, top in under if top > level - FLAT_TOLERANCE]
    support = target
    if holders:
        support = target or max((o for o, _ in holders), key=lambda o: o.top)
        _refuse_unsteady(held, xy, outline, holders, support, target is None, others, shape)
    placement = Placement(xy, level, support)
    problem = _room_problem(held, placement, others, shape)
    if problem is not None:
        raise NoRoom(problem[0])
    return placement


def _refuse_unsteady(held: ObjectInfo, xy, outline: Polygon, holders, support: ObjectInfo,
                     at_spot: bool, others, shape: BowlShape) -> None:
    """A resting bowl stands on what it was put on, level, its centre over what holds it up;
    put at a spot, it stands there only centred on what is there (else it would overhang)."""
    highest = max((o for o, _ in holders), key=lambda o: o.top)
    if support.name not in {o.name for o, _ in holders}:
        raise NoRoom(f"the {held.name} would rest on the {highest.name}, which stands "
                     f"{100 * (highest.top - support.top):.1f} cm higher than the {support.name}")
    off = float(np.linalg.norm(xy - highest.position[:2]))
    if at_spot and off > CENTRED:
        if not highest.footprint.contains(Point(*xy)):
            raise NoRoom(_room_problem(held, Placement(xy, 0.0), others, shape)[0])
        needed = _room_needed(held, Placement(xy, 0.0), highest)
        raise NoRoom(f"the spot {_xy(xy)} is on the {highest.name}, {100 * off:.1f} cm from its "
                     f"centre: a {held.kind} there would overhang it (on the table it needs "
                     f"{100 * needed:.1f} cm of room from the {highest.name}'s centre)")
    if not _holds_centre(xy, outline, holders):
        names = " and ".join(dict.fromkeys(f"the {o.name}" for o, _ in holders))
        raise NoRoom(f"the {held.name} would rest on {names} alone, its centre beyond what "
                     "holds it: it would tip over")


def _holds_centre(xy, outline: Polygon, holders) -> bool:
    """Whether what holds a resting bowl up surrounds its centre, with a margin."""
    contact = MultiPoint([p for _, part in holders
                          for p in _points(part.intersection(outline))]).convex_hull
    return contact.buffer(-REST_MARGIN).contains(Point(*xy))


def _at_spot(held: ObjectInfo, xy: np.ndarray, others, shape: BowlShape) -> list[Placement]:
    """A spot on the table, on the block whose top it falls on, or in the bowl it falls in."""
    if held.kind == "bowl":
        return [rest_bowl(held, xy, others, shape)]
    under = [(o, top) for o in others.values() for part, top in outlines(o, shape)
             if part.contains(Point(*xy))]
    if not under:
        return _with_room(held, [Placement(xy, 0.0, None, t) for t in TURNS], others, shape)
    support, top = max(under, key=lambda u: u[1])
    if support.kind == "bowl":
        if top < support.top:  # the spot lies over its floor
            return _into_bowl(held, support, others, shape)
        raise NoRoom(f"the spot {_xy(xy)} is on the rim of the {support.name}, "
                     f"{100 * np.linalg.norm(xy - support.position[:2]):.1f} cm from its centre; "
                     "a block there would tip over")
    return _with_room(held, [Placement(xy, top, support, t) for t in TURNS], others, shape)


def _with_room(held: ObjectInfo, candidates: list[Placement], others, shape: BowlShape
               ) -> list[Placement]:
    """The candidates with room; NoRoom naming what is in the way of the first when none has."""
    problems = [_room_problem(held, p, others, shape) for p in candidates]
    fits = [p for p, problem in zip(candidates, problems) if problem is None]
    if not fits:
        turned = ", turned any way" if len(candidates) > 1 else ""
        raise NoRoom(problems[0][0] + turned)
    return fits


def _room_problem(held: ObjectInfo, placement: Placement, others: dict[str, ObjectInfo],
                  shape: BowlShape) -> tuple[str, ObjectInfo] | None:
    """What the held object, set down here, would touch besides its support (not what stands
    lower than the surface under it, nor what a held bowl carries), and how much room it needs."""
    outline = footprint_at(held, placement.xy, MARGIN, placement.turn)
    support = placement.support.name if placement.support else None
    carried = {o.name for o in inside(held, others, shape)} if held.kind == "bowl" else set()
    for other in others.values():
        if other.name in (support, *carried) or other.top <= placement.surface_z + 1e-3:
            continue
        if outline.intersects(other.footprint):
            gap = float(np.linalg.norm(placement.xy - other.position[:2]))
            needed = _room_needed(held, placement, other)
            return (f"the spot {placement.describe()} is {100 * gap:.1f} cm from the "
                    f"{other.name}; a {held.kind} needs {100 * needed:.1f} cm of room there",
                    other)
    return None


def _room_needed(held: ObjectInfo, placement: Placement, other: ObjectInfo) -> float:
    """How far from the other object's centre the held one must be, along the same line."""
    direction = placement.xy - other.position[:2]
    norm = float(np.linalg.norm(direction))
    direction = direction / norm if norm > 1e-9 else np.array([1.0, 0.0])
    low, high = 0.0, 0.5
    for _ in range(20):
        middle = (low + high) / 2
        spot = other.position[:2] + middle * direction
        if footprint_at(held, spot, MARGIN, placement.turn).intersects(other.footprint):
            low = middle
        else:
            high = middle
    return high


def _advice(held: ObjectInfo, target, others, shape: BowlShape, area) -> str:
    """Advice the planner accepts: what the spot falls on, or what covers the target, or
    another bowl, as the target; and the nearest free spot."""
    if isinstance(target, ObjectInfo):
        near = target.position[:2]
        options = resting_on(target, others, shape)
        if target.kind == "bowl":
            options += [o for o in others.values() if o.kind == "bowl" and o is not target]
    else:
        near = np.asarray(target, dtype=float)[:2]
        options = [o for o in others.values() for part, _ in outlines(o, shape)
                   if part.contains(Point(*near))]
    advice = [f"use '{o.name}' as the target"
              for o in options if _accepted(held, o, others, shape)][:1]
    spot = nearest_free_spot(held, near, others, shape, area)
    if spot is not None:
        advice.append(f"the nearest free spot is {_xy(spot)}, "
                      f"{100 * np.linalg.norm(spot - near):.1f} cm away")
    return "; " + ", or ".join(advice) if advice else "; move something out of the way first"


def nearest_free_spot(held: ObjectInfo, xy, others, shape: BowlShape,
                      area: Polygon | None = None) -> np.ndarray | None:
    """The nearest bare table spot (within ADVICE_REACH and `area`, in 1 cm steps) the
    planner would set the held object on."""
    xy = np.asarray(xy, dtype=float)[:2]
    taken = [part for o in others.values() for part, _ in outlines(o, shape)]
    for radius in np.arange(0.01, ADVICE_REACH + 1e-9, 0.01):
        count = max(8, int(2 * np.pi * radius / 0.01))
        for angle in np.linspace(0, 2 * np.pi, count, endpoint=False):
            spot = xy + radius * np.array([np.cos(angle), np.sin(angle)])
            if area is not None and not area.contains(Point(*spot)):
                continue
            outline = footprint_at(held, spot)
            if not any(outline.intersects(part) for part in taken) and \
                    _accepted(held, spot, others, shape):
                return spot
    return None


def _accepted(held: ObjectInfo, target, others, shape: BowlShape) -> bool:
    try:
        _plan(held, target, others, shape)
    except PolicyError:
        return False
    return True


def _lies_flat(block: ObjectInfo, others: dict[str, ObjectInfo], shape: BowlShape) -> bool:
    """Whether the block rests flat: its bottom on the table, on a bowl's floor, or on the
    top of what is under it (a tilted block's bottom is at none of these heights)."""
    centre = Point(*block.position[:2])
    levels = [0.0] + [top for o in others.values() if o.name != block.name
                      for part, top in outlines(o, shape) if part.contains(centre)]
    return any(abs(block.bottom - level) < FLAT_TOLERANCE for level in levels)


def _floor_disc(bowl: ObjectInfo, shape: BowlShape, grow: float = 0.0) -> Polygon:
    return Point(*bowl.position[:2]).buffer(bowl.size[0] / 2 - shape.wall + grow, quad_segs=16)


def _nearest_first(count: int) -> list[int]:
    """0, 1, -1, 2, -2, ... as steps around a circle of `count`."""
    return sorted(range(count), key=lambda k: abs((k + count // 2) % count - count // 2))


def _quarter(angle: float) -> float:
    """The same turn of a cube, in [-pi/4, pi/4)."""
    return float((angle + np.pi / 4) % (np.pi / 2) - np.pi / 4)


def _points(geometry) -> list[tuple[float, float]]:
    if geometry.is_empty:
        return []
    if hasattr(geometry, "geoms"):
        return [p for g in geometry.geoms for p in _points(g)]
    if hasattr(geometry, "exterior"):
        return list(geometry.exterior.coords)
    return list(geometry.coords)


def _xy(xy) -> str:
    return f"[{xy[0]:.3f}, {xy[1]:.3f}]"
