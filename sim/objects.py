"""Blocks and bowls built procedurally (pybullet_data ships no bowl); other objects come from
the catalogue (`sim.catalog`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybullet

from perception.palette import BLOCK_SIZE
from sim.colors import COLORS

BOWL_RADIUS = 0.075  # outer radius
BOWL_HEIGHT = 0.045
BOWL_WALL = 0.008
BOWL_FLOOR = 0.008
BOWL_SEGMENTS = 16
WALL_LIFT = 0.002  # walls end just above the floor's underside: only the floor touches the table


@dataclass(frozen=True)
class SimObject:
    """An object in the scene: its policy-API name and the PyBullet body behind it."""

    name: str
    kind: str  # "block" | "bowl" | a catalogue noun ("mug")
    color: str
    body: int
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0)  # centre in the body's frame
    extent: tuple[float, float, float] | None = None  # a catalogue object's, upright

    @property
    def size(self) -> np.ndarray:
        """Extent along x, y, z of the upright, unturned object."""
        if self.extent is not None:
            return np.array(self.extent)
        if self.kind == "bowl":
            return np.array([2 * BOWL_RADIUS, 2 * BOWL_RADIUS, BOWL_HEIGHT])
        return np.full(3, BLOCK_SIZE)

    @property
    def footprint_radius(self) -> float:
        return float(np.linalg.norm(self.size[:2]) / 2) if self.extent is not None else \
            BOWL_RADIUS if self.kind == "bowl" else BLOCK_SIZE * np.sqrt(0.5)

    @property
    def height(self) -> float:
        return float(self.size[2])


def _rgba(color: str) -> list[float]:
    return [*COLORS[color], 1.0]


def make_block(client: int, color: str, xy, yaw: float) -> int:
    return make_box(client, [BLOCK_SIZE] * 3, xy, yaw, _rgba(color))


def make_box(client: int, size, xy, yaw: float, rgba=(0.8, 0.8, 0.8, 1.0)) -> int:
    """A box standing on the table (a block, or a stand-in for an object seen, not known)."""
    half = [float(v) / 2 for v in size]
    collision = pybullet.createCollisionShape(pybullet.GEOM_BOX, halfExtents=half,
                                              physicsClientId=client)
    visual = pybullet.createVisualShape(pybullet.GEOM_BOX, halfExtents=half,
                                        rgbaColor=list(rgba), physicsClientId=client)
    body = pybullet.createMultiBody(
        0.05, collision, visual, basePosition=(xy[0], xy[1], half[2]),
        baseOrientation=pybullet.getQuaternionFromEuler((0, 0, yaw)), physicsClientId=client,
    )
    _set_dynamics(client, body)
    return body


def _bowl_parts() -> tuple[list, list, list]:
    """Box half-extents, positions and orientations: a floor and a ring of wall segments."""
    inner = BOWL_RADIUS - BOWL_WALL
    floor_half = inner * np.sqrt(0.5) + BOWL_WALL / 2
    shapes = [(floor_half, floor_half, BOWL_FLOOR / 2)]
    positions = [(0.0, 0.0, BOWL_FLOOR / 2 - BOWL_HEIGHT / 2)]
    orientations = [(0.0, 0.0, 0.0, 1.0)]
    chord = 2 * BOWL_RADIUS * np.tan(np.pi / BOWL_SEGMENTS)
    for k in range(BOWL_SEGMENTS):
        angle = 2 * np.pi * k / BOWL_SEGMENTS
        radius = BOWL_RADIUS - BOWL_WALL / 2
        shapes.append((BOWL_WALL / 2, chord / 2, (BOWL_HEIGHT - WALL_LIFT) / 2))
        positions.append((radius * np.cos(angle), radius * np.sin(angle), WALL_LIFT / 2))
        orientations.append(pybullet.getQuaternionFromEuler((0, 0, angle)))
    return shapes, positions, orientations


def make_bowl(client: int, color: str, xy) -> int:
    """A round bowl: a floor plate plus wall segments, one rigid movable body."""
    shapes, positions, orientations = _bowl_parts()
    n = len(shapes)
    collision = pybullet.createCollisionShapeArray(
        [pybullet.GEOM_BOX] * n, halfExtents=shapes, collisionFramePositions=positions,
        collisionFrameOrientations=orientations, physicsClientId=client,
    )
    # it looks round: a disc floor (the collision floor is the square inscribed in the wall)
    floor_radius = BOWL_RADIUS - BOWL_WALL
    visual = pybullet.createVisualShapeArray(
        [pybullet.GEOM_CYLINDER] + [pybullet.GEOM_BOX] * (n - 1),
        radii=[floor_radius] + [0.0] * (n - 1), lengths=[BOWL_FLOOR] + [0.0] * (n - 1),
        halfExtents=[(0.0, 0.0, 0.0)] + shapes[1:], visualFramePositions=positions,
        visualFrameOrientations=orientations, physicsClientId=client,
    )
    body = pybullet.createMultiBody(0.15, collision, visual,
                                    basePosition=(xy[0], xy[1], BOWL_HEIGHT / 2),
                                    physicsClientId=client)
    pybullet.changeVisualShape(body, -1, rgbaColor=_rgba(color), physicsClientId=client)
    _set_dynamics(client, body)
    return body


def _set_dynamics(client: int, body: int) -> None:
    """Grippy surfaces; objects at rest sleep, which makes cluttered scenes cheap to step."""
    pybullet.changeDynamics(
        body, -1, lateralFriction=1.0, spinningFriction=0.001, rollingFriction=0.0001,
        activationState=pybullet.ACTIVATION_STATE_ENABLE_SLEEPING, physicsClientId=client,
    )
