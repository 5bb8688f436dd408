"""Pick-and-place with a parallel gripper, written against the Arm interface only."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import Polygon

from robots.arm import Arm
from robots.errors import EmptyGrasp, GraspError

TRAVEL_CLEARANCE = 0.1  # metres above the higher of the pick and place points
MIN_TRAVEL_HEIGHT = 0.15
RELEASE_GAP = 0.008  # the held object is let go this far above its resting height
GRIP_ROOM = 0.004  # the fingers open this far beyond each side of what they take
RELEASE_ROOM = 0.006  # and this far to let go of it


@dataclass(frozen=True)
class GripperShape:
    """The open gripper seen from above, as far as it reaches into an obstacle of a given
    height: the fingers widen toward the hand, and the hand only meets what stands taller than
    its underside. The defaults are the simulated Panda's collision shapes, measured by
    contact with boxes of each height."""

    finger_open: float = 0.04  # how far a finger's inner face can move from the centre
    # (an obstacle's top above the tool point, how far a finger reaches beyond its inner face
    # into it, and its half width across), from the fingertip up
    finger_profile: tuple[tuple[float, float, float], ...] = (
        (-0.0082, 0.0143, 0.0052), (-0.004, 0.0161, 0.0096), (0.0, 0.0174, 0.0100),
        (0.008, 0.0199, 0.0104), (0.016, 0.0224, 0.0108), (0.025, 0.0252, 0.0113),
        (0.030, 0.0263, 0.0115), (0.050, 0.0274, 0.0115))
    # (an obstacle's top above the tool point, the hand's half length along the finger axis
    # and half width across it, as far down as that)
    hand_profile: tuple[tuple[float, float, float], ...] = (
        (0.039, 0.0951, 0.0170), (0.045, 0.0999, 0.0189), (0.050, 0.1015, 0.0201),
        (0.100, 0.1050, 0.0326))

    def outline(self, tool, yaw: float, opening: float, top: float) -> list[Polygon]:
        """What of the gripper (tool at `tool`, turned by `yaw`, each finger `opening` from
        the centre) an obstacle standing `top` high can touch, seen from above."""
        above = top - tool[2]
        heights, reaches, widths = np.array(self.finger_profile).T
        if above <= heights[0]:
            return []
        opening = min(opening, self.finger_open)
        reach = float(np.interp(above, heights, reaches))
        angle = yaw + np.pi / 2  # the fingers close along finger_axis(yaw)
        w = float(np.interp(above, heights, widths))
        parts = [_rectangle(tool, angle, opening, opening + reach, w),
                 _rectangle(tool, angle, -opening - reach, -opening, w)]
        heights, lengths, widths = np.array(self.hand_profile).T
        if above > heights[0]:
            length = float(np.interp(above, heights, lengths))
            parts.append(_rectangle(tool, angle, -length, length,
                                    float(np.interp(above, heights, widths))))
        return parts


def _rectangle(centre, angle: float, start: float, end: float, half_width: float) -> Polygon:
    """The rectangle from `start` to `end` along the direction `angle` through `centre`,
    `half_width` to either side."""
    along = np.array([np.cos(angle), np.sin(angle)])
    across = np.array([-along[1], along[0]])
    corners = [start * along - half_width * across, end * along - half_width * across,
               end * along + half_width * across, start * along + half_width * across]
    return Polygon(np.array(corners) + np.asarray(centre)[:2])


PANDA_HAND = GripperShape()


@dataclass(frozen=True)
class Obstacle:
    """Something the gripper must not touch: its outline from above and how high it stands."""

    shape: Polygon
    top: float


def clearance(tool, yaw: float, opening: float, obstacles: list[Obstacle],
              hand: GripperShape = PANDA_HAND) -> float:
    """How far the open gripper (tool at `tool`) stays from the obstacles; negative when it
    would overlap one (the deeper, the lower)."""
    best = np.inf
    for obstacle in obstacles:
        for part in hand.outline(tool, yaw, opening, obstacle.top):
            gap = part.distance(obstacle.shape)
            if gap == 0.0:
                gap = -float(np.sqrt(part.intersection(obstacle.shape).area))
            best = min(best, gap)
    return best


@dataclass(frozen=True)
class GraspTarget:
    """What to pick: where the tool closes, how it is turned, the width the fingers close on
    (a block's, a bowl wall's), and the object's geometry."""

    tool_position: np.ndarray  # xyz where the fingertips close
    yaw: float
    hang: float  # how far the object's bottom hangs below the tool point once held
    offset: np.ndarray  # object centre minus tool point, xy, kept while carried
    grip: float
    room: float = GRIP_ROOM  # the fingers open this far beyond each side on the way down

    @property
    def width(self) -> float:
        """How wide the fingers open on the way down to it."""
        return self.grip + 2 * self.room

    def clearance(self, obstacles: list[Obstacle], hand: GripperShape = PANDA_HAND) -> float:
        return clearance(self.tool_position, self.yaw, self.width / 2, obstacles, hand)


def finger_yaw(yaw: float) -> float:
    """Two fingers look the same every half turn: the equivalent yaw in [-3pi/4, pi/4),
    the range this wrist reaches best."""
    return float((yaw + 3 * np.pi / 4) % np.pi - 3 * np.pi / 4)


def finger_axis(yaw: float) -> np.ndarray:
    """The direction the fingers close along, in the table plane, for a tool turned by `yaw`."""
    return np.array([-np.sin(yaw), np.cos(yaw)])


def block_grasps(center, yaw: float, size: float) -> list[GraspTarget]:
    """The two ways to grip a cube from above: across either pair of faces, at its middle
    (gripped higher, a carried block swung about the fingers and landed tilted)."""
    center = np.asarray(center, dtype=float)
    return [GraspTarget(center.copy(), finger_yaw(yaw + turn), size / 2, np.zeros(2), size)
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
                                      center[:2] - rim, wall))
    return grasps


@dataclass(frozen=True)
class Move:
    """One pick-and-place: the grasp, and where and how turned the tool lets go."""

    grasp: GraspTarget
    place: np.ndarray  # tool xyz at the release
    place_yaw: float

    @property
    def travel(self) -> float:
        return travel_height(self.grasp.tool_position, self.place)

    @property
    def release_width(self) -> float:
        return self.grasp.grip + 2 * RELEASE_ROOM

    def release_clearance(self, obstacles: list[Obstacle],
                          hand: GripperShape = PANDA_HAND) -> float:
        """How far the fingers opened to let go stay from the obstacles around the place."""
        return clearance(self.place, self.place_yaw, self.release_width / 2, obstacles, hand)

    def feasible(self, arm: Arm) -> bool:
        """Whether the arm can go straight down to the pick point and to the place point."""
        pick, place = self.grasp.tool_position, self.place
        return (arm.reachable([[*pick[:2], self.travel], pick], self.grasp.yaw)
                and arm.reachable([[*place[:2], self.travel], place], self.place_yaw))


def plan_move(grasp: GraspTarget, center_xy, surface_z: float, turn: float = 0.0) -> Move:
    """The move that sets the held object down centred on `center_xy` at height `surface_z`,
    turned by `turn` about its centre (the wrist turns while carrying it)."""
    c, s = np.cos(turn), np.sin(turn)
    offset = np.array([[c, -s], [s, c]]) @ grasp.offset
    xy = np.asarray(center_xy, dtype=float)[:2] - offset
    place = np.array([*xy, surface_z + grasp.hang + RELEASE_GAP])
    return Move(grasp, place, finger_yaw(grasp.yaw + turn))


def travel_height(pick, place) -> float:
    return max(MIN_TRAVEL_HEIGHT, pick[2] + TRAVEL_CLEARANCE, place[2] + TRAVEL_CLEARANCE)


def pick_and_place(arm: Arm, move: Move, speed: float | None = None) -> None:
    """Pick per the move's grasp, turn the wrist on the way if the move turns the object, set
    it down and let go by opening the fingers to the move's release width.

    Raises EmptyGrasp when the gripper closes on nothing, GraspError when the object slips
    while carried.
    """
    grasp, pick, place, travel = move.grasp, move.grasp.tool_position, move.place, move.travel
    start = arm.ee_pose().position
    rise = [[*start[:2], travel]] if start[2] < travel else []  # never sweep low across objects
    arm.open_gripper(grasp.width)
    arm.move_path([*rise, [*pick[:2], travel], pick], yaw=grasp.yaw, speed=speed)
    if not arm.close_gripper():
        arm.move_to([*pick[:2], travel], yaw=grasp.yaw, speed=speed)
        raise EmptyGrasp("the gripper closed on nothing; the object may have moved: "
                         "look again (get_obj_pos) and retry")
    if abs(move.place_yaw - grasp.yaw) > 1e-6:  # rise first, then turn the wrist up there
        arm.move_to([*pick[:2], travel], yaw=grasp.yaw, speed=speed)
    arm.move_path([[*pick[:2], travel], [*place[:2], travel]], yaw=move.place_yaw, speed=speed)
    if not arm.holding():
        raise GraspError("the object slipped out of the gripper while carried")
    arm.move_to(place, yaw=move.place_yaw, speed=speed)
    arm.open_gripper(move.release_width)
    arm.move_to([*place[:2], travel], yaw=move.place_yaw, speed=speed)
