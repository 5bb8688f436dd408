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


def stream_replies() -> bool:
    """$CAP_STREAM=1 streams model replies."""
    return os.environ.get("CAP_STREAM") == "1"


def speech_spec(flag: str | None = None) -> str:
    """The speech recogniser: the flag, else $CAP_SPEECH, else local Whisper where
    faster-whisper is installed, else pocketsphinx."""
    if flag or os.environ.get("CAP_SPEECH"):
        return flag or os.environ["CAP_SPEECH"]
    return "whisper-local" if importlib.util.find_spec("faster_whisper") else "pocketsphinx"


@dataclass
class SessionConfig:
    """Everything a session needs besides its model and its robot cell."""

    spec: SceneSpec = field(default_factory=SceneSpec)
    perception: str = "pixels"  # a name in cap.perceivers
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
        from cap.perceivers import PERCEIVERS
        if self.perception not in PERCEIVERS:
            raise ValueError(f"perception must be one of {', '.join(PERCEIVERS)}, "
                             f"got {self.perception!r}")
        if self.max_repairs < 0 or self.fgen_depth < 0:
            raise ValueError("max_repairs and fgen_depth must be >= 0")
