"""Video recording: mp4 through imageio-ffmpeg (or gif), with a caption strip."""
from __future__ import annotations

from pathlib import Path

import cv2
import imageio.v2 as imageio
import numpy as np


class VideoRecorder:
    def __init__(self, path: str | Path, fps: int = 15) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fps = fps
        self.caption = ""
        options = {"fps": fps}
        if self.path.suffix == ".mp4":
            options.update(codec="libx264", quality=7, macro_block_size=8,
                           ffmpeg_log_level="error")
        elif self.path.suffix == ".gif":
            options = {"duration": 1 / fps, "loop": 0}
        else:
            raise ValueError(f"video must be .mp4 or .gif, got {self.path.name}")
        self._writer = imageio.get_writer(self.path, **options)

    def add(self, rgb: np.ndarray) -> None:
        self._writer.append_data(with_caption(rgb, self.caption))

    def close(self) -> None:
        self._writer.close()


def with_caption(rgb: np.ndarray, caption: str) -> np.ndarray:
    """The frame with `caption` on a dark strip below it (the frame itself is not covered)."""
    h, w = rgb.shape[:2]
    strip = np.full((24, w, 3), 30, dtype=np.uint8)
    if caption:
        scale = 0.4
        text = caption if len(caption) <= w // 7 else caption[: w // 7 - 3] + "..."
        cv2.putText(strip, text, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, scale, (240, 240, 240), 1,
                    cv2.LINE_AA)
    return np.vstack([rgb, strip])
