"""One RGB-D camera frame with the geometry needed to turn pixels into workspace points."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RGBDFrame:
    rgb: np.ndarray  # (H, W, 3) uint8
    depth: np.ndarray  # (H, W) float32, metres along the optical axis
    intrinsics: np.ndarray  # (3, 3) pinhole K
    world_from_camera: np.ndarray  # (4, 4); camera axes: x right, y down, z forward (OpenCV)

    def points(self) -> np.ndarray:
        """Every pixel back-projected into the workspace frame, shape (H, W, 3)."""
        rays = _rays(self.depth.shape, self.intrinsics.tobytes(),
                     self.world_from_camera[:3, :3].tobytes())
        return rays * self.depth[..., None] + self.world_from_camera[:3, 3]


@functools.lru_cache(maxsize=8)
def _rays(shape: tuple[int, int], intrinsics: bytes, rotation: bytes) -> np.ndarray:
    """Per pixel, the workspace-frame direction that reaches depth 1 along the optical axis."""
    h, w = shape
    k = np.frombuffer(intrinsics).reshape(3, 3)
    u, v = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    camera = np.stack([(u - k[0, 2]) / k[0, 0], (v - k[1, 2]) / k[1, 1], np.ones_like(u)], -1)
    rays = camera @ np.frombuffer(rotation).reshape(3, 3).T
    rays.setflags(write=False)
    return rays
