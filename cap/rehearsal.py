"""Rehearsal: a program runs on a PyBullet twin of the robot before it may move the robot.

The twin is built for each program from the robot's current joints and the perceived objects
(kind, colour, position, yaw). The program runs there in its own sandbox worker, with the
motion filter on, from the same variables and helper functions as the real session; any error
refuses it (`RehearsalRefused`, which the repair loop sees) and nothing is sent to the robot.
"""
from __future__ import annotations

from typing import Callable

import pybullet

from cap.api import PolicyAPI
from cap.errors import CapError
from cap.sandbox.controller import Limits, Subprogram, Worker
from perception.objects import ObjectInfo
from robots.errors import MotionError
from sim.scene import SceneSpec
from sim.tabletop import Tabletop

SETTLE_SECONDS = 0.05


class RehearsalRefused(CapError):
    """The program failed on the simulated twin; it was not run on the robot."""

    kind = "rehearsal"


class Rehearsal:
    def __init__(self, language: dict[str, Callable[..., Subprogram]], limits: Limits) -> None:
        self.twin = Tabletop(SceneSpec(blocks=(), bowls=()))
        self.api = PolicyAPI(self.twin.arm, self.twin.oracle(), self.twin.workspace)
        self.worker = Worker(self.api.functions(), language, limits, on_stop=self.twin.arm.stop)

    def rebuild(self, joints, objects: dict[str, ObjectInfo]) -> None:
        """The twin as the robot is now: its joints, and the objects where they were seen."""
        scene, client = self.twin.scene, self.twin.world.client
        scene.clear()
        self.twin.arm.reset(joints)
        for name, info in sorted(objects.items(), key=lambda item: item[1].position[2]):
            body = scene.add(info.kind, info.color, info.position[:2], info.yaw, name=name).body
            pybullet.resetBasePositionAndOrientation(  # stacked objects start on what they are on
                body, [*info.position[:2], max(info.position[2], info.size[2] / 2)],
                pybullet.getQuaternionFromEuler((0, 0, info.yaw)), physicsClientId=client)
        self.twin.world.run(SETTLE_SECONDS)
        self.api.perceiver.forget()
        self.api.said.clear()

    def check(self, code: str, definitions: list[str], variables: dict, joints,
              objects: dict[str, ObjectInfo]) -> None:
        """Run the program on the twin; RehearsalRefused when anything fails."""
        self.rebuild(joints, objects)
        self.twin.arm.resume()
        self.worker.restore = dict(variables)
        try:
            self.worker.run(code, definitions)
        except (CapError, MotionError) as error:
            raise RehearsalRefused(f"refused by rehearsal on the simulated twin (nothing was "
                                   f"sent to the robot): {type(error).__name__}: {error}") from None

    def close(self) -> None:
        self.worker.close()
        self.twin.close()
