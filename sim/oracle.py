"""Ground truth from the simulator, as perception would report it (for ablations and checks)."""
from __future__ import annotations

from perception.objects import Look, ObjectInfo, Perceiver
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
        return ObjectInfo(name, obj.kind, obj.color, self.scene.center(name),
                          self.scene.yaw(name), obj.size)
