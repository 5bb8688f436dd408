"""Pick-and-place with a parallel gripper, written against the Arm interface only."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import Polygon

from robots.arm import Arm
from robots.errors import GraspError, UnreachableError

TRAVEL_CLEARANCE = 0.1  # metres above the higher of the pick and place points
MIN_TRAVEL_HEIGHT = 0.15
RELEASE_GAP = 0.008  # the held object is let go this far above its resting height


@dataclass(frozen=True)
class GraspTarget:
    """What to pick: where the tool closes, how it is turned, and the object's geometry."""

    tool_position: np.ndarray  # xyz where the fingertips close
    yaw: float
    hang: float  # how far the object's bottom hangs below the tool point once held
    offset: np.ndarray  # object centre minus tool point, xy, kept while carried


FINGER_OPEN = 0.04  # how far a finger's inner face is from the tool centre when open
FINGER_REACH = 0.06  # and its outer face
FINGER_HALF_WIDTH = 0.01


def finger_yaw(yaw: float) -> float:
    """Two fingers look the same every half turn: the equivalent yaw in [-3pi/4, pi/4),
    the range this wrist reaches best."""
    return float((yaw + 3 * np.pi / 4) % np.pi - 3 * np.pi / 4)


def finger_axis(yaw: float) -> np.ndarray:
    """The direction the fingers close along, in the table plane, for a tool turned by `yaw`."""
    return np.array([-np.sin(yaw), np.cos(yaw)])


def block_grasps(center, yaw: float, size: float) -> list[GraspTarget]:
    """The two ways to grip a cube from above: across either pair of faces."""
    center = np.asarray(center, dtype=float)
    return [GraspTarget(center.copy(), finger_yaw(yaw + turn), size / 2, np.zeros(2))
            for turn in (0.0, np.pi / 2)]


def bowl_grasps(center, radius: float, wall: float, height: float,
                depth: float = 0.015) -> list[GraspTarget]:
    """Grips on the bowl's wall, fingers straddling it, at four points around the rim."""
    center = np.asarray(center, dtype=float)
    top = center[2] + height / 2
    grasps = []
    for yaw in (0.0, np.pi / 2):
        for side in (1.0, -1.0):
            rim = center[:2] + side * (radius - wall / 2) * finger_axis(yaw)
            tool = np.array([rim[0], rim[1], top - depth])
            grasps.append(GraspTarget(tool, finger_yaw(yaw), tool[2] - (center[2] - height / 2),
                                      center[:2] - rim))
    return grasps


def finger_pads(tool_xy, yaw: float, opening: float = FINGER_OPEN) -> list[Polygon]:
    """Footprints of the two open fingers: 2 cm pads from `opening` (4 cm when fully open)
    to 2 cm beyond, either side of the tool."""
    axis = finger_axis(yaw)
    across = np.array([-axis[1], axis[0]])
    pads = []
    for side in (1.0, -1.0):
        near = side * opening * axis
        far = side * (opening + FINGER_REACH - FINGER_OPEN) * axis
        corners = [near + across * FINGER_HALF_WIDTH, far + across * FINGER_HALF_WIDTH,
                   far - across * FINGER_HALF_WIDTH, near - across * FINGER_HALF_WIDTH]
        pads.append(Polygon([tuple(np.asarray(tool_xy)[:2] + c) for c in corners]))
    return pads


def clearance(grasp: GraspTarget, obstacles: list[Polygon], at=None,
              opening: float = FINGER_OPEN) -> float:
    """How far the open fingers (at the grasp, or with the tool at `at`) stay from the
    obstacles' footprints; negative when they would overlap one (the deeper, the lower)."""
    tool = grasp.tool_position[:2] if at is None else np.asarray(at)[:2]
    best = np.inf
    for pad in finger_pads(tool, grasp.yaw, opening):
        for obstacle in obstacles:
            gap = pad.distance(obstacle)
            if gap == 0.0:
                gap = -float(np.sqrt(pad.intersection(obstacle).area))
            best = min(best, gap)
    return best


def place_tool_position(grasp: GraspTarget, place_center_xy, surface_z: float) -> np.ndarray:
    """Where the tool must be to set the held object down centred on `place_center_xy`."""
    xy = np.asarray(place_center_xy, dtype=float)[:2] - grasp.offset
    return np.array([*xy, surface_z + grasp.hang + RELEASE_GAP])


def travel_height(pick, place) -> float:
    return max(MIN_TRAVEL_HEIGHT, pick[2] + TRAVEL_CLEARANCE, place[2] + TRAVEL_CLEARANCE)


def _feasible(arm: Arm, grasp: GraspTarget, place_center_xy, surface_z: float) -> bool:
    """Whether the arm can go straight down to the pick point and to the place point."""
    pick = grasp.tool_position
    place = place_tool_position(grasp, place_center_xy, surface_z)
    travel = travel_height(pick, place)
    return all(arm.reachable([[*point[:2], travel], point], grasp.yaw) for point in (pick, place))


def choose_grasp(arm: Arm, grasps: list[GraspTarget], obstacles, place_center_xy,
                 surface_z: float, place_obstacles=None,
                 release_width: float | None = None) -> GraspTarget:
    """The grasp, feasible at both ends, whose fingers land farthest from other objects when
    they open at the pick and at the place (to `release_width` there, when given)."""
    opening = FINGER_OPEN if release_width is None else release_width / 2
    reachable = [g for g in grasps if _feasible(arm, g, place_center_xy, surface_z)]
    if not reachable:
        raise UnreachableError("no way to grip the object lets the arm reach both it and the "
                               "target; choose a target nearer the middle of the table")
    place_obstacles = obstacles if place_obstacles is None else place_obstacles

    def margin(g: GraspTarget) -> float:
        place = place_tool_position(g, place_center_xy, surface_z)
        return min(clearance(g, obstacles), clearance(g, place_obstacles, at=place,
                                                      opening=opening))
    return max(reachable, key=margin)


def pick_and_place(arm: Arm, grasp: GraspTarget, place_center_xy, place_surface_z: float,
                   speed: float | None = None, release_width: float | None = None) -> None:
    """Pick per `grasp` and set the object down centred on `place_center_xy` at height
    `surface_z`, letting go by opening the fingers to `release_width` (default: fully).

    Raises GraspError when the gripper closes on nothing or the object slips while carried.
    """
    pick = grasp.tool_position
    place = place_tool_position(grasp, place_center_xy, place_surface_z)
    travel = travel_height(pick, place)
    start = arm.ee_pose().position
    rise = [[*start[:2], travel]] if start[2] < travel else []  # never sweep low across objects
    arm.open_gripper()
    arm.move_path([*rise, [*pick[:2], travel], pick], yaw=grasp.yaw, speed=speed)
    if not arm.close_gripper():
        arm.move_to([*pick[:2], travel], yaw=grasp.yaw, speed=speed)
        raise GraspError("the gripper closed on nothing; the object may have moved: "
                         "look again (get_obj_pos) and retry")
    arm.move_path([[*pick[:2], travel], [*place[:2], travel]], yaw=grasp.yaw, speed=speed)
    if not arm.holding():
        raise GraspError("the object slipped out of the gripper while carried")
    arm.move_to(place, yaw=grasp.yaw, speed=speed)
    arm.open_gripper(release_width)
    arm.move_to([*place[:2], travel], yaw=grasp.yaw, speed=speed)
