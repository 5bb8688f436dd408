"""Configuration in one place: the home directory, the environment variables cap reads, and
the typed settings of a session. The CLI, the ROS 2 agent, the web page and the benchmarks
all map their flags or parameters onto these."""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path

from cap.sandbox.controller import Limits
from sim.scene import SceneSpec

BASELINE = "retrieval"  # the model spec used when none is configured


def cap_home() -> Path:
    """Where caches, the skill library and history live: $CAP_HOME, default ~/.cap."""
    return Path(os.environ.get("CAP_HOME", Path.home() / ".cap"))


def llm_spec(flag: str | None = None) -> str:
    """The model to use: the flag, else $CAP_LLM, else the offline baseline."""
    return flag or os.environ.get("CAP_LLM") or BASELINE


def llm_configured(flag: str | None = None) -> bool:
    """Whether the user named a model (flag or $CAP_LLM), rather than falling back."""
    return bool(flag or os.environ.get("CAP_LLM"))


@dataclass(frozen=True)
class ModelSettings:
    """How cap talks to a model server: the seconds one request may take, how often a request
    that failed in passing (no connection, HTTP 429 or 5xx) is tried again, and whether
    replies stream (tokens shown as they come; a server can stop computing a request
    abandoned mid-stream)."""

    timeout: float = 60.0
    retries: int = 2
    stream: bool = False

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.retries < 0:
            raise ValueError(f"the model timeout must be > 0 and retries >= 0: {self}")

    @classmethod
    def from_environment(cls, timeout: float | None = None,
                         retries: int | None = None) -> "ModelSettings":
        """Flags win over $CAP_LLM_TIMEOUT, $CAP_LLM_RETRIES and $CAP_STREAM (=1)."""
        defaults = cls()
        return cls(timeout if timeout is not None else
                   _number("CAP_LLM_TIMEOUT", defaults.timeout),
                   retries if retries is not None else
                   int(_number("CAP_LLM_RETRIES", defaults.retries)),
                   os.environ.get("CAP_STREAM") == "1")


def _number(variable: str, default: float) -> float:
    text = os.environ.get(variable)
    try:
        return float(text) if text else default
    except ValueError:
        raise ValueError(f"${variable} must be a number, got {text!r}") from None


def speech_spec(flag: str | None = None) -> str:
    """The speech recogniser: the flag, else $CAP_SPEECH, else local Whisper where
    faster-whisper is installed, else pocketsphinx."""
    if flag or os.environ.get("CAP_SPEECH"):
        return flag or os.environ["CAP_SPEECH"]
    return "whisper-local" if importlib.util.find_spec("faster_whisper") else "pocketsphinx"


PERCEPTIONS = ("pixels", "oracle", "vlm")  # cap.perceivers registers one factory for each


def check_perception(spec: str) -> None:
    """ValueError unless the spec names a known perception (only vlm takes an argument)."""
    name, colon, _ = spec.partition(":")
    if name not in PERCEPTIONS or (colon and name != "vlm"):
        raise ValueError(f"unknown perception {spec!r}; known: pixels, oracle, vlm[:MODEL]")


@dataclass
class SessionConfig:
    """Everything a session needs besides its model and its robot cell."""

    spec: SceneSpec = field(default_factory=SceneSpec)
    perception: str = "pixels"  # a name in cap.perceivers ("vlm:MODEL" names a model)
    grounding: str | None = None  # how the vision model gives coordinates (None: by its name)
    gui: bool = False
    video: str | None = None
    max_repairs: int = 2
    fgen_depth: int = 4
    history_tokens: int = 600
    use_skill_library: bool = True
    limits: Limits = field(default_factory=Limits)
    tts: str | None = None  # speak said messages: a name in cap.speech.tts
    tts_out: str | None = None  # write the spoken messages as WAV files here instead

    def __post_init__(self) -> None:
        check_perception(self.perception)
        if self.max_repairs < 0 or self.fgen_depth < 0:
            raise ValueError("max_repairs and fgen_depth must be >= 0")
