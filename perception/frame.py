"""One RGB-D camera frame with the geometry needed to turn pixels into workspace points."""
from __future__ import annotations

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
        h, w = self.depth.shape
        u, v = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
        fx, fy = self.intrinsics[0, 0], self.intrinsics[1, 1]
        cx, cy = self.intrinsics[0, 2], self.intrinsics[1, 2]
        z = self.depth
        camera = np.stack([(u - cx) * z / fx, (v - cy) * z / fy, z], axis=-1)
        rotation, translation = self.world_from_camera[:3, :3], self.world_from_camera[:3, 3]
        return camera @ rotation.T + translation
