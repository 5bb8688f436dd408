"""A session's video: a title card, then the presentation view with the planned path, the
robot's last look inset, and captions with the command and what the robot said."""
from __future__ import annotations

import shutil
from pathlib import Path

import imageio.v2 as imageio
import numpy as np

from cap import overlays

TITLE_SECONDS = 2.0
CAPTION_HOLD_SECONDS = 1.0  # a new caption holds the picture still this long, to be read


class VideoWriter:
    """Frames to an mp4 (H.264 through imageio-ffmpeg) or a gif."""

    def __init__(self, path: str | Path, fps: int) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fps = fps
        if self.path.suffix == ".mp4":
            options = {"fps": fps, "codec": "libx264", "quality": 7, "macro_block_size": 8,
                       "ffmpeg_log_level": "error"}
        elif self.path.suffix == ".gif":
            options = {"duration": 1000 / fps, "loop": 0}
        else:
            raise ValueError(f"video must be .mp4 or .gif, got {self.path.name}")
        self._writer = imageio.get_writer(self.path, **options)

    def add(self, rgb: np.ndarray, repeat: int = 1) -> None:
        for _ in range(repeat):
            self._writer.append_data(rgb)

    def close(self) -> None:
        self._writer.close()


class Recording:
    """Composes and writes the frames; `add` is called as the cell's time passes."""

    def __init__(self, path: str | Path, title: list[str], fps: int = 10) -> None:
        self.path, self.fps, self.title = Path(path), fps, title
        self.caption: list[str] = []
        self._writer = VideoWriter(self.path, fps)
        self._last: np.ndarray | None = None
        self._titled = False

    def add(self, view: np.ndarray, look: np.ndarray | None) -> None:
        """One frame of the view, with the robot's last look inset (None: no inset)."""
        frame = overlays.video_frame(view, look, self.caption)
        if not self._titled:  # the card takes the size of the first frame
            height, width = frame.shape[:2]
            card = overlays.title_card(width, height, self.title)
            self._writer.add(card, round(TITLE_SECONDS * self.fps))
            self._titled = True
        self._writer.add(frame)
        self._last = frame

    def set_caption(self, lines: list[str]) -> None:
        """Caption the frames from now on; the picture holds still a moment to be read."""
        self.caption = lines
        if self._last is not None:
            strip = overlays.caption_strip(self._last.shape[1], lines)
            still = np.vstack([self._last[:-len(strip)], strip])
            self._writer.add(still, round(CAPTION_HOLD_SECONDS * self.fps))

    def save(self, path: str | Path) -> str:
        """Finish the video so far at `path`; recording goes on into a fresh file."""
        self._writer.close()
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(self.path, target)
        self._writer, self._titled = VideoWriter(self.path, self.fps), False
        return str(target)

    def close(self) -> None:
        self._writer.close()
