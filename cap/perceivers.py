"""Where a session's objects come from, by name (`--perception NAME[:ARGUMENT]`)."""
from __future__ import annotations

import os
from typing import Callable

from cap.config import check_perception
from perception.color_detector import ColorDetector, ColorDetectorConfig
from perception.objects import Perceiver
from perception.pixels import PixelPerceiver
from perception.scene_detector import SceneDetector
from robots.cell import Cell, SimCell

PERCEIVERS: dict[str, Callable[..., Perceiver]] = {}


def perceiver(name: str):
    """Register a factory that builds a perceiver for a cell (and the spec's argument, the
    part after the colon, with `grounding`, if it takes them)."""
    def register(factory: Callable[..., Perceiver]):
        PERCEIVERS[name] = factory
        return factory
    return register


@perceiver("pixels")
def _pixels(cell: Cell) -> PixelPerceiver:
    """Objects found in the cell's camera images, the arm masked out: blocks and bowls by
    colour, anything else standing on the table by depth, named by colour and shape words."""
    color = ColorDetector(ColorDetectorConfig(palette=dict(cell.camera.palette)))
    return PixelPerceiver(cell.camera.render, cell.arm.capsules, SceneDetector(color),
                          clock=cell.now)


@perceiver("vlm")
def _vlm(cell: Cell, model: str = "", grounding: str | None = None) -> Perceiver:
    """The pixel perceiver's objects, named by a vision-language model (`vlm:MODEL`, or
    $CAP_VLM) on the OpenAI-compatible endpoint ($CAP_VLM_BASE_URL if apart) when a program
    asks."""
    from cap.llm.vision import image_asker, load_vision_model
    from perception.grounded import GroundedPerceiver
    from perception.grounding import convention_for

    spec = vision_spec(model)
    convention = convention_for(spec.partition(":")[2], grounding)
    return GroundedPerceiver(_pixels(cell), image_asker(load_vision_model(spec)),
                             convention)


def vision_spec(model: str = "") -> str:
    """The model spec for `vlm:MODEL`: MODEL on the OpenAI-compatible endpoint, unless it
    names its backend (`vlm:ollama:qwen2.5vl`)."""
    model = model or os.environ.get("CAP_VLM", "")
    if not model:
        raise ValueError("vlm perception needs a model: --perception vlm:MODEL or $CAP_VLM")
    return model if model.partition(":")[0] in ("openai", "ollama") else f"openai:{model}"


@perceiver("oracle")
def _oracle(cell: Cell) -> Perceiver:
    """Simulator ground truth, for ablations."""
    if not isinstance(cell, SimCell):
        raise ValueError("oracle perception needs the simulator; a robot sees through its "
                         "camera (--perception pixels)")
    return cell.oracle()


def make_perceiver(spec: str, cell: Cell, grounding: str | None = None) -> Perceiver:
    check_perception(spec)
    name, _, argument = spec.partition(":")
    if name == "vlm":
        return PERCEIVERS[name](cell, argument, grounding)
    return PERCEIVERS[name](cell)
