"""The ten object colours of the policy API, as rendered RGB in [0, 1]."""

COLORS: dict[str, tuple[float, float, float]] = {
    "blue": (0.10, 0.30, 0.85),
    "red": (0.85, 0.10, 0.10),
    "green": (0.15, 0.65, 0.20),
    "orange": (0.95, 0.50, 0.05),
    "yellow": (0.95, 0.85, 0.10),
    "purple": (0.50, 0.20, 0.70),
    "pink": (0.95, 0.50, 0.70),
    "cyan": (0.10, 0.80, 0.85),
    "brown": (0.50, 0.30, 0.12),
    "gray": (0.50, 0.50, 0.50),
}
TABLE_RGB = (0.93, 0.90, 0.84)
