"""The tabletop's objects: the ten colours of the policy API, as RGB in [0, 1], and the block
size.

The simulator paints objects with these values and the colour detector classifies against
them; a real cell calibrates its own palette (`ColorDetector(palette=...)`).
"""

BLOCK_SIZE = 0.04  # metres, every edge of a block

PALETTE: dict[str, tuple[float, float, float]] = {
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
