"""The tabletop scene: a table, the arm's base, blocks and bowls placed from a seed."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pybullet

from robots.workspace import Workspace
from sim.colors import COLORS, TABLE_RGB
from perception.palette import BLOCK_SIZE
from sim.objects import BOWL_RADIUS, SimObject, make_block, make_bowl

PLACEMENT_TRIES = 200  # per object; a scene that cannot be placed is an error, not a hang
LAYOUT_TRIES = 20  # whole layouts drawn again before a crowded spec is refused
EDGE_MARGIN = 0.03


class SceneError(ValueError):
    """The requested scene cannot be built (unknown colour, too many objects for the table)."""


@dataclass(frozen=True)
class SceneSpec:
    """Which objects a scene holds; None lets the seed draw them."""

    blocks: tuple[str, ...] | None = None
    bowls: tuple[str, ...] | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        for color in (self.blocks or ()) + (self.bowls or ()):
            if color not in COLORS:
                raise SceneError(f"unknown colour {color!r}; colours: {', '.join(COLORS)}")
        for kind, colors in (("block", self.blocks), ("bowl", self.bowls)):
            if colors and len(set(colors)) != len(colors):
                raise SceneError(f"each {kind} colour may appear once, got {list(colors)}")

    def resolve(self, rng: np.random.Generator) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The block and bowl colours: as given, or drawn (1-4 of each) when neither is given."""
        if self.blocks is not None or self.bowls is not None:
            return tuple(self.blocks or ()), tuple(self.bowls or ())
        names = list(COLORS)
        blocks = rng.choice(names, size=rng.integers(2, 5), replace=False)
        bowls = rng.choice(names, size=rng.integers(1, 4), replace=False)
        return tuple(map(str, blocks)), tuple(map(str, bowls))


def layout(spec: SceneSpec, workspace: Workspace) -> list[tuple[str, str, np.ndarray, float]]:
    """Where a spec's objects go (kind, colour, xy, yaw): drawn from its seed, bowls first,
    none overlapping. Pure, so tasks can reason about a scene before it is built."""
    rng = np.random.default_rng(spec.seed)
    blocks, bowls = spec.resolve(rng)
    for _ in range(LAYOUT_TRIES - 1):  # objects drawn one by one can box the last one out
        try:
            return _draw_layout(rng, workspace, blocks, bowls)
        except SceneError:
            pass
    return _draw_layout(rng, workspace, blocks, bowls)


def _draw_layout(rng, workspace: Workspace, blocks, bowls) -> list:
    placed: list[tuple[np.ndarray, float]] = []
    out = []
    for kind, colors in (("bowl", bowls), ("block", blocks)):
        for color in colors:
            radius = BOWL_RADIUS if kind == "bowl" else BLOCK_SIZE * 0.75
            xy = _free_spot(rng, workspace, radius, placed)
            placed.append((xy, radius))
            out.append((kind, color, xy, float(rng.uniform(-np.pi / 4, np.pi / 4))))
    return out


def _free_spot(rng, ws: Workspace, radius: float, placed) -> np.ndarray:
    low = ws.low + radius + EDGE_MARGIN
    high = np.array([ws.x_max, ws.y_max]) - radius - EDGE_MARGIN
    for _ in range(PLACEMENT_TRIES):
        xy = rng.uniform(low, high)
        if all(np.linalg.norm(xy - p) > radius + r + 0.01 for p, r in placed):
            return xy
    raise SceneError(f"no free spot for another object after {LAYOUT_TRIES} layouts of "
                     f"{PLACEMENT_TRIES} tries each; ask for fewer objects")


@dataclass
class Scene:
    """The table and its objects in one PyBullet client."""

    client: int
    workspace: Workspace = field(default_factory=Workspace)
    objects: dict[str, SimObject] = field(default_factory=dict)

    def __post_init__(self) -> None:
        half = (0.5, 0.55, 0.025)
        shape = pybullet.createCollisionShape(pybullet.GEOM_BOX, halfExtents=half,
                                              physicsClientId=self.client)
        look = pybullet.createVisualShape(pybullet.GEOM_BOX, halfExtents=half,
                                          rgbaColor=[*TABLE_RGB, 1], physicsClientId=self.client)
        self.table = pybullet.createMultiBody(0, shape, look, basePosition=(0, 0.2, -half[2]),
                                              physicsClientId=self.client)
        pybullet.changeDynamics(self.table, -1, lateralFriction=0.6, physicsClientId=self.client)

    def add(self, kind: str, color: str, xy, yaw: float = 0.0,
            name: str | None = None) -> SimObject:
        name = name or f"{color} {kind}"
        if name in self.objects:
            raise SceneError(f"the scene already has a {name}")
        if kind == "block":
            body = make_block(self.client, color, xy, yaw)
        elif kind == "bowl":
            body = make_bowl(self.client, color, xy)
        else:
            raise SceneError(f"unknown object kind {kind!r}; kinds: block, bowl")
        self.objects[name] = SimObject(name, kind, color, body)
        return self.objects[name]

    def populate(self, spec: SceneSpec) -> None:
        """Place the spec's objects as `layout` draws them."""
        for kind, color, xy, yaw in layout(spec, self.workspace):
            self.add(kind, color, xy, yaw)

    def place(self, name: str, position, yaw: float | None = None) -> None:
        """Teleport an object (no physics in between); its yaw is kept unless given."""
        body = self.objects[name].body
        if yaw is None:
            quaternion = self.pose(name)[1]
        else:
            quaternion = pybullet.getQuaternionFromEuler((0, 0, yaw))
        pybullet.resetBasePositionAndOrientation(body, list(map(float, position)), quaternion,
                                                 physicsClientId=self.client)

    def clear(self) -> None:
        """Remove every object (the table stays)."""
        for obj in self.objects.values():
            pybullet.removeBody(obj.body, physicsClientId=self.client)
        self.objects.clear()

    def pose(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        position, quaternion = pybullet.getBasePositionAndOrientation(
            self.objects[name].body, physicsClientId=self.client)
        return np.array(position), np.array(quaternion)

    def positions(self) -> dict[str, np.ndarray]:
        """Ground-truth centre of every object, workspace frame."""
        return {name: self.pose(name)[0] for name in self.objects}

    def yaw(self, name: str) -> float:
        return float(pybullet.getEulerFromQuaternion(self.pose(name)[1])[2])
