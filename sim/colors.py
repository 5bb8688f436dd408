"""Colours the simulator paints: the policy API's palette, and the table."""
from perception.palette import PALETTE as COLORS

TABLE_RGB = (0.93, 0.90, 0.84)

__all__ = ["COLORS", "TABLE_RGB"]
