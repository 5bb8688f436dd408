"""An RGB-D camera rendered by PyBullet (TinyRenderer, or EGL when the world loaded it)."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import pybullet

from perception.frame import RGBDFrame
from perception.palette import PALETTE
from sim.egl import stdout_to_stderr


@dataclass(frozen=True)
class CameraConfig:
    """A pinhole camera looking at `target` from `position`; the image's top is toward `up`."""

    width: int = 320
    height: int = 240
    fov_y_deg: float = 45.0
    position: tuple[float, float, float] = (0.0, 0.0, 0.9)
    target: tuple[float, float, float] = (0.0, 0.0, 0.0)
    up: tuple[float, float, float] = (0.0, 1.0, 0.0)
    near: float = 0.05
    far: float = 3.0
    light_direction: tuple[float, float, float] = (0.3, -0.4, 1.0)
    light_ambient: float = 0.6
    light_diffuse: float = 0.35

    def intrinsics(self) -> np.ndarray:
        fy = self.height / (2 * np.tan(np.radians(self.fov_y_deg) / 2))
        return np.array([[fy, 0, self.width / 2], [0, fy, self.height / 2], [0, 0, 1.0]])

    def world_from_camera(self) -> np.ndarray:
        """Camera pose with OpenCV axes (x right, y down, z forward)."""
        forward = np.subtract(self.target, self.position)
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, self.up)
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        pose = np.eye(4)
        pose[:3, :3] = np.column_stack([right, down, forward])
        pose[:3, 3] = self.position
        return pose


# For people, not perception: the arm and the table seen from the front right, at 640x480.
PRESENTATION_CAMERA = CameraConfig(width=640, height=480, fov_y_deg=44.0,
                                   position=(0.95, -0.72, 0.98), target=(0.0, 0.1, 0.26),
                                   up=(0.0, 0.0, 1.0), far=4.0)


class Camera:
    """Renders RGB-D frames of one PyBullet client with TinyRenderer, or EGL when the world
    loaded it (`World(egl=True)`: the plugin must load before any body exists)."""

    palette = PALETTE  # the simulator paints its objects with these

    def __init__(self, client: int, config: CameraConfig | None = None,
                 egl: bool = False) -> None:
        self.client = client
        self.config = config or CameraConfig()
        self.egl = egl
        c = self.config
        self._view = pybullet.computeViewMatrix(c.position, c.target, c.up,
                                                physicsClientId=client)
        self._projection = pybullet.computeProjectionMatrixFOV(
            c.fov_y_deg, c.width / c.height, c.near, c.far, physicsClientId=client)

    def render(self) -> RGBDFrame:
        """Colour and metric depth (distance along the optical axis) with the camera geometry."""
        rgb, buffer = self._capture()
        c = self.config
        depth = c.far * c.near / (c.far - (c.far - c.near) * buffer)
        return RGBDFrame(rgb, depth.astype(np.float32), self.intrinsics(), c.world_from_camera())

    def intrinsics(self) -> np.ndarray:
        """K of the rendered images. OpenGL samples each pixel at its centre; TinyRenderer at
        its corner (its column index, and its row counted from the bottom), which put every
        position perceived half a pixel (1.5 mm) off until K said so."""
        k = self.config.intrinsics()
        if not self.egl:
            k[0, 2] += 0.5
            k[1, 2] -= 0.5
        return k

    def segmentation(self) -> np.ndarray:
        """Which body each pixel shows (-1: none): ground truth, for scripted models."""
        c = self.config
        return np.asarray(self._image(0)[4], dtype=np.int64).reshape(c.height, c.width)

    def _capture(self) -> tuple[np.ndarray, np.ndarray]:
        c = self.config
        _, _, rgba, buffer, _ = self._image(pybullet.ER_NO_SEGMENTATION_MASK)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(c.height, c.width, 4)[..., :3]
        return rgb, np.asarray(buffer, dtype=np.float32).reshape(c.height, c.width)

    def _image(self, flags: int):
        c = self.config
        renderer = pybullet.ER_BULLET_HARDWARE_OPENGL if self.egl else pybullet.ER_TINY_RENDERER
        with stdout_to_stderr() if self.egl else contextlib.nullcontext():
            return pybullet.getCameraImage(
                c.width, c.height, self._view, self._projection, renderer=renderer,
                lightDirection=c.light_direction, lightAmbientCoeff=c.light_ambient,
                lightDiffuseCoeff=c.light_diffuse, lightSpecularCoeff=0.05,
                flags=flags, physicsClientId=self.client)
