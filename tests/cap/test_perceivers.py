"""Perception from pixels classifies by the palette of the cell's own camera."""
from __future__ import annotations

import pytest

from cap.perceivers import make_perceiver
from perception.palette import PALETTE
from sim.scene import SceneSpec
from sim.tabletop import Tabletop


@pytest.mark.render
def test_pixels_use_the_camera_palette():
    cell = Tabletop(SceneSpec(blocks=("red", "green"), bowls=("blue",), seed=3))
    try:
        assert {o.split()[0] for o in make_perceiver("pixels", cell).look()} == \
            {"red", "green", "blue"}
        # a camera calibrated for other objects: the same red block is now "crimson"
        cell.camera.palette = {"crimson": PALETTE["red"], "blue": PALETTE["blue"]}
        seen = make_perceiver("pixels", cell).look()
        assert {o.split()[0] for o in seen} >= {"crimson", "blue"} and \
            not any(o.startswith(("red", "green")) for o in seen)
    finally:
        cell.close()
