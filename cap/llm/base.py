"""The chat-model interface, usage accounting, and the decorator backends register with."""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from cap.config import ModelSettings


CHARACTERS_PER_TOKEN = 3  # prompts and code run about 3 characters a token, not 4


def approx_tokens(text: str) -> int:
    """cap's own estimate, where a server's count is not at hand (shown as an estimate)."""
    return len(text) // CHARACTERS_PER_TOKEN + 1


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int | None = 0  # None: the server did not say (a stream without usage)
    completion_tokens: int | None = 0
    cached: bool = False
    seconds: float = 0.0
    truncated: bool = False  # cut off by the server (finish_reason "length")


@dataclass
class Usage:
    """Model use over a run: calls (answered or not), tokens, cache hits and every second
    spent waiting. Token totals are unknown (None) once a call's counts were unknown."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    uncounted: int = 0  # calls whose token counts the server did not give
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, completion: Completion | None, seconds: float) -> None:
        """One call: its reply (None when it failed or was abandoned) and its wall time."""
        with self._lock:
            self.calls += 1
            self.seconds += seconds
            if completion is None:
                return
            self.cache_hits += int(completion.cached)
            if completion.prompt_tokens is None or completion.completion_tokens is None:
                self.uncounted += 1
            self.prompt_tokens += completion.prompt_tokens or 0
            self.completion_tokens += completion.completion_tokens or 0

    def as_dict(self, since: "Usage | None" = None) -> dict:
        """The totals (since an earlier `copy`, when given); unknown token counts as None."""
        base = since or Usage()
        known = self.uncounted == base.uncounted
        return {"calls": self.calls - base.calls,
                "prompt_tokens": self.prompt_tokens - base.prompt_tokens if known else None,
                "completion_tokens":
                    self.completion_tokens - base.completion_tokens if known else None,
                "cache_hits": self.cache_hits - base.cache_hits,
                "seconds": round(self.seconds - base.seconds, 3)}

    def copy(self) -> "Usage":
        with self._lock:
            return Usage(self.calls, self.prompt_tokens, self.completion_tokens,
                         self.cache_hits, self.seconds, self.uncounted)


class ChatModel(ABC):
    """One chat-completions model. `complete` gets the full message list and sampling settings."""

    name: str = "model"
    endpoint: str = ""  # where it answers (a server's base URL): part of the cache key
    remote = False  # requests go over the network: each is watched on a thread of its own
    is_baseline = False  # answers without a language model (labelled in every report)
    cacheable = True  # replies worth keeping on disk (not for offline or scripted backends)

    @abstractmethod
    def complete(self, messages: list[dict[str, str]], temperature: float,
                 max_tokens: int, lmp: str) -> Completion:
        """The model's reply; raises GenerationError with a clear message on any failure."""


BACKENDS: dict[str, Callable[[str, "ModelSettings"], ChatModel]] = {}


def backend(prefix: str):
    """Register a factory for `--llm PREFIX:MODEL` specs: factory(MODEL, ModelSettings)."""
    def register(factory: Callable[[str, "ModelSettings"], ChatModel]):
        BACKENDS[prefix] = factory
        return factory
    return register
