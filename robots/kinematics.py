"""Kinematics of an arm from its URDF, computed in a private PyBullet client.

The real robot (or the simulated one) is never touched: IK, FK and collision queries run on a
kinematic copy, so a path can be checked completely before anything moves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pybullet
import pybullet_data

from robots.errors import CollisionError, JointLimitError, UnreachableError
from robots.self_collision import SelfCollision, srdf_pairs
from robots.urdf import UrdfError

DOWN = (np.pi, 0.0, 0.0)  # roll, pitch of a tool pointing at the table


PANDA_JOINTS = tuple(f"panda_joint{i}" for i in range(1, 8))


@dataclass(frozen=True)
class ArmModel:
    """An arm's URDF, how it is mounted in the workspace frame, and which of its joints and
    links are what, by name (so any robot's description fits)."""

    urdf: str = "franka_panda/panda.urdf"  # a file (absolute, or in pybullet_data)
    base_frame: str = "panda_link0"  # the URDF's root link, mounted at base_position, base_yaw
    base_position: tuple[float, float, float] = (0.0, 0.5, 0.0)
    base_yaw: float = -np.pi / 2
    arm_joints: tuple[str, ...] = PANDA_JOINTS
    finger_joints: tuple[str, ...] = ("panda_finger_joint1", "panda_finger_joint2")
    finger_open: float = 0.04  # metres each finger travels from closed to open
    tool_link: str = "panda_grasptarget"  # between the fingertips, z along the fingers
    # perception's capsules run from the base through every link up to this one, then to the tool
    flange_link: str = "panda_link8"
    table_links: tuple[str, ...] = ("panda_link0", "panda_link1")  # may touch the table
    rest_positions: tuple[float, ...] = (0.0, -0.3, 0.0, -2.2, 0.0, 2.0, np.pi / 4)  # IK bias
    # out of the overhead camera's view: tool up and back near the base
    home_positions: tuple[float, ...] = (0.237, -1.378, -0.162, -2.928, -0.159, 1.552, -0.582)
    ik_tolerance: float = 4e-3
    table_clearance: float = 0.005
    srdf: str = ""  # a file whose disable_collisions pairs may touch (MoveIt's SRDF)

    @property
    def base_quaternion(self) -> tuple[float, ...]:
        return tuple(pybullet.getQuaternionFromEuler((0.0, 0.0, self.base_yaw)))

    def workspace_from_base(self) -> np.ndarray:
        """The base frame in the workspace frame (4x4)."""
        c, s = np.cos(self.base_yaw), np.sin(self.base_yaw)
        pose = np.eye(4)
        pose[:2, :2] = [[c, -s], [s, c]]
        pose[:3, 3] = self.base_position
        return pose

    def urdf_file(self) -> Path:
        """The URDF's absolute path (a relative one is in pybullet_data)."""
        path = Path(self.urdf)
        return path if path.is_absolute() else Path(pybullet_data.getDataPath()) / path


@dataclass(frozen=True)
class BodyIndices:
    """PyBullet's indices for a model's named joints and links in one loaded body (a link's
    index is its parent joint's; the root link is -1)."""

    arm: tuple[int, ...]
    fingers: tuple[int, ...]
    tool: int
    chain: tuple[int, ...]  # links from the root to the flange, root (-1) first
    table: tuple[int, ...]

    @classmethod
    def resolve(cls, model: ArmModel, body: int, client: int) -> "BodyIndices":
        infos = [pybullet.getJointInfo(body, j, physicsClientId=client)
                 for j in range(pybullet.getNumJoints(body, physicsClientId=client))]
        joints = {info[1].decode(): info[0] for info in infos}
        links = {info[12].decode(): info[0] for info in infos}
        links[pybullet.getBodyInfo(body, physicsClientId=client)[0].decode()] = -1
        movable = [name for name, j in joints.items() if infos[j][2] != pybullet.JOINT_FIXED]

        def joint(name: str) -> int:
            if name not in joints:
                raise UrdfError(f"the robot's URDF has no joint {name!r}; its movable joints: "
                                f"{', '.join(movable)}")
            return joints[name]

        def link(name: str) -> int:
            if name not in links:
                raise UrdfError(f"the robot's URDF has no link {name!r}; its links: "
                                f"{', '.join(links)}")
            return links[name]

        chain, index = [], link(model.flange_link)
        while index != -1:
            chain.append(index)
            index = infos[index][16]  # parent link
        return cls(tuple(map(joint, model.arm_joints)), tuple(map(joint, model.finger_joints)),
                   link(model.tool_link), (-1, *chain[::-1]),
                   tuple(map(link, model.table_links)))


def load_arm(model: ArmModel, client: int) -> int:
    """The model's URDF as a fixed-base body in a PyBullet client."""
    pybullet.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=client)
    try:
        return pybullet.loadURDF(model.urdf, model.base_position, model.base_quaternion,
                                 useFixedBase=True, physicsClientId=client)
    except pybullet.error as error:
        raise UrdfError(f"PyBullet cannot load the arm's URDF {model.urdf}: {error}") from None


def tool_quaternion(yaw: float) -> np.ndarray:
    return np.array(pybullet.getQuaternionFromEuler((DOWN[0], DOWN[1], yaw)))


@dataclass
class Kinematics:
    """IK/FK and table-collision queries for one arm model."""

    model: ArmModel = field(default_factory=ArmModel)

    def __post_init__(self) -> None:
        self.client = pybullet.connect(pybullet.DIRECT)
        self.body = load_arm(self.model, self.client)
        self.indices = BodyIndices.resolve(self.model, self.body, self.client)
        table = pybullet.createCollisionShape(
            pybullet.GEOM_BOX, halfExtents=(2.0, 2.0, 0.05), physicsClientId=self.client
        )
        self.table = pybullet.createMultiBody(0, table, basePosition=(0, 0, -0.05),
                                              physicsClientId=self.client)
        infos = [pybullet.getJointInfo(self.body, j, physicsClientId=self.client)
                 for j in self.indices.arm]
        self.names = tuple(info[1].decode() for info in infos)
        self.lower = np.array([info[8] for info in infos])
        self.upper = np.array([info[9] for info in infos])
        self.max_velocity = np.array([info[11] for info in infos])
        movable = [j for j in range(pybullet.getNumJoints(self.body, physicsClientId=self.client))
                   if pybullet.getJointInfo(self.body, j, physicsClientId=self.client)[2]
                   != pybullet.JOINT_FIXED]
        self._dof_of = {joint: dof for dof, joint in enumerate(movable)}  # IK's result order
        self.self_collision = SelfCollision(
            self.body, self.client, srdf_pairs(self.model.srdf) if self.model.srdf else set(),
            fingers=self.indices.fingers)

    def close(self) -> None:
        if pybullet.isConnected(self.client):
            pybullet.disconnect(self.client)

    def set_joints(self, q) -> None:
        for joint, value in zip(self.indices.arm, q):
            pybullet.resetJointState(self.body, joint, float(value), physicsClientId=self.client)

    def fk(self, q) -> tuple[np.ndarray, np.ndarray]:
        """Tool position and quaternion for arm joint positions `q`."""
        self.set_joints(q)
        return self._link_pose(self.indices.tool)

    def _link_pose(self, link: int) -> tuple[np.ndarray, np.ndarray]:
        if link == -1:
            position, quaternion = pybullet.getBasePositionAndOrientation(
                self.body, physicsClientId=self.client)
        else:
            position, quaternion = pybullet.getLinkState(
                self.body, link, computeForwardKinematics=True, physicsClientId=self.client)[4:6]
        return np.array(position), np.array(quaternion)

    def skeleton(self, q) -> tuple[list[np.ndarray], np.ndarray]:
        """For configuration `q`: the link origins from the base to the flange, and the tool
        point (what perception's capsules around the arm are built on)."""
        self.set_joints(q)
        return ([self._link_pose(link)[0] for link in self.indices.chain],
                self._link_pose(self.indices.tool)[0])

    def ik(self, position, quaternion, seed) -> np.ndarray:
        """Joint positions that put the tool at the pose, near `seed` (or, failing that, near
        the rest pose); raises when there are none."""
        position = np.asarray(position, dtype=float)
        seeds = [np.asarray(seed, dtype=float), self._facing(position),
                 np.array(self.model.rest_positions)]
        for i, start in enumerate(seeds):
            try:
                return self._ik_from(position, quaternion, start)
            except (UnreachableError, JointLimitError):
                if i == len(seeds) - 1:
                    raise
        raise AssertionError("unreachable")

    def _facing(self, position: np.ndarray) -> np.ndarray:
        """The rest pose with the first joint turned toward the target: a seed the solver
        converges from where the rest pose alone leaves it stuck (e.g. right before the base)."""
        offset = position[:2] - np.array(self.model.base_position[:2])
        azimuth = np.arctan2(offset[1], offset[0]) - self.model.base_yaw
        q = np.array(self.model.rest_positions)
        q[0] = np.clip((azimuth + np.pi) % (2 * np.pi) - np.pi, self.lower[0], self.upper[0])
        return q

    def _ik_from(self, position: np.ndarray, quaternion, seed) -> np.ndarray:
        q = np.asarray(seed, dtype=float)
        for _ in range(10):
            self.set_joints(q)
            # plain damped least squares from the seed (null-space limits left out: PyBullet
            # only takes them for every degree of freedom, fingers included)
            solution = pybullet.calculateInverseKinematics(
                self.body, self.indices.tool, position.tolist(), list(quaternion),
                maxNumIterations=40, residualThreshold=1e-5, physicsClientId=self.client,
            )
            q = np.array([solution[self._dof_of[j]] for j in self.indices.arm])
            reached, _ = self.fk(q)
            if np.linalg.norm(reached - position) < self.model.ik_tolerance / 4:
                break
        self._check_solution(q, position, quaternion)
        return q

    def _check_solution(self, q, position, quaternion) -> None:
        reached, orientation = self.fk(q)
        error = float(np.linalg.norm(reached - position))
        turn = 1.0 - abs(float(np.dot(orientation, quaternion)))
        if error > self.model.ik_tolerance or turn > 1e-3:
            raise UnreachableError(
                f"target {np.round(position, 3).tolist()} is out of the arm's reach "
                f"(closest {error * 100:.1f} cm away); choose a point nearer the robot"
            )
        joint = self._beyond_limit(q)
        if joint is not None:
            raise JointLimitError(f"reaching {np.round(position, 3).tolist()} needs "
                                  f"{self.names[joint]} beyond its limit; choose another target")

    def check_limits(self, q) -> None:
        """Raise JointLimitError when a joint of `q` is beyond its limit in the URDF."""
        q = np.asarray(q, dtype=float)
        i = self._beyond_limit(q)
        if i is not None:
            raise JointLimitError(
                f"the motion would take {self.names[i]} to {q[i]:.3f} rad, beyond its limit "
                f"[{self.lower[i]:.4f}, {self.upper[i]:.4f}]; nothing moved")

    def _beyond_limit(self, q) -> int | None:
        """The first arm joint of `q` outside its URDF limits, or None."""
        outside = (q < self.lower - 1e-6) | (q > self.upper + 1e-6)
        return int(np.argmax(outside)) if outside.any() else None

    def check_self_collision(self, q) -> None:
        """Raise CollisionError when two parts of configuration `q` that no joint joins (and
        no SRDF allows to touch) overlap."""
        self.set_joints(q)
        contact = self.self_collision.first_contact()
        if contact:
            raise CollisionError(f"the motion would bring {contact[0]} into {contact[1]} "
                                 "(self-collision); choose another target or yaw")

    def check_clear_of_table(self, q) -> None:
        """Raise CollisionError when any link of configuration `q` touches the table."""
        self.set_joints(q)
        contacts = pybullet.getClosestPoints(self.body, self.table, self.model.table_clearance,
                                             physicsClientId=self.client)
        hits = [c for c in contacts if c[3] not in self.indices.table]
        if hits:
            link = pybullet.getJointInfo(self.body, hits[0][3], physicsClientId=self.client)[12]
            raise CollisionError(f"the motion would hit the table with {link.decode()}; "
                                 "keep targets above the table surface")
