"""What people see drawn over camera frames: the objects perception found, the path the arm is
about to take, captions and title cards. Every drawing projects workspace points through the
frame's own camera, so it lines up on the perception camera, the presentation camera or a real
robot's camera alike."""
from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from perception.frame import RGBDFrame
from perception.objects import Look, ObjectInfo

SEEN = (0, 230, 255)  # outline of an object in the last look (RGB)
REMEMBERED = (200, 200, 200)  # outline of an object believed there but not seen
PATH = (255, 120, 0)  # the planned tool path
INK = (240, 240, 240)
STRIP = (28, 30, 36)
FONT = cv2.FONT_HERSHEY_SIMPLEX
INSET_WIDTH = 256  # pixels: the robot's look inset in a 640-wide video


def project(points, frame: RGBDFrame) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (N, 2) of workspace points, and which of them lie in front of the
    camera."""
    points = np.atleast_2d(np.asarray(points, dtype=float))
    camera_from_world = np.linalg.inv(frame.world_from_camera)
    local = points @ camera_from_world[:3, :3].T + camera_from_world[:3, 3]
    ahead = local[:, 2] > 1e-3
    uv = local @ frame.intrinsics.T
    return uv[:, :2] / np.maximum(uv[:, 2:], 1e-3), ahead


def outline(info: ObjectInfo, segments: int = 24) -> np.ndarray:
    """The object's top edge in the workspace (a bowl's rim, a block's top face), (N, 3)."""
    if info.kind == "bowl":
        angles = np.linspace(0, 2 * np.pi, segments, endpoint=False)
        ring = np.column_stack([np.cos(angles), np.sin(angles)]) * info.size[0] / 2
    else:
        c, s = np.cos(info.yaw), np.sin(info.yaw)
        half = info.size[:2] / 2
        corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half
        ring = corners @ np.array([[c, s], [-s, c]])
    return np.column_stack([ring + info.position[:2], np.full(len(ring), info.top)])


def draw_objects(rgb: np.ndarray, objects: dict[str, ObjectInfo], frame: RGBDFrame) -> None:
    """Outline and name every object in place: solid if the look saw it, grey if it is only
    remembered (under the gripper, behind the arm). `frame` gives the camera geometry of `rgb`."""
    scale = max(0.8, rgb.shape[1] / 640)
    for name, info in objects.items():
        pixels, ahead = project(outline(info), frame)
        if not ahead.all():
            continue
        color = SEEN if info.visible else REMEMBERED
        polygon = np.round(pixels).astype(np.int32)
        cv2.polylines(rgb, [polygon], True, color, max(1, round(2 * scale)), cv2.LINE_AA)
        label = name if info.visible else f"{name} (remembered)"
        top = polygon[np.argmin(polygon[:, 1])]
        _label(rgb, label, (int(polygon[:, 0].min()), int(top[1]) - 4), color, 0.45 * scale)


def draw_path(rgb: np.ndarray, path: np.ndarray | None, frame: RGBDFrame) -> None:
    """The tool's planned path: a line from where the motion started to a ring at its end."""
    if path is None or len(path) < 2:
        return
    pixels, ahead = project(path, frame)
    if not ahead.all():
        return
    scale = rgb.shape[1] / 640
    points = np.round(pixels).astype(np.int32)
    cv2.polylines(rgb, [points], False, PATH, max(2, round(3 * scale)), cv2.LINE_AA)
    cv2.circle(rgb, tuple(points[-1]), max(4, round(8 * scale)), PATH, max(2, round(3 * scale)),
               cv2.LINE_AA)


def draw_look(look: Look | None, width: int = 640) -> np.ndarray | None:
    """The image of the robot's last look, `width` pixels wide, with what it found outlined and
    named; None when the objects did not come from an image (simulator truth) or nothing was
    looked at yet."""
    if look is None or look.frame is None:
        return None
    frame = look.frame
    zoom = width / frame.rgb.shape[1]
    height = round(frame.rgb.shape[0] * zoom)
    rgb = cv2.resize(frame.rgb, (width, height), interpolation=cv2.INTER_LINEAR)
    intrinsics = np.diag([zoom, zoom, 1.0]) @ frame.intrinsics
    draw_objects(rgb, look.objects, replace(frame, intrinsics=intrinsics))
    return rgb


def with_path(view: RGBDFrame, path: np.ndarray | None) -> np.ndarray:
    """The view's image with the planned path drawn in."""
    rgb = np.array(view.rgb, copy=True)
    draw_path(rgb, path, view)
    return rgb


def video_frame(view: np.ndarray, look: np.ndarray | None, caption: list[str]) -> np.ndarray:
    """One video frame: the view with the robot's last look (drawn at INSET_WIDTH) inset top
    left, and the caption lines on a strip below."""
    frame = np.array(view, copy=True)
    if look is not None:
        height, width = look.shape[:2]
        frame[6:6 + height, 6:6 + width] = look
        cv2.rectangle(frame, (5, 5), (6 + width, 6 + height), STRIP, 2)
        _label(frame, "the robot's last look", (8, 6 + height + 18), INK, 0.45)
    return np.vstack([frame, caption_strip(frame.shape[1], caption)])


def caption_strip(width: int, lines: list[str]) -> np.ndarray:
    """A dark strip with two caption lines (a video's frames keep one size); long lines cut."""
    line_height = round(24 * width / 640)
    strip = np.full((2 * line_height + 8, width, 3), STRIP, dtype=np.uint8)
    scale = 0.55 * width / 640
    for i, text in enumerate(lines[:2]):
        _text(strip, _fit(text, width - 16, scale), (8, 4 + line_height * (i + 1) - 7), INK,
              scale)
    return strip


def title_card(width: int, height: int, lines: list[str]) -> np.ndarray:
    """A dark card: the first line large, the rest below it."""
    card = np.full((height, width, 3), STRIP, dtype=np.uint8)
    scale = width / 640
    _text(card, lines[0], (int(40 * scale), int(height * 0.38)), INK, 1.2 * scale, 2)
    for i, text in enumerate(lines[1:]):
        _text(card, _fit(text, width - int(80 * scale), 0.6 * scale),
              (int(40 * scale), int(height * 0.38 + (50 + 30 * i) * scale)), (190, 200, 210),
              0.6 * scale)
    return card


def _fit(text: str, width: int, scale: float) -> str:
    """`text`, cut with an ellipsis to fit `width` pixels."""
    def fits(candidate: str) -> bool:
        return cv2.getTextSize(candidate, FONT, scale, 1)[0][0] <= width
    if fits(text):
        return text
    while text and not fits(text + "..."):
        text = text[:-1]
    return text.rstrip() + "..."


def _text(image, text: str, origin, color, scale: float, thickness: int = 1) -> None:
    cv2.putText(image, text, origin, FONT, scale, color, thickness, cv2.LINE_AA)


def _label(image, text: str, origin, color, scale: float) -> None:
    """Text on a dark box, kept inside the image."""
    (w, h), base = cv2.getTextSize(text, FONT, scale, 1)
    x = int(np.clip(origin[0], 0, max(0, image.shape[1] - w - 4)))
    y = int(np.clip(origin[1], h + 4, image.shape[0] - base - 2))
    cv2.rectangle(image, (x, y - h - 3), (x + w + 4, y + base), STRIP, -1)
    _text(image, text, (x + 2, y - 1), color, scale)
