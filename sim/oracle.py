"""Ground truth from the simulator, as perception would report it (for ablations and checks)."""
from __future__ import annotations

import numpy as np

from perception.objects import Look, ObjectInfo, Perceiver
from perception.palette import BLOCK_SIZE
from sim.objects import BOWL_HEIGHT, BOWL_RADIUS
from sim.scene import Scene


class OraclePerceiver(Perceiver):
    def __init__(self, scene: Scene) -> None:
        self.scene = scene

    def look(self) -> dict[str, ObjectInfo]:
        seen = {name: self._info(name) for name in self.scene.objects}
        self.last = Look(dict(seen))
        return seen

    def _info(self, name: str) -> ObjectInfo:
        obj = self.scene.objects[name]
        if obj.kind == "bowl":
            size = np.array([2 * BOWL_RADIUS, 2 * BOWL_RADIUS, BOWL_HEIGHT])
        else:
            size = np.full(3, BLOCK_SIZE)
        position, _ = self.scene.pose(name)
        return ObjectInfo(name, obj.kind, obj.color, position, self.scene.yaw(name), size)
