"""Words for what the camera sees without a model: colour words and shape words."""
from __future__ import annotations

import colorsys

from perception.palette import PALETTE

NEUTRAL_SATURATION = 0.22  # less saturated than this: white, gray or black
WHITE_VALUE, BLACK_VALUE = 0.7, 0.25


def color_word(rgb) -> str:
    """The colour word a person would use for an RGB colour in [0, 1]: one of the palette's
    hues, or white, gray or black for a colour with little hue."""
    hue, saturation, value = colorsys.rgb_to_hsv(*rgb)
    if saturation < NEUTRAL_SATURATION:
        return "white" if value > WHITE_VALUE else "black" if value < BLACK_VALUE else "gray"
    return min((name for name in PALETTE if name != "gray"),
               key=lambda name: _distance((hue, saturation, value), PALETTE[name]))


def _distance(hsv, reference) -> float:
    """Hue around the circle weighs most; saturation and value tell brown from orange and
    pink from red."""
    h, s, v = colorsys.rgb_to_hsv(*reference)
    turn = abs(hsv[0] - h)
    return 4 * min(turn, 1 - turn) + 0.5 * abs(hsv[1] - s) + 0.5 * abs(hsv[2] - v)
