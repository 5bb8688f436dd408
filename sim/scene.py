"""The tabletop scene: a table, the arm's base, blocks, bowls and other objects placed from a
seed."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pybullet

from robots.workspace import Workspace
from sim.colors import COLORS, TABLE_RGB
from perception.palette import BLOCK_SIZE
from sim.catalog import CATALOG, RANDOM_URDFS, load_model, model_color, model_named
from sim.objects import BOWL_RADIUS, SimObject, make_block, make_bowl, make_box

PLACEMENT_TRIES = 200  # per object; a scene that cannot be placed is an error, not a hang
LAYOUT_TRIES = 20  # whole layouts drawn again before a crowded spec is refused
EDGE_MARGIN = 0.03


class SceneError(ValueError):
    """The requested scene cannot be built (unknown colour, too many objects for the table)."""


@dataclass(frozen=True)
class SceneSpec:
    """Which objects a scene holds: block and bowl colours, and other objects by their
    catalogue noun ("mug", "rubber duck"; repeats allowed); None for all three lets the seed
    draw blocks and bowls."""

    blocks: tuple[str, ...] | None = None
    bowls: tuple[str, ...] | None = None
    seed: int = 0
    objects: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for color in (self.blocks or ()) + (self.bowls or ()):
            if color not in COLORS:
                raise SceneError(f"unknown colour {color!r}; colours: {', '.join(COLORS)}")
        for kind, colors in (("block", self.blocks), ("bowl", self.bowls)):
            if colors and len(set(colors)) != len(colors):
                raise SceneError(f"each {kind} colour may appear once, got {list(colors)}")
        for noun in self.objects or ():
            try:
                model_named(noun)
            except ValueError as error:
                raise SceneError(str(error)) from None

    @classmethod
    def from_lists(cls, blocks: tuple[str, ...] | None, bowls: tuple[str, ...] | None,
                   objects: tuple[str, ...] | None, seed: int = 0) -> "SceneSpec":
        """A spec from the command line's lists: "red block" or "blue bowl" among the objects
        joins the blocks or bowls."""
        if objects is None:
            return cls(blocks, bowls, seed)
        blocks, bowls, others = list(blocks or ()), list(bowls or ()), []
        for entry in objects:
            words = entry.lower().split()
            if len(words) == 2 and words[1] in ("block", "bowl"):
                (blocks if words[1] == "block" else bowls).append(words[0])
            else:
                others.append(" ".join(words))
        return cls(tuple(blocks), tuple(bowls), seed, tuple(others))

    def resolve(self, rng: np.random.Generator) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The block and bowl colours: as given, or drawn (1-4 of each) when nothing is given."""
        if self.blocks is not None or self.bowls is not None or self.objects is not None:
            return tuple(self.blocks or ()), tuple(self.bowls or ())
        names = list(COLORS)
        blocks = rng.choice(names, size=rng.integers(2, 5), replace=False)
        bowls = rng.choice(names, size=rng.integers(1, 4), replace=False)
        return tuple(map(str, blocks)), tuple(map(str, bowls))


class Spot(NamedTuple):
    """Where one object of a scene goes, and what it is."""

    name: str  # "red block", "mug", "mug 2"
    kind: str  # "block" | "bowl" | a catalogue noun
    color: str
    xy: np.ndarray
    yaw: float
    variant: int = 0  # which random_urdfs mesh a "toy" is


def layout(spec: SceneSpec, workspace: Workspace) -> list[Spot]:
    """Where a spec's objects go: drawn from its seed, bowls first, then blocks, then the
    other objects, none overlapping. Pure, so tasks can reason about a scene before it is
    built. The blocks' and bowls' draws come first, so adding objects leaves them where they
    were; of the other objects, the largest go first."""
    rng = np.random.default_rng(spec.seed)
    blocks, bowls = spec.resolve(rng)
    for _ in range(LAYOUT_TRIES - 1):  # objects drawn one by one can box the last one out
        try:
            return _draw_layout(rng, workspace, blocks, bowls, spec.objects or ())
        except SceneError:
            pass
    return _draw_layout(rng, workspace, blocks, bowls, spec.objects or ())


def _draw_layout(rng, workspace: Workspace, blocks, bowls, objects) -> list[Spot]:
    placed: list[tuple[np.ndarray, float]] = []
    out = []
    for kind, colors in (("bowl", bowls), ("block", blocks)):
        for color in colors:
            radius = BOWL_RADIUS if kind == "bowl" else BLOCK_SIZE * 0.75
            xy = _free_spot(rng, workspace, radius, placed)
            placed.append((xy, radius))
            yaw = float(rng.uniform(-np.pi / 4, np.pi / 4))
            out.append(Spot(f"{color} {kind}", kind, color, xy, yaw))
    # the largest first: they need the most room
    for model in sorted(map(model_named, objects), key=lambda m: -m.radius):
        xy = _free_spot(rng, workspace, model.radius, placed)
        placed.append((xy, model.radius))
        yaw, variant = float(rng.uniform(-np.pi, np.pi)), int(rng.integers(RANDOM_URDFS))
        name = numbered(model.noun, {spot.name for spot in out})
        out.append(Spot(name, model.noun, model_color(model, variant), xy, yaw, variant))
    return out


def numbered(noun: str, taken: set[str]) -> str:
    """"mug", then "mug 2", "mug 3" for the next ones."""
    name, n = noun, 2
    while name in taken:
        name, n = f"{noun} {n}", n + 1
    return name


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

    def add(self, kind: str, color: str, xy, yaw: float = 0.0, name: str | None = None,
            variant: int = 0, size=(0.04, 0.04, 0.04)) -> SimObject:
        """A block, a bowl, a catalogue object (`kind` its noun), or an "object" perception
        found but cannot name (a box of `size`) standing at xy."""
        name = name or (f"{color} {kind}" if kind in ("block", "bowl") else kind)
        if name in self.objects:
            raise SceneError(f"the scene already has a {name}")
        if kind == "block":
            obj = SimObject(name, kind, color, make_block(self.client, color, xy, yaw))
        elif kind == "bowl":
            obj = SimObject(name, kind, color, make_bowl(self.client, color, xy))
        elif kind in CATALOG:
            loaded = load_model(self.client, CATALOG[kind], xy, yaw, variant)
            obj = SimObject(name, kind, color, loaded.body, tuple(loaded.offset),
                            tuple(loaded.extent))
        elif kind == "object":  # seen, not known: a box of its size (a robot's twin)
            obj = SimObject(name, kind, color, make_box(self.client, size, xy, yaw),
                            extent=tuple(size))
        else:
            raise SceneError(f"unknown object kind {kind!r}; kinds: block, bowl, object, "
                             f"{', '.join(CATALOG)}")
        self.objects[name] = obj
        return obj

    def populate(self, spec: SceneSpec) -> None:
        """Place the spec's objects as `layout` draws them."""
        for spot in layout(spec, self.workspace):
            self.add(spot.kind, spot.color, spot.xy, spot.yaw, spot.name, spot.variant)

    def place(self, name: str, position, yaw: float | None = None) -> None:
        """Teleport an object's centre (no physics in between); its yaw is kept unless given."""
        obj = self.objects[name]
        if yaw is None:
            quaternion = self.pose(name)[1]
        else:
            quaternion = pybullet.getQuaternionFromEuler((0, 0, yaw))
        base = np.asarray(position, dtype=float) - _rotate(quaternion, obj.offset)
        pybullet.resetBasePositionAndOrientation(obj.body, list(map(float, base)), quaternion,
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

    def center(self, name: str) -> np.ndarray:
        """Ground-truth centre of an object (a mesh's frame need not be at its centre)."""
        position, quaternion = self.pose(name)
        return position + _rotate(quaternion, self.objects[name].offset)

    def positions(self) -> dict[str, np.ndarray]:
        """Ground-truth centre of every object, workspace frame."""
        return {name: self.center(name) for name in self.objects}

    def yaw(self, name: str) -> float:
        return float(pybullet.getEulerFromQuaternion(self.pose(name)[1])[2])


def _rotate(quaternion, vector) -> np.ndarray:
    matrix = np.array(pybullet.getMatrixFromQuaternion(quaternion)).reshape(3, 3)
    return matrix @ np.asarray(vector, dtype=float)
