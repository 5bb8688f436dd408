"""Rehearsal: a program runs on a PyBullet twin of the robot before it may move the robot.

The twin is built for each program from the robot's current joints and the perceived objects
(kind, colour, position, yaw). The program runs there in its own sandbox worker, with the
motion filter on, from the same variables and helper functions as the real session; any error
refuses it (`RehearsalRefused`, which the repair loop sees) and nothing is sent to the robot.
"""
from __future__ import annotations

from typing import Callable

from cap.api import PolicyAPI
from cap.errors import CapError, RehearsalRefused
from cap.sandbox.controller import Limits, Sandbox, Subprogram
from perception.objects import ObjectInfo
from robots.errors import MotionError
from robots.kinematics import ArmModel
from sim.scene import SceneSpec
from sim.tabletop import Tabletop


class Rehearsal:
    def __init__(self, language: dict[str, Callable[..., Subprogram]], limits: Limits,
                 arm: ArmModel) -> None:
        """`arm`: the robot's own model (its URDF, joints and links), so the twin is it."""
        self.twin = Tabletop(SceneSpec(blocks=(), bowls=()), arm=arm)
        self.api = PolicyAPI(self.twin.arm, self.twin.oracle(), self.twin.workspace)
        self.worker = Sandbox(self.api.functions(), language, limits, on_stop=self.twin.arm.stop)

    def check(self, program, definitions: list[str], variables: dict, joints,
              objects: dict[str, ObjectInfo]) -> None:
        """Run the program on the twin as the robot is now; RehearsalRefused when anything
        fails."""
        self.twin.rebuild(joints, objects)
        self.api.perceiver.forget()
        self.api.said.clear()
        self.twin.arm.resume()
        self.worker.restore_variables(variables)
        try:
            self.worker.run(program, definitions)
        except (CapError, MotionError) as error:
            raise RehearsalRefused(f"refused by rehearsal on the simulated twin (nothing was "
                                   f"sent to the robot): {type(error).__name__}: {error}") from None

    def close(self) -> None:
        self.worker.close()
        self.twin.close()
