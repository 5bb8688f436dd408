"""A PNG chart of success rates with 95 % intervals beside the original paper's numbers."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

ROW, LEFT, WIDTH = 22, 230, 420


def rate_chart(tasks: dict[str, dict], path: Path) -> Path:
    """One row per category: a bar for our rate, a whisker for its interval, a tick for the
    paper's rate."""
    height = ROW * (len(tasks) + 2)
    image = np.full((height, LEFT + WIDTH + 20, 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(image, "success rate (bar), 95% interval (line), paper (red tick)",
                (8, 15), font, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    for i, (name, task) in enumerate(tasks.items()):
        y = ROW * (i + 1) + 6
        cv2.putText(image, name, (8, y + 12), font, 0.38, (0, 0, 0), 1, cv2.LINE_AA)
        x = lambda rate: int(LEFT + WIDTH * rate)  # noqa: E731
        cv2.rectangle(image, (LEFT, y + 3), (x(task["rate"]), y + ROW - 5), (200, 140, 60), -1)
        low, high = task["ci95"]
        cv2.line(image, (x(low), y + ROW // 2), (x(high), y + ROW // 2), (40, 40, 40), 1)
        if task["paper_rate"] is not None:  # the paper has no rate for the object tasks
            cv2.line(image, (x(task["paper_rate"]), y), (x(task["paper_rate"]), y + ROW - 2),
                     (30, 30, 220), 2)
    cv2.line(image, (LEFT, ROW), (LEFT, height - ROW // 2), (0, 0, 0), 1)
    cv2.imwrite(str(path), image)
    return path
