"""The chat-model interface, usage accounting, and the decorator backends register with."""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    seconds: float = 0.0
    truncated: bool = False  # cut off at the token limit (finish_reason "length")


@dataclass
class Usage:
    """Model use over a run: calls, tokens, cache hits and seconds spent waiting."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, completion: Completion) -> None:
        with self._lock:
            self.calls += 1
            self.prompt_tokens += completion.prompt_tokens
            self.completion_tokens += completion.completion_tokens
            self.cache_hits += int(completion.cached)
            self.seconds += completion.seconds

    def as_dict(self) -> dict:
        return {"calls": self.calls, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "cache_hits": self.cache_hits,
                "seconds": round(self.seconds, 3)}


class ChatModel(ABC):
    """One chat-completions model. `complete` gets the full message list and sampling settings."""

    name: str = "model"
    is_baseline = False  # answers without a language model (labelled in every report)
    cacheable = True  # replies worth keeping on disk (not for offline or scripted backends)

    @abstractmethod
    def complete(self, messages: list[dict[str, str]], temperature: float,
                 max_tokens: int, lmp: str) -> Completion:
        """The model's reply; raises GenerationError with a clear message on any failure."""


BACKENDS: dict[str, Callable[[str], ChatModel]] = {}


def backend(prefix: str):
    """Register a factory for `--llm PREFIX:MODEL` specs."""
    def register(factory: Callable[[str], ChatModel]):
        BACKENDS[prefix] = factory
        return factory
    return register
