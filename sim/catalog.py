"""Objects that are not blocks or bowls: meshes from `pybullet_data`, scaled to the table and
named as people name them ("mug", "rubber duck")."""
from __future__ import annotations

import functools
import os
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

import numpy as np
import pybullet
import pybullet_data

from perception.naming import color_word

SPAWN_HEIGHT = 1.0  # loaded here first, to measure the scaled mesh before it is set down
ON_TABLE = 0.001  # set down this far above the table, so it settles without a bounce
RANDOM_URDFS = 1000  # pybullet_data ships random_urdfs/000 .. 999


@dataclass(frozen=True)
class Model:
    """One kind of object: the noun people use, its URDF in pybullet_data, how it is scaled,
    how far its outline reaches from its centre and how tall it stands once scaled (measured;
    a toy's vary), other names for it."""

    noun: str
    urdf: str
    scale: float
    radius: float
    height: float
    aliases: tuple[str, ...] = ()
    mass: float = 0.1
    container: bool = False  # others are put in it (a tray)
    color: str | None = None  # where its texture, not its URDF's material, shows its colour


CATALOG: dict[str, Model] = {m.noun: m for m in (
    Model("mug", "objects/mug.urdf", 0.6, 0.047, 0.064, ("cup", "coffee mug"), mass=0.15),
    Model("rubber duck", "duck_vhacd.urdf", 0.7, 0.044, 0.046, ("duck",)),
    Model("teddy bear", "teddy_vhacd.urdf", 0.7, 0.046, 0.050, ("teddy",)),
    Model("ball", "sphere_small.urdf", 0.8, 0.024, 0.048, ("sphere", "soccer ball"), mass=0.05,
          color="white"),
    Model("tray", "tray/traybox.urdf", 0.25, 0.107, 0.035, (), mass=0.0, container=True,
          color="gray"),
    Model("toy", "random_urdfs/{n:03d}/{n:03d}.urdf", 0.45, 0.042, 0.030, ("random object",)),
)}
ALIASES = {alias: m.noun for m in CATALOG.values() for alias in (m.noun, *m.aliases)}


def model_named(name: str) -> Model:
    """The catalogue's model for a noun or alias; ValueError naming what is known."""
    key = " ".join(name.lower().split())
    if key not in ALIASES:
        raise ValueError(f"unknown object {name!r}; objects: {', '.join(sorted(ALIASES))}, "
                         "or '<colour> block' / '<colour> bowl'")
    return CATALOG[ALIASES[key]]


def model_color(model: Model, variant: int = 0) -> str:
    """The colour word for the model (its URDF's material read: no physics needed)."""
    return model.color or _urdf_color(model.urdf.format(n=variant % RANDOM_URDFS))


@functools.lru_cache(maxsize=None)
def _urdf_color(path: str) -> str:
    tree = ElementTree.parse(os.path.join(pybullet_data.getDataPath(), path))
    rgba = tree.find(".//material/color").get("rgba").split()
    return color_word([float(v) for v in rgba[:3]])


@dataclass(frozen=True)
class Loaded:
    """A model set down on the table: its body, where its centre lies in the body's frame,
    and its extent (upright, unturned)."""

    body: int
    offset: np.ndarray
    extent: np.ndarray


def load_model(client: int, model: Model, xy, yaw: float, variant: int = 0) -> Loaded:
    """Load the model scaled, measure it, and set it down on the table at xy turned by yaw
    (centred on xy). `variant` picks which random_urdfs mesh a "toy" is."""
    path = model.urdf.format(n=variant % RANDOM_URDFS)
    body = pybullet.loadURDF(path, [0, 0, SPAWN_HEIGHT], globalScaling=model.scale,
                             useFixedBase=model.mass == 0.0, physicsClientId=client)
    low, high = (np.array(v) for v in pybullet.getAABB(body, physicsClientId=client))
    # the body's frame is its centre of mass, which need not be the mesh's origin
    base = np.array(pybullet.getBasePositionAndOrientation(body, physicsClientId=client)[0])
    offset = (low + high) / 2 - base
    turned = _turn(yaw) @ offset[:2]
    position = [xy[0] - turned[0], xy[1] - turned[1], base[2] - low[2] + ON_TABLE]
    pybullet.resetBasePositionAndOrientation(
        body, position, pybullet.getQuaternionFromEuler((0, 0, yaw)), physicsClientId=client)
    if model.mass > 0:
        pybullet.changeDynamics(body, -1, mass=model.mass, lateralFriction=1.0,
                                spinningFriction=0.001, rollingFriction=0.001,
                                physicsClientId=client)
    return Loaded(body, offset, high - low)


def _turn(yaw: float) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s], [s, c]])
