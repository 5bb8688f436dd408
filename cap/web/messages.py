"""What a browser may send over the socket, checked: one flat JSON object with a known
"type", command text that is text, a frame rate in range; and how fast a client may queue."""
from __future__ import annotations

import json
import time
import unicodedata

MAX_COMMAND_CHARS = 500
KINDS = ("command", "undo", "reset", "stop", "view", "answer")
MAX_FPS = 10.0


class BadMessage(ValueError):
    """A message the page would never send; its text says what is wrong."""


class RateLimit:
    """A token bucket: `burst` commands at once, then one every `period` seconds."""

    def __init__(self, burst: int = 5, period: float = 3.0) -> None:
        self.burst, self.period = burst, period
        self.tokens, self.updated = float(burst), time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) / self.period)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def parse_message(text: str | None) -> dict:
    """The message as a dict with a known "type", or BadMessage."""
    if text is None:
        raise BadMessage("send JSON text, not binary")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to be a message
        raise BadMessage('malformed message: expected JSON like {"type": "command", '
                         '"text": "..."}') from None
    if not isinstance(message, dict) or message.get("type") not in KINDS:
        raise BadMessage(f"unknown message: \"type\" must be one of {', '.join(KINDS)}")
    return message


def command_text(value: object) -> str:
    """A command's text with its whitespace made single spaces; BadMessage when it is not a
    string, empty, too long, or holds characters that are not text (controls, lone
    surrogates, unassigned code points)."""
    if not isinstance(value, str):
        raise BadMessage('"text" must be a string')
    text = " ".join(value.split())
    odd = next((c for c in text if unicodedata.category(c).startswith("C")), None)
    if odd is not None:
        raise BadMessage(f"the command holds a character that is not text (U+{ord(odd):04X})")
    if not text:
        raise BadMessage("empty command")
    if len(text) > MAX_COMMAND_CHARS:
        raise BadMessage(f"command longer than {MAX_COMMAND_CHARS} characters")
    return text


def frame_rate(value: object) -> float:
    """Frames per second a viewer asks for: 0 (none) to MAX_FPS."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 0 <= value <= MAX_FPS:
        raise BadMessage(f'"fps" must be a number from 0 to {MAX_FPS:g}')
    return float(value)


def question_id(value: object) -> int:
    """The id of the question an answer is for: a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadMessage('"id" must be the positive integer of an open question')
    return value
