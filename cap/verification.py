"""Whether a placed object got where it was planned: a fresh look compared with the plan.

Position, support and height are checked; a miss is a PlacementError that names what
happened (a move that did not happen is an error, never a success).
"""
from __future__ import annotations

import numpy as np

from cap.errors import PlacementError
from cap.placement import BowlShape, Placement
from perception.objects import ObjectInfo

POSITION_TOLERANCE = 0.025  # how far a placed block may rest from its target (measured: see README)
BOWL_POSITION_TOLERANCE = 0.035
# another object: its centre is its outline's as seen, which shifts as it settles and turns in
# the fingers (the object tasks' checks allow 5 cm)
OBJECT_POSITION_TOLERANCE = 0.04
HEIGHT_TOLERANCE = 0.015
SUPPORT_PUSHED = 0.015  # a support that moved further than this was knocked by the place
IN_BOWL_SLACK = 0.005  # a block leaning on the wall inside still counts as in the bowl


def verify(held: ObjectInfo, placement: Placement, seen: dict[str, ObjectInfo],
           shape: BowlShape) -> None:
    """PlacementError unless the object rests where it was meant to, on what it was meant
    to (which has not been pushed away), level."""
    now = seen.get(held.name)
    if now is None or not now.visible:
        raise PlacementError(f"the {held.name} is not where it was put: the camera cannot "
                             "find it (it may have fallen off or be hidden); look again")
    support = placement.support
    if support is not None:
        _check_not_pushed(held, now, support, seen.get(support.name, support))
    expected_z = placement.surface_z + held.size[2] / 2
    on = f"the {support.name}" if support else "the table"
    if held.kind == "bowl":
        if abs(now.position[2] - expected_z) > HEIGHT_TOLERANCE:
            raise PlacementError(f"the {held.name} did not come to rest level on {on}: its "
                                 f"centre is at {_xyz(now)}, {100 * expected_z:.1f} cm high was "
                                 "planned; it may have tipped over")
        _check_position(held, now, placement, BOWL_POSITION_TOLERANCE)
        return
    if support is not None and support.kind == "bowl":
        reach = support.size[0] / 2 - shape.wall - held.size[0] / 2 + IN_BOWL_SLACK
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
        raise PlacementError(f"the {held.name} landed {under} at {_xyz(now)}, not on {on}")
    _check_position(held, now, placement, POSITION_TOLERANCE if held.kind == "block"
                    else OBJECT_POSITION_TOLERANCE)


def _check_not_pushed(held: ObjectInfo, now: ObjectInfo, planned: ObjectInfo,
                      seen: ObjectInfo) -> None:
    pushed = float(np.linalg.norm(seen.position[:2] - planned.position[:2]))
    if pushed > SUPPORT_PUSHED:
        raise PlacementError(f"the {planned.name} was pushed {100 * pushed:.1f} cm while the "
                             f"{held.name} was put on it; the {held.name} rests at {_xyz(now)}")


def _check_position(held: ObjectInfo, now: ObjectInfo, placement: Placement,
                    tolerance: float) -> None:
    error = float(np.linalg.norm(now.position[:2] - placement.xy))
    if error > tolerance:
        raise PlacementError(f"the {held.name} landed {100 * error:.1f} cm from the target "
                             f"{placement.describe()}")


def _xyz(info: ObjectInfo) -> str:
    return "[" + ", ".join(f"{v:.3f}" for v in info.position) + "]"
