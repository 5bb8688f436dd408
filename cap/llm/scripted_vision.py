"""A scripted vision-language model: a real OpenAI-compatible HTTP server on 127.0.0.1 that
answers box and point requests from ground truth, in the coordinate convention its model name
implies (Qwen2.5-VL, Qwen3-VL, Gemini, Molmo), with seeded pixel noise and misses.

The ground truth comes from a callable (the simulator's objects projected through its camera),
so the whole path (request, parsing, matching to depth, grasp, place, verification) runs
without weights. Every request is logged.
"""
from __future__ import annotations

import json
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Protocol

import numpy as np

from perception.grounding import convention_for, smart_resize

ASKED = re.compile(r"these objects: (\[.*?\])")


class Truth(Protocol):
    name: str
    aliases: tuple[str, ...]
    box: tuple[float, float, float, float]
    point: tuple[float, float]


@dataclass
class ScriptedVision:
    """Answers from `truth()` (what stands where in the image), for images `size` wide and
    high. `noise`: pixel standard deviation; `miss`: the chance an object is left out."""

    truth: Callable[[], list[Truth]]
    size: tuple[int, int] = (320, 240)
    noise: float = 1.0
    miss: float = 0.0
    seed: int = 0
    requests: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"vision": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def reply(self, body: dict) -> str:
        """The reply to one chat request: the asked objects found, in the model's convention."""
        with self._lock:
            self.requests.append(body)
        content = body["messages"][-1]["content"]
        text = next(p["text"] for p in content if p["type"] == "text")
        image = next(p["image_url"]["url"] for p in content if p["type"] == "image_url")
        rng = np.random.default_rng([self.seed, zlib.crc32((image + text).encode())])
        found = [t for t in self._asked(text) if rng.random() >= self.miss]
        return _write(convention_for(body["model"]).name, found, self.size, self.noise, rng)

    def _asked(self, text: str) -> list[tuple[str, Truth]]:
        """(label, object) for what the prompt asks about that stands on the table."""
        truth = self.truth()
        asked = ASKED.search(text)
        if asked is None:  # everything: labelled with their nouns, unnumbered
            return [(re.sub(r" \d+$", "", t.name), t) for t in truth]
        out = []
        for name in json.loads(asked.group(1)):
            match = [t for t in truth if name in (t.name, *t.aliases)]
            out += [(name, match[0])] if match else []
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _write(convention: str, found, size: tuple[int, int], noise: float, rng) -> str:
    width, height = size
    items = []
    for label, t in found:
        box = np.array(t.box) + rng.normal(0, noise, 4)
        point = np.array(t.point) + rng.normal(0, noise, 2)
        if convention == "molmo":
            x, y = 100 * point[0] / width, 100 * point[1] / height
            items.append(f'<point x="{x:.1f}" y="{y:.1f}" alt="{label}">{label}</point>')
        elif convention == "qwen2.5":
            w, h = smart_resize(width, height)
            scale = np.array([w / width, h / height] * 2)
            items.append({"bbox_2d": [int(v) for v in np.round(box * scale)], "label": label})
        elif convention == "qwen3":
            scale = np.array([1000 / width, 1000 / height] * 2)
            items.append({"bbox_2d": [int(v) for v in np.round(box * scale)], "label": label})
        else:  # gemini: [ymin, xmin, ymax, xmax]
            scaled = np.round(box[[1, 0, 3, 2]] * np.array([1000 / height, 1000 / width] * 2))
            items.append({"box_2d": [int(v) for v in scaled], "label": label})
    if convention == "molmo":
        return " ".join(items) or "There are none."
    return "```json\n" + json.dumps(items) + "\n```"


class _Handler(BaseHTTPRequestHandler):
    vision: ScriptedVision

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        try:
            reply = self.vision.reply(body)
        except (KeyError, StopIteration, ValueError, TypeError) as error:
            return self._send(400, {"error": {"message": f"not a vision request: {error}"}})
        self._send(200, {
            "id": "chatcmpl-vision", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"],
            "usage": {"prompt_tokens": 300, "completion_tokens": len(reply) // 4 + 1,
                      "total_tokens": 300 + len(reply) // 4 + 1},
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": reply}}]})

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
