"""Kinematics of an arm from its URDF, computed in a private PyBullet client.

The real robot (or the simulated one) is never touched: IK, FK and collision queries run on a
kinematic copy, so a path can be checked completely before anything moves.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pybullet
import pybullet_data

from robots.errors import CollisionError, JointLimitError, UnreachableError

DOWN = (np.pi, 0.0, 0.0)  # roll, pitch of a tool pointing at the table


@dataclass(frozen=True)
class ArmModel:
    """Where an arm's URDF is and how it is mounted in the workspace frame."""

    urdf: str = "franka_panda/panda.urdf"
    base_position: tuple[float, float, float] = (0.0, 0.5, 0.0)
    base_yaw: float = -np.pi / 2
    arm_joints: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    finger_joints: tuple[int, ...] = (9, 10)
    finger_open: float = 0.04  # metres each finger travels from closed to open
    tool_link: int = 11
    # perception's capsules: link origins base..hand, and the point between the fingertips
    # (indices into Kinematics.link_positions)
    capsule_links: int = 9
    fingertip_point: int = 12
    rest_positions: tuple[float, ...] = (0.0, -0.3, 0.0, -2.2, 0.0, 2.0, np.pi / 4)  # IK bias
    # out of the overhead camera's view: tool up and back near the base
    home_positions: tuple[float, ...] = (0.237, -1.378, -0.162, -2.928, -0.159, 1.552, -0.582)
    # the tool link's offset below the fingertips' contact centre is negligible for the Panda
    ik_tolerance: float = 4e-3
    table_clearance: float = 0.005
    ignore_table_links: tuple[int, ...] = (-1, 0)

    @property
    def base_quaternion(self) -> tuple[float, ...]:
        return tuple(pybullet.getQuaternionFromEuler((0.0, 0.0, self.base_yaw)))


def tool_quaternion(yaw: float) -> np.ndarray:
    return np.array(pybullet.getQuaternionFromEuler((DOWN[0], DOWN[1], yaw)))


@dataclass
class Kinematics:
    """IK/FK and table-collision queries for one arm model."""

    model: ArmModel = field(default_factory=ArmModel)

    def __post_init__(self) -> None:
        self.client = pybullet.connect(pybullet.DIRECT)
        pybullet.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=self.client)
        self.body = pybullet.loadURDF(
            self.model.urdf, self.model.base_position, self.model.base_quaternion,
            useFixedBase=True, physicsClientId=self.client,
        )
        table = pybullet.createCollisionShape(
            pybullet.GEOM_BOX, halfExtents=(2.0, 2.0, 0.05), physicsClientId=self.client
        )
        self.table = pybullet.createMultiBody(0, table, basePosition=(0, 0, -0.05),
                                              physicsClientId=self.client)
        infos = [pybullet.getJointInfo(self.body, j, physicsClientId=self.client)
                 for j in self.model.arm_joints]
        self.names = tuple(info[1].decode() for info in infos)
        self.lower = np.array([info[8] for info in infos])
        self.upper = np.array([info[9] for info in infos])
        self.max_velocity = np.array([info[11] for info in infos])

    def close(self) -> None:
        if pybullet.isConnected(self.client):
            pybullet.disconnect(self.client)

    def set_joints(self, q) -> None:
        for joint, value in zip(self.model.arm_joints, q):
            pybullet.resetJointState(self.body, joint, float(value), physicsClientId=self.client)

    def fk(self, q) -> tuple[np.ndarray, np.ndarray]:
        """Tool position and quaternion for arm joint positions `q`."""
        self.set_joints(q)
        state = pybullet.getLinkState(self.body, self.model.tool_link,
                                      computeForwardKinematics=True, physicsClientId=self.client)
        return np.array(state[4]), np.array(state[5])

    def link_positions(self, q) -> list[np.ndarray]:
        """World positions of every link frame, base first, for configuration `q`."""
        self.set_joints(q)
        base = pybullet.getBasePositionAndOrientation(self.body, physicsClientId=self.client)
        links = [pybullet.getLinkState(self.body, i, computeForwardKinematics=True,
                                       physicsClientId=self.client)[4]
                 for i in range(pybullet.getNumJoints(self.body, physicsClientId=self.client))]
        return [np.array(base[0]), *map(np.array, links)]

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
            solution = pybullet.calculateInverseKinematics(
                self.body, self.model.tool_link, position.tolist(), list(quaternion),
                lowerLimits=self.lower.tolist(), upperLimits=self.upper.tolist(),
                jointRanges=(self.upper - self.lower).tolist(),
                restPoses=list(self.model.rest_positions),
                maxNumIterations=40, residualThreshold=1e-5, physicsClientId=self.client,
            )
            q = np.array(solution[: len(self.model.arm_joints)])
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
        outside = (q < self.lower - 1e-6) | (q > self.upper + 1e-6)
        if outside.any():
            joint = self.names[int(np.argmax(outside))]
            raise JointLimitError(f"reaching {np.round(position, 3).tolist()} needs {joint} "
                                  "beyond its limit; choose another target")

    def check_self_collision(self, q) -> None:
        """Raise CollisionError when two links of configuration `q` that are not neighbours
        (three or more joints apart) touch."""
        self.set_joints(q)
        count = pybullet.getNumJoints(self.body, physicsClientId=self.client)
        for a in range(count):
            for b in range(a + 3, count):
                if pybullet.getClosestPoints(self.body, self.body, 0.0, linkIndexA=a,
                                             linkIndexB=b, physicsClientId=self.client):
                    names = [pybullet.getJointInfo(self.body, i, physicsClientId=self.client)[12]
                             .decode() for i in (a, b)]
                    raise CollisionError(f"the motion would bring {names[0]} into {names[1]} "
                                         "(self-collision); choose another target or yaw")

    def check_clear_of_table(self, q) -> None:
        """Raise CollisionError when any link of configuration `q` touches the table."""
        self.set_joints(q)
        contacts = pybullet.getClosestPoints(self.body, self.table, self.model.table_clearance,
                                             physicsClientId=self.client)
        hits = [c for c in contacts if c[3] not in self.model.ignore_table_links]
        if hits:
            link = pybullet.getJointInfo(self.body, hits[0][3], physicsClientId=self.client)[12]
            raise CollisionError(f"the motion would hit the table with {link.decode()}; "
                                 "keep targets above the table surface")
