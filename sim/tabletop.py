"""The simulated tabletop: physics world, scene, Panda arm, a perception camera and a
presentation camera for people.

`Tabletop` is the simulator's robot cell (`robots.cell.SimCell`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from perception.objects import ObjectInfo, Perceiver
from robots.kinematics import ArmModel
from robots.pybullet_arm import PyBulletArm, PyBulletArmConfig
from perception.frame import RGBDFrame
from sim.camera import PRESENTATION_CAMERA, Camera, CameraConfig
from sim.oracle import OraclePerceiver
from sim.scene import Scene, SceneSpec
from sim.world import Snapshot, World

SETTLE_SECONDS = 0.3
TWIN_SETTLE_SECONDS = 0.05


@dataclass(frozen=True)
class TabletopSnapshot:
    world: Snapshot


class Tabletop:
    """Everything on the simulated table, built from a scene spec and a seed."""

    def __init__(self, spec: SceneSpec, gui: bool = False, camera: CameraConfig | None = None,
                 egl: bool = False, arm: ArmModel | None = None) -> None:
        """`arm`: another arm than the Panda (a robot's twin, built from its own URDF)."""
        self.spec = spec
        self.world = World(gui=gui, egl=egl)
        self.scene = Scene(self.world.client)
        self.arm = PyBulletArm(self.world.client, self.world.step, self.world.timestep,
                               self.scene.table, PyBulletArmConfig(model=arm or ArmModel()))
        self.reset(spec)
        self.camera = Camera(self.world.client, camera, egl=self.world.egl)
        self.presentation = Camera(self.world.client, PRESENTATION_CAMERA, egl=self.world.egl)

    def reset(self, spec: SceneSpec | None = None) -> None:
        """A new scene on the same table (by default the current spec again): objects
        replaced, arm at rest, physics settled."""
        self.spec = spec or self.spec
        self.scene.clear()
        self.arm.reset()
        self.scene.populate(self.spec)
        self.world.run(SETTLE_SECONDS)

    def rebuild(self, joints, objects: dict[str, ObjectInfo]) -> None:
        """This table as another cell is now: the arm at `joints`, the objects where they were
        seen (lowest first, so stacked objects start on what they stand on), settled."""
        self.scene.clear()
        self.arm.reset(joints)
        for name, info in sorted(objects.items(), key=lambda item: item[1].position[2]):
            self.scene.add(info.kind, info.color, info.position[:2], info.yaw, name=name,
                           size=info.size)
            self.scene.place(name, [*info.position[:2], max(info.position[2], info.size[2] / 2)],
                             info.yaw)
        self.world.run(TWIN_SETTLE_SECONDS)

    def now(self) -> float:
        return self.world.time

    def view(self) -> RGBDFrame:
        """The presentation camera (rendered only when asked: about 65 ms with TinyRenderer)."""
        return self.presentation.render()

    def watch(self, period: float, callback: Callable[[], None]) -> None:
        self.world.observe(period, callback)

    def settle(self, seconds: float) -> None:
        self.world.run(seconds)

    @property
    def workspace(self):
        return self.scene.workspace

    def oracle(self) -> Perceiver:
        return OraclePerceiver(self.scene)

    def ground_truth(self) -> dict[str, list[float]]:
        return {name: [round(float(v), 4) for v in pos]
                for name, pos in self.scene.positions().items()}

    def snapshot(self) -> TabletopSnapshot:
        return TabletopSnapshot(self.world.snapshot())

    def restore(self, snapshot: TabletopSnapshot) -> None:
        """Put every body back; the arm then holds where it was (motor targets are not state)."""
        self.world.restore(snapshot.world)
        self.arm.stop()
        opening = self.arm.config.model.finger_open  # per finger; the width counts both
        self.arm.drive_fingers(opening if self.arm.gripper_width() > opening else 0.0)

    def discard(self, snapshot: TabletopSnapshot) -> None:
        self.world.discard(snapshot.world)

    def close(self) -> None:
        self.arm.close()
        self.world.close()
