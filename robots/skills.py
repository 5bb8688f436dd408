"""Pick-and-place with a parallel gripper, written against the Arm interface only."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from robots.arm import Arm
from robots.errors import GraspError

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


def block_yaw(yaw: float) -> float:
    """A cube looks the same every quarter turn: the equivalent yaw in [-pi/4, pi/4)."""
    return float((yaw + np.pi / 4) % (np.pi / 2) - np.pi / 4)


def grasp_block(center, yaw: float, size: float) -> GraspTarget:
    center = np.asarray(center, dtype=float)
    return GraspTarget(center.copy(), block_yaw(yaw), size / 2, np.zeros(2))


def grasp_bowl(center, radius: float, wall: float, height: float, depth: float = 0.015,
               finger_yaw: float = 0.0) -> GraspTarget:
    """Grip the bowl's wall with the fingers straddling it, on the side the fingers close along."""
    center = np.asarray(center, dtype=float)
    axis = np.array([-np.sin(finger_yaw), np.cos(finger_yaw)])  # the fingers' closing direction
    rim = center[:2] + (radius - wall / 2) * axis
    top = center[2] + height / 2
    tool = np.array([rim[0], rim[1], top - depth])
    return GraspTarget(tool, finger_yaw, tool[2] - (center[2] - height / 2), center[:2] - rim)


def pick_and_place(arm: Arm, grasp: GraspTarget, place_center_xy, place_surface_z: float,
                   speed: float | None = None) -> None:
    """Pick per `grasp` and set the object down centred on `place_center_xy` at height `surface_z`.

    Raises GraspError when the gripper closes on nothing or the object slips while carried.
    """
    pick = grasp.tool_position
    place_xy = np.asarray(place_center_xy, dtype=float)[:2] - grasp.offset
    place = np.array([*place_xy, place_surface_z + grasp.hang + RELEASE_GAP])
    travel = max(MIN_TRAVEL_HEIGHT, pick[2] + TRAVEL_CLEARANCE, place[2] + TRAVEL_CLEARANCE)
    start = arm.ee_pose().position
    arm.open_gripper()
    arm.move_path([[*start[:2], max(start[2], travel)], [*pick[:2], travel], pick],
                  yaw=grasp.yaw, speed=speed)
    if not arm.close_gripper():
        arm.move_to([*pick[:2], travel], yaw=grasp.yaw, speed=speed)
        raise GraspError("the gripper closed on nothing; the object may have moved: "
                         "look again (get_obj_pos) and retry")
    arm.move_path([[*pick[:2], travel], [*place[:2], travel]], yaw=grasp.yaw, speed=speed)
    if not arm.holding():
        raise GraspError("the object slipped out of the gripper while carried")
    arm.move_to(place, yaw=grasp.yaw, speed=speed)
    arm.open_gripper()
    arm.move_to([*place[:2], travel], yaw=grasp.yaw, speed=speed)
