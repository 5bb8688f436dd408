"""Where each object of the scene shows in the perception camera's image, from ground truth:
the pixels the renderer drew of its body (what a perfect vision model would answer; the
scripted vision model adds noise and misses). A hidden object is not in the image."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.camera import Camera
from sim.catalog import CATALOG
from sim.scene import Scene


@dataclass(frozen=True)
class InImage:
    name: str  # the scene's name ("mug", "red block")
    aliases: tuple[str, ...]  # other names a person may use ("cup", "coffee mug")
    box: tuple[float, float, float, float]  # u0, v0, u1, v1: its pixels' bounds
    point: tuple[float, float]  # a pixel of it, the nearest to its pixels' middle


def objects_in_image(scene: Scene, camera: Camera) -> list[InImage]:
    bodies = camera.segmentation()
    out = []
    for name, obj in scene.objects.items():
        rows, cols = np.nonzero(bodies == obj.body)
        if len(rows) == 0:
            continue
        middle = np.argmin((cols - cols.mean()) ** 2 + (rows - rows.mean()) ** 2)
        model = CATALOG.get(obj.kind)
        aliases = (model.noun, *model.aliases) if model else ()
        out.append(InImage(name, aliases,
                           (cols.min(), rows.min(), cols.max() + 1.0, rows.max() + 1.0),
                           (cols[middle] + 0.5, rows[middle] + 0.5)))
    return out
