"""Where a session's objects come from, by name (`--perception NAME`)."""
from __future__ import annotations

from typing import Callable

from perception.color_detector import ColorDetector, ColorDetectorConfig
from perception.objects import Perceiver
from perception.pixels import PixelPerceiver
from robots.cell import Cell, SimCell

PERCEIVERS: dict[str, Callable[[Cell], Perceiver]] = {}


def perceiver(name: str):
    """Register a factory that builds a perceiver for a cell."""
    def register(factory: Callable[[Cell], Perceiver]):
        PERCEIVERS[name] = factory
        return factory
    return register


@perceiver("pixels")
def _pixels(cell: Cell) -> Perceiver:
    """Objects found in the cell's camera images, the arm masked out."""
    detector = ColorDetector(ColorDetectorConfig(palette=dict(cell.camera.palette)))
    return PixelPerceiver(cell.camera.render, cell.arm.capsules, detector, clock=cell.now)


@perceiver("oracle")
def _oracle(cell: Cell) -> Perceiver:
    """Simulator ground truth, for ablations."""
    if not isinstance(cell, SimCell):
        raise ValueError("oracle perception needs the simulator; a robot sees through its "
                         "camera (--perception pixels)")
    return cell.oracle()


def make_perceiver(name: str, cell: Cell) -> Perceiver:
    if name not in PERCEIVERS:
        raise ValueError(f"unknown perception {name!r}; known: {', '.join(PERCEIVERS)}")
    return PERCEIVERS[name](cell)
