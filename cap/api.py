"""The policy API: the functions generated programs call (names are a contract, see DESIGN.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from shapely.geometry import box

from cap.errors import NoRoom, PolicyError
from cap.grasping import SAFE_CLEARANCE, Crowded, choose_move, object_grasps
from cap.placement import BowlShape, Placement, inside, plan_placements, resting_on
from cap.verification import verify
from perception.objects import ObjectInfo, Perceiver
from robots.arm import Arm
from robots.errors import EmptyGrasp
from robots.skills import PANDA_HAND, GraspTarget, GripperShape, block_grasps, bowl_grasps
from robots.skills import pick_and_place
from robots.workspace import PLACES_NORMALIZED, Workspace, as_position


@dataclass(frozen=True)
class GraspConfig:
    """Object and gripper geometry the planner assumes where perception cannot measure it."""

    bowl: BowlShape = field(default_factory=BowlShape)
    bowl_grip_depth: float = 0.015
    hand: GripperShape = PANDA_HAND


@dataclass
class PolicyAPI:
    """Binds the policy API to one arm, one perception source and one workspace."""

    arm: Arm
    perceiver: Perceiver
    workspace: Workspace
    grasp: GraspConfig = field(default_factory=GraspConfig)
    on_say: Callable[[str], None] | None = None
    said: list[str] = field(default_factory=list)
    motions: int = 0

    # --- perception ------------------------------------------------------------------------
    def get_obj_names(self) -> list[str]:
        try:
            return self.perceiver.names()
        except (LookupError, ValueError) as error:  # the vision model's answer was unusable
            raise PolicyError(str(error)) from None

    def get_obj_pos(self, name: str) -> np.ndarray:
        """Centre of an object, or of a named place ("top left corner", "middle", ...)."""
        key = _name(name)
        if key in PLACES_NORMALIZED:
            return np.array([*self.workspace.place(key), 0.0])
        return self._object(key).position.copy()

    def get_bbox(self, name: str) -> tuple[float, float, float, float]:
        return self._object(_name(name)).bbox

    def get_color(self, name: str) -> str:
        return self._object(_name(name)).color

    def is_obj_visible(self, name: str) -> bool:
        try:
            self._object(_name(name))
        except PolicyError:
            return False
        return True

    def _object(self, name: str, objects: dict[str, ObjectInfo] | None = None) -> ObjectInfo:
        objects = self.perceiver.look() if objects is None else objects
        if name in objects:
            return objects[name]
        try:
            found = self.perceiver.find(name)
        except (LookupError, ValueError) as error:  # not found, or an unusable answer
            raise PolicyError(f"no object named {name!r}: {error}") from None
        if found is None:
            visible = ", ".join(objects) or "none"
            raise PolicyError(f"no object named {name!r}; visible objects: {visible}")
        return found

    # --- places ----------------------------------------------------------------------------
    def denormalize_xy(self, xy) -> np.ndarray:
        return self.workspace.denormalize_xy(xy)

    def get_corner_name(self, pos) -> str:
        return self.workspace.corner_name(pos)

    def get_side_name(self, pos) -> str:
        return self.workspace.side_name(pos)

    # --- actions ---------------------------------------------------------------------------
    def put_first_on_second(self, obj: str, target) -> None:
        """Pick object `obj` and put it on/in `target`: an object, a named place or a position."""
        try:
            self._put(_name(obj), target, make_room=True, retry=True)
        except Crowded as crowded:  # its class stays here: errors cross the sandbox by name
            raise NoRoom(str(crowded)) from None

    def _put(self, name: str, target, make_room: bool, retry: bool = False) -> None:
        held = self._object(name)  # names first: a vision model may name objects now
        goal = self._target(target, held)
        objects = self.perceiver.look()  # look again right before the grasp
        held = objects.get(held.name, held)
        if isinstance(goal, ObjectInfo):
            goal = objects.get(goal.name, goal)
        others = {n: o for n, o in objects.items() if n != held.name}
        above = resting_on(held, others, self.grasp.bowl)
        if above:
            raise PolicyError(f"the {held.name} is under the {above[0].name}; move the "
                              f"{above[0].name} first")
        table = box(*self.workspace.low, self.workspace.x_max, self.workspace.y_max)
        placements = plan_placements(held, goal, others, self.grasp.bowl, table)
        self.motions += 1
        try:
            chosen = choose_move(self.arm, held, self._grasps(held), placements, others,
                                 self.grasp.bowl, self.grasp.hand)
        except Crowded as crowded:
            if not (make_room and self._make_room(held, crowded, others)):
                raise
            return self._put(name, target, make_room=False, retry=retry)
        carried = inside(held, others, self.grasp.bowl) if held.kind == "bowl" else []
        try:
            pick_and_place(self.arm, chosen.move)
        except EmptyGrasp:
            if not retry:
                raise
            self._look_again(held)
            return self._put(name, target, make_room, retry=False)
        self._expect(held, carried, chosen.placement)
        self._verify(held, chosen.placement)

    def _look_again(self, held: ObjectInfo) -> None:
        """After fingers closed on nothing (the object tipped or slid as they came down): the
        arm out of the camera's view, so the next look finds where the object went."""
        self.say(f"the {held.name} moved as I reached for it; I am looking again")
        self.arm.home()

    def _make_room(self, held: ObjectInfo, crowded: Crowded, others) -> bool:
        """Move what the fingers would touch when gripping the held object straight away from
        it, just far enough, and say so; False when that cannot be done (nothing moved)."""
        blocker = crowded.blocker
        if not crowded.at_pick or blocker is None or \
                held in inside(blocker, others, self.grasp.bowl):
            return False
        away = blocker.position[:2] - held.position[:2]
        away = away / max(float(np.linalg.norm(away)), 1e-9)
        for shift in crowded.depth + SAFE_CLEARANCE + np.arange(0.002, 0.05, 0.01):
            spot = blocker.position[:2] + shift * away
            if not self.workspace.contains(spot):
                break
            try:
                self._put(blocker.name, spot, make_room=False)
            except PolicyError:  # refused before anything moved: try a little farther
                continue
            self.say(f"I moved the {blocker.name} {100 * shift:.0f} cm aside to make room "
                     f"for the fingers around the {held.name}")
            return True
        return False

    def _expect(self, held: ObjectInfo, carried: list[ObjectInfo], placement: Placement) -> None:
        """Tell perception where the object (and what a bowl carries) now is."""
        centre = placement.center(held)
        self.perceiver.expect(held.name, centre, held.yaw + placement.turn)
        for other in carried:
            self.perceiver.expect(other.name, other.position + centre - held.position)

    def _target(self, target, held: ObjectInfo) -> ObjectInfo | np.ndarray:
        """The object to put it on or in, or the xy spot (named places included)."""
        if isinstance(target, str):
            key = _name(target)
            if key == held.name:
                raise PolicyError(f"cannot put {held.name!r} on itself")
            if key in PLACES_NORMALIZED:
                return self.workspace.place(key)
            return self._object(key)
        position = _position(target, "target")
        if not self.workspace.contains(position):
            raise PolicyError(f"target {np.round(position, 3).tolist()} is off the table; "
                              "use denormalize_xy or a named place for positions")
        return position[:2]

    def _verify(self, held: ObjectInfo, placement: Placement) -> None:
        """Look where the object was put; PlacementError when it is not there. An arm in the
        camera's way goes home first."""
        seen = self.perceiver.look()
        if not seen.get(held.name, held).visible:
            self.arm.home()
            seen = self.perceiver.look()
        verify(held, placement, seen, self.grasp.bowl)

    def _grasps(self, info: ObjectInfo) -> list[GraspTarget]:
        if info.kind == "bowl":
            return bowl_grasps(info.position, info.size[0] / 2, self.grasp.bowl.wall,
                               info.size[2], self.grasp.bowl_grip_depth)
        if info.kind == "block":
            return block_grasps(info.position, info.yaw, info.size[2])
        return object_grasps(info, self.grasp.hand)

    def goto_pos(self, pos) -> None:
        """Move the gripper to a position; an xy position keeps the current height."""
        position = _position(pos, "position")
        if position.shape == (2,):
            position = np.array([*position, self.arm.ee_pose().position[2]])
        self.motions += 1
        self.arm.move_to(position)

    def follow_traj(self, points) -> None:
        """Move the gripper through a sequence of positions (each xy or xyz)."""
        if len(points) > MAX_TRAJECTORY:
            raise PolicyError(f"follow_traj got {len(points)} points; at most {MAX_TRAJECTORY}")
        current_z = self.arm.ee_pose().position[2]
        path = []
        for i, point in enumerate(points):
            position = _position(point, f"trajectory point {i}")
            path.append(position if position.shape == (3,) else np.array([*position, current_z]))
        if not path:
            raise PolicyError("follow_traj needs at least one point")
        self.motions += 1
        self.arm.move_path(path)

    def open_gripper(self) -> None:
        self.motions += 1
        self.arm.open_gripper()

    def close_gripper(self) -> None:
        self.motions += 1
        self.arm.close_gripper()

    def get_ee_pos(self) -> np.ndarray:
        return self.arm.ee_pose().position.copy()

    def say(self, message) -> None:
        text = str(message)
        self.said.append(text)
        if self.on_say:
            self.on_say(text)

    def functions(self) -> dict[str, Callable]:
        """The API as a namespace for programs (the language sub-programs are added by cap)."""
        return {name: getattr(self, name) for name in API_FUNCTIONS}


MAX_TRAJECTORY = 1000

API_FUNCTIONS = (
    "get_obj_names", "get_obj_pos", "get_bbox", "get_color", "is_obj_visible",
    "denormalize_xy", "get_corner_name", "get_side_name", "put_first_on_second", "goto_pos",
    "follow_traj", "open_gripper", "close_gripper", "get_ee_pos", "say",
)


def _name(name) -> str:
    if not isinstance(name, str):
        raise PolicyError(f"expected an object or place name (a string), got {name!r}")
    return " ".join(name.lower().split())


def _position(value, what: str) -> np.ndarray:
    try:
        return as_position(value, what)
    except ValueError as error:
        raise PolicyError(str(error)) from None
