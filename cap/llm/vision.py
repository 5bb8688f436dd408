"""Requests that show a model an image: the image as an `image_url` data-URL part beside the
text, through the same backends and the same response cache as text requests."""
from __future__ import annotations

import base64
import os
from typing import Callable

import cv2
import numpy as np

from cap.config import cap_home
from cap.llm.base import ChatModel

MAX_TOKENS = 1024


def image_message(rgb: np.ndarray, text: str) -> dict:
    """One user message: the RGB image (PNG, lossless: the cache key stays exact), then the
    text."""
    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("the camera image could not be encoded as PNG")
    url = "data:image/png;base64," + base64.b64encode(png.tobytes()).decode("ascii")
    return {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}},
                                        {"type": "text", "text": text}]}


def image_asker(model: ChatModel, max_tokens: int = MAX_TOKENS
                ) -> Callable[[np.ndarray, str], str]:
    """(image, prompt) -> the model's reply text, deterministic (temperature 0)."""
    def ask(rgb: np.ndarray, prompt: str) -> str:
        return model.complete([image_message(rgb, prompt)], 0.0, max_tokens, "vision").text
    return ask


def load_vision_model(spec: str) -> ChatModel:
    """The vision model behind the response cache: on the text model's endpoint, or on
    $CAP_VLM_BASE_URL where a lab serves it apart (an `openai:` spec)."""
    from cap.llm.cache import CachedModel
    from cap.llm.openai_backend import OpenAIChat
    from cap.llm.registry import create_model

    prefix, _, name = spec.partition(":")
    separate = os.environ.get("CAP_VLM_BASE_URL")
    model = OpenAIChat(name, base_url=separate) if prefix == "openai" and separate \
        else create_model(spec)
    return CachedModel(model, cap_home() / "cache.sqlite")
