"""An arm simulated in PyBullet (the Franka Panda unless its model says otherwise), behind the
Arm interface."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pybullet

from robots.arm import JointState, Pose
from robots.errors import CollisionError, MotionStopped, MotionTimeout
from robots.kinematics import ArmModel, BodyIndices, Kinematics, load_arm
from robots.planned_arm import PlannedArm
from robots.planning import JointTrajectory
from robots.safety import MotionFilter, SafetyLimits


@dataclass(frozen=True)
class PyBulletArmConfig:
    model: ArmModel = field(default_factory=ArmModel)
    limits: SafetyLimits = field(default_factory=SafetyLimits)
    arm_force: float = 240.0
    position_gain: float = 0.3
    finger_force: float = 40.0
    finger_friction: float = 1.0
    settle_tolerance: float = 2e-3  # rad
    settle_timeout: float = 1.0  # s of simulated time after a trajectory ends
    gripper_time: float = 0.6  # s of simulated time at most to open or close


class PyBulletArm(PlannedArm):
    """An arm with a parallel gripper in a PyBullet world; `step` advances the world by one
    physics step."""

    def __init__(self, client: int, step: Callable[[], None], timestep: float, table: int,
                 config: PyBulletArmConfig | None = None) -> None:
        self.config = config or PyBulletArmConfig()
        self.client, self.step, self.timestep, self.table = client, step, timestep, table
        self.body = load_arm(self.config.model, client)
        self.indices = BodyIndices.resolve(self.config.model, self.body, client)
        self.kinematics = Kinematics(self.config.model)
        self.filter = MotionFilter(self.config.limits, self.kinematics)
        # stop() may come from another thread (a kill, Ctrl-C, a stop service): it raises a
        # flag the motion loop checks every physics step; the lock keeps PyBullet calls apart
        self._halt = threading.Event()
        self._lock = threading.RLock()
        self._tie_fingers()
        self.reset()

    def _tie_fingers(self) -> None:
        """Couple the two fingers with a gear so they close symmetrically and grip firmly."""
        left, right = self.indices.fingers
        gear = pybullet.createConstraint(
            self.body, left, self.body, right, pybullet.JOINT_GEAR, (1, 0, 0), (0, 0, 0),
            (0, 0, 0), physicsClientId=self.client,
        )
        # a soft gear (erp 0.1) let a carried block drift 1.7 cm toward one finger
        pybullet.changeConstraint(gear, gearRatio=-1, erp=0.8, maxForce=50,
                                  physicsClientId=self.client)
        for link in (left, right):
            pybullet.changeDynamics(self.body, link, lateralFriction=self.config.finger_friction,
                                    spinningFriction=0.001, physicsClientId=self.client)

    def reset(self, positions=None, opening: float | None = None) -> None:
        """Put the arm at `positions` (default: home) with each finger at `opening` (default:
        open), no physics."""
        model = self.config.model
        positions = model.home_positions if positions is None else positions
        opening = model.finger_open if opening is None else opening
        for joint, q in zip(self.indices.arm, positions):
            pybullet.resetJointState(self.body, joint, q, physicsClientId=self.client)
        for joint in self.indices.fingers:
            pybullet.resetJointState(self.body, joint, opening, physicsClientId=self.client)
        self.hold(np.array(positions))
        self.drive_fingers(opening)

    # --- state -----------------------------------------------------------------------------
    def joint_state(self) -> JointState:
        states = pybullet.getJointStates(self.body, self.indices.arm,
                                         physicsClientId=self.client)
        return JointState(self.kinematics.names, np.array([s[0] for s in states]),
                          np.array([s[1] for s in states]))

    def ee_pose(self) -> Pose:
        state = pybullet.getLinkState(self.body, self.indices.tool,
                                      computeForwardKinematics=True, physicsClientId=self.client)
        return Pose(np.array(state[4]), np.array(state[5]))

    def finger_state(self) -> JointState:
        """The finger joints: names as the URDF has them, positions and velocities."""
        states = pybullet.getJointStates(self.body, self.indices.fingers,
                                         physicsClientId=self.client)
        return JointState(self.config.model.finger_joints, np.array([s[0] for s in states]),
                          np.array([s[1] for s in states]))

    def gripper_width(self) -> float:
        return float(sum(self.finger_state().positions))

    # --- motion ----------------------------------------------------------------------------
    def execute(self, trajectory: JointTrajectory) -> None:
        """Track a timed joint trajectory, then settle on its last point."""
        t = 0.0
        while t < trajectory.duration:
            t += self.timestep
            self.hold(trajectory.sample(t))
            self._step_checked()
        target = trajectory.positions[-1]
        for _ in range(int(self.config.settle_timeout / self.timestep)):
            if np.max(np.abs(self.joint_state().positions - target)) < self.config.settle_tolerance:
                return
            self._step_checked()
        self.hold(self.joint_state().positions)
        raise MotionTimeout("the arm did not settle on its target within "
                            f"{self.config.settle_timeout} s; something may be blocking it")

    def _step_checked(self) -> None:
        with self._lock:
            if self._halt.is_set():
                raise MotionStopped("the robot was stopped; it is holding its position")
            self.step()
            if self._touching_table():
                self.hold(self.joint_state().positions)
                raise CollisionError("the arm touched the table; motion stopped")

    def _touching_table(self) -> bool:
        contacts = pybullet.getContactPoints(bodyA=self.body, bodyB=self.table,
                                             physicsClientId=self.client)
        return any(c[3] not in self.indices.table for c in contacts)

    def resume(self) -> None:
        self._halt.clear()

    def stop(self) -> None:
        """Hold the current position now; motions raise MotionStopped (at their next physics
        step, whichever thread runs them) until resume()."""
        self._halt.set()
        with self._lock:
            self.hold(self.joint_state().positions)

    def hold(self, q) -> None:
        """Command the arm joints to `q` (position control; no checks: callers plan)."""
        joints = self.indices.arm
        pybullet.setJointMotorControlArray(
            self.body, joints, pybullet.POSITION_CONTROL, targetPositions=list(q),
            forces=[self.config.arm_force] * len(joints),
            positionGains=[self.config.position_gain] * len(joints),
            physicsClientId=self.client,
        )

    # --- gripper ---------------------------------------------------------------------------
    def drive_fingers(self, target: float) -> None:
        joints = self.indices.fingers
        pybullet.setJointMotorControlArray(
            self.body, joints, pybullet.POSITION_CONTROL, targetPositions=[target] * len(joints),
            forces=[self.config.finger_force] * len(joints), physicsClientId=self.client,
        )

    def _run_gripper(self, target: float) -> None:
        """Drive the fingers until they stop moving (closed on something, or at their end)."""
        self.drive_fingers(target)
        for i in range(int(self.config.gripper_time / self.timestep)):
            self._step_checked()
            if i * self.timestep > 0.05 and np.max(np.abs(self.finger_state().velocities)) < 1e-3:
                return

    def close(self) -> None:
        self.kinematics.close()
