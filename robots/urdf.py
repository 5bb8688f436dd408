"""A robot's own URDF, as read from `/robot_description` or a file: its joints and links, the
movable chain from the base to a tool link, and a copy PyBullet can load.

Drivers publish URDFs whose meshes are `package://` paths on the robot's machine. A mesh is
resolved against the ament share directories (`AMENT_PREFIX_PATH`) and, where it cannot be
found, replaced by a primitive: a capsule-like cylinder along the link from its origin to its
child's, so kinematics, limits and collision checks still use the robot's geometry.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MOVABLE = ("revolute", "prismatic", "continuous")
LINK_RADIUS = 0.05  # metres: the cylinder that replaces a link's missing mesh


class UrdfError(ValueError):
    """The robot description cannot be used (not a URDF, no such joint or link)."""


@dataclass(frozen=True)
class Joint:
    name: str
    type: str
    parent: str
    child: str
    origin: tuple[float, float, float]

    @property
    def movable(self) -> bool:
        return self.type in MOVABLE


class Urdf:
    """The joints and links of one URDF document."""

    def __init__(self, text: str) -> None:
        try:
            self.root = ElementTree.fromstring(text)
        except ElementTree.ParseError as error:
            raise UrdfError(f"the robot description is not valid XML: {error}") from None
        if self.root.tag != "robot":
            raise UrdfError(f"the robot description is not a URDF (root <{self.root.tag}>)")
        self.name = self.root.get("name", "robot")
        self.links = [link.get("name") for link in self.root.findall("link")]
        self.joints = {joint.name: joint for joint in map(_joint, self.root.findall("joint"))}
        children = {joint.child for joint in self.joints.values()}
        roots = [link for link in self.links if link not in children]
        if len(roots) != 1:
            raise UrdfError(f"a URDF has one root link, this one has {roots}")
        self.base = roots[0]

    def movable_joints(self) -> list[str]:
        return [name for name, joint in self.joints.items() if joint.movable]

    def chain(self, tip: str) -> list[Joint]:
        """Every joint (fixed ones too) from the root link down to link `tip`, root first."""
        if tip not in self.links:
            raise UrdfError(f"the URDF has no link {tip!r}; its links: {', '.join(self.links)}")
        by_child = {joint.child: joint for joint in self.joints.values()}
        joints, link = [], tip
        while link in by_child:
            joints.append(by_child[link])
            link = by_child[link].parent
        return joints[::-1]

    def arm_joints(self, tip: str) -> list[str]:
        """The movable joints from the root to link `tip`, in order: a robot's arm joints
        whatever fixed joints (world, base, flange, tool) it has around them."""
        return [joint.name for joint in self.chain(tip) if joint.movable]

    def require_joints(self, names) -> None:
        missing = [name for name in names if name not in self.joints]
        if missing:
            raise UrdfError(f"the URDF has no joint {', '.join(missing)}; its movable joints: "
                            f"{', '.join(self.movable_joints())}")

    def resolved(self, package_dirs: list[Path] | None = None) -> str:
        """The URDF with `package://` meshes resolved, or replaced by link cylinders."""
        package_dirs = ament_share_dirs() if package_dirs is None else package_dirs
        root = ElementTree.fromstring(ElementTree.tostring(self.root))
        child_origins: dict[str, list[np.ndarray]] = {}
        for joint in self.joints.values():
            child_origins.setdefault(joint.parent, []).append(np.array(joint.origin))
        for link in root.findall("link"):
            for element in link.findall("visual") + link.findall("collision"):
                mesh = element.find("geometry/mesh")
                if mesh is None:
                    continue
                found = _resolve(mesh.get("filename", ""), package_dirs)
                if found:
                    mesh.set("filename", str(found))
                elif element.tag == "visual":
                    link.remove(element)
                else:
                    _replace_with_cylinder(element, child_origins.get(link.get("name"), []))
        return ElementTree.tostring(root, encoding="unicode")

    def resolved_file(self, package_dirs: list[Path] | None = None) -> str:
        """`resolved` written to a file named by its content (PyBullet loads files)."""
        text = self.resolved(package_dirs)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / f"cap-urdf-{self.name}-{digest}.urdf"
        if not path.exists():
            path.write_text(text)
        return str(path)


def description_of(path: str | Path) -> str:
    """A URDF file's text as a robot_state_publisher would offer it to other processes on this
    machine: meshes found relative to the file's folder given as absolute file:// paths."""
    path = Path(path)
    root = ElementTree.fromstring(path.read_text())
    for mesh in root.iter("mesh"):
        relative = mesh.get("filename", "").removeprefix("package://")
        if (path.parent / relative).exists():
            mesh.set("filename", f"file://{(path.parent / relative).resolve()}")
    return ElementTree.tostring(root, encoding="unicode")


def ament_share_dirs() -> list[Path]:
    prefixes = os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep)
    return [Path(prefix) / "share" for prefix in prefixes if prefix]


def _joint(element) -> Joint:
    origin = element.find("origin")
    xyz = tuple(float(v) for v in (origin.get("xyz", "0 0 0") if origin is not None
                                   else "0 0 0").split())
    return Joint(element.get("name"), element.get("type", "fixed"),
                 element.find("parent").get("link"), element.find("child").get("link"), xyz)


def _resolve(filename: str, package_dirs: list[Path]) -> Path | None:
    if filename.startswith("file://"):
        path = Path(filename[len("file://"):])
        return path if path.exists() else None
    if not filename.startswith("package://"):
        path = Path(filename)
        return path if path.is_absolute() and path.exists() else None
    package, _, relative = filename[len("package://"):].partition("/")
    for share in package_dirs:
        candidate = share / package / relative
        if candidate.exists():
            return candidate
    return None


def _replace_with_cylinder(element, child_origins: list[np.ndarray]) -> None:
    """A cylinder from the link's origin to its farthest child joint (a sphere at a tip)."""
    geometry = element.find("geometry")
    for child in list(geometry):
        geometry.remove(child)
    for origin in element.findall("origin"):
        element.remove(origin)
    reach = max(child_origins, key=np.linalg.norm, default=np.zeros(3))
    length = float(np.linalg.norm(reach))
    if length < 1e-3:
        ElementTree.SubElement(geometry, "sphere", radius=f"{LINK_RADIUS:g}")
        return
    axis = reach / length
    # rotate the cylinder's z axis onto `axis`: roll about x, then pitch about y
    pitch = float(np.arctan2(axis[0], axis[2]))
    roll = float(-np.arcsin(np.clip(axis[1], -1.0, 1.0)))
    centre = " ".join(f"{v:.6f}" for v in reach / 2)
    ElementTree.SubElement(element, "origin", xyz=centre, rpy=f"{roll:.6f} {pitch:.6f} 0")
    ElementTree.SubElement(geometry, "cylinder", radius=f"{LINK_RADIUS:g}",
                           length=f"{max(length - 2 * LINK_RADIUS, 1e-3):.6f}")
