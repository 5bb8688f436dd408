"""The workspace frame: table-top coordinates, normalised coordinates and named places."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CORNERS = {
    "top left corner": (0.0, 1.0),
    "top right corner": (1.0, 1.0),
    "bottom left corner": (0.0, 0.0),
    "bottom right corner": (1.0, 0.0),
}
SIDES = {
    "top side": (0.5, 1.0),
    "bottom side": (0.5, 0.0),
    "left side": (0.0, 0.5),
    "right side": (1.0, 0.5),
}
PLACES_NORMALIZED = {**CORNERS, **SIDES, "middle": (0.5, 0.5)}


@dataclass(frozen=True)
class Workspace:
    """Rectangle on the table where objects live; origin at the table-top centre, metres.

    x points right and y toward the top of the default camera image (the robot's side).
    """

    x_min: float = -0.25
    x_max: float = 0.25
    y_min: float = -0.22  # 0.44 m deep: a Panda pointing down reaches all of it at any yaw
    y_max: float = 0.22

    def __post_init__(self) -> None:
        if not (self.x_min < self.x_max and self.y_min < self.y_max):
            raise ValueError(f"empty workspace: {self}")

    @property
    def size(self) -> np.ndarray:
        return np.array([self.x_max - self.x_min, self.y_max - self.y_min])

    @property
    def low(self) -> np.ndarray:
        return np.array([self.x_min, self.y_min])

    def denormalize_xy(self, xy) -> np.ndarray:
        """[0, 1]^2 workspace coordinates (0, 0 = bottom left) to metres."""
        xy = as_xy(xy, "normalized position")
        return self.low + xy * self.size

    def normalize_xy(self, xy) -> np.ndarray:
        return (as_xy(xy, "position") - self.low) / self.size

    def contains(self, xy, margin: float = 0.0) -> bool:
        x, y = as_xy(xy, "position")
        return bool(
            self.x_min - margin <= x <= self.x_max + margin
            and self.y_min - margin <= y <= self.y_max + margin
        )

    def places(self) -> dict[str, np.ndarray]:
        """Every named place ("top left corner", "left side", "middle", ...) in metres."""
        return {name: self.denormalize_xy(uv) for name, uv in PLACES_NORMALIZED.items()}

    def place(self, name: str) -> np.ndarray:
        key = name.strip().lower()
        if key not in PLACES_NORMALIZED:
            known = ", ".join(PLACES_NORMALIZED)
            raise KeyError(f"no place named {name!r}; named places: {known}")
        return self.denormalize_xy(PLACES_NORMALIZED[key])

    def corner_name(self, pos) -> str:
        return self._nearest(pos, CORNERS)

    def side_name(self, pos) -> str:
        return self._nearest(pos, SIDES)

    def _nearest(self, pos, table: dict[str, tuple[float, float]]) -> str:
        xy = as_xy(pos, "position")
        return min(table, key=lambda n: np.linalg.norm(self.denormalize_xy(table[n]) - xy))


def as_xy(value, what: str = "position") -> np.ndarray:
    """First two coordinates of an xy (2,) or xyz (3,) position, checked."""
    arr = as_position(value, what)
    return arr[:2]


def as_position(value, what: str = "position") -> np.ndarray:
    """A finite float array of shape (2,) or (3,), or a ValueError that says what was wrong."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers [x, y] or [x, y, z], got {value!r}") from None
    if arr.shape not in ((2,), (3,)):
        raise ValueError(f"{what} must have shape (2,) or (3,), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} must be finite, got {arr.tolist()}")
    return arr
