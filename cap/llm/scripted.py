"""A scripted model: replies chosen by rules from a file, for demos, replays and tests.

`--llm scripted:FILE` reads a JSON file:

    {"rules": [{"contains": "red block", "reply": "put_first_on_second(...)",
                "system": "", "times": null, "finish_reason": "stop"}],
     "fallback": null}

(or just the list of rules). A rule answers when `contains` is in the last user message and
`system` in the system message (which LMP is asking); `times` limits how often it answers.
No rule and no fallback: a GenerationError that says so.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cap.errors import GenerationError
from cap.llm.base import ChatModel, Completion, backend


@dataclass
class Rule:
    contains: str  # matched against the last user message
    reply: str
    times: int | None = None  # answer this many times, then stop matching
    system: str = ""  # and, when given, against the system message
    finish_reason: str = "stop"  # "length": the reply was cut off at the token limit


@dataclass
class Script:
    """Rules tried in order, and what to answer when none matches (None: no answer)."""

    rules: list[Rule] = field(default_factory=list)
    fallback: str | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path) -> "Script":
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise GenerationError(f"cannot read the model script {path}: {error}") from None
        if isinstance(data, list):
            data = {"rules": data}
        try:
            return cls([Rule(**rule) for rule in data.get("rules", [])], data.get("fallback"))
        except TypeError as error:
            raise GenerationError(f"malformed model script {path}: {error}; each rule has "
                                  "contains, reply and optionally times, system") from None

    def add(self, contains: str, reply: str, times: int | None = None, system: str = "",
            finish_reason: str = "stop") -> None:
        with self._lock:
            self.rules.append(Rule(contains, reply, times, system, finish_reason))

    def answer(self, messages: list[dict[str, str]]) -> tuple[str, str] | None:
        """(reply, finish reason) for a conversation: the first rule that matches, else the
        fallback; None when neither."""
        last, system = messages[-1]["content"], messages[0]["content"]
        with self._lock:
            for rule in self.rules:
                if rule.contains in last and rule.system in system and rule.times != 0:
                    if rule.times is not None:
                        rule.times -= 1
                    return rule.reply, rule.finish_reason
        return None if self.fallback is None else (self.fallback, "stop")


def approx_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class ScriptedModel(ChatModel):
    """Answers from a Script in process; token counts are characters / 4."""

    is_baseline = False
    cacheable = False

    def __init__(self, script: Script, name: str = "scripted") -> None:
        self.script, self.name = script, name

    def complete(self, messages, temperature, max_tokens, lmp) -> Completion:
        started = time.perf_counter()
        answer = self.script.answer(messages)
        if answer is None:
            raise GenerationError(f"the model script has no reply for: "
                                  f"{messages[-1]['content'][-200:]!r}")
        reply, finish_reason = answer
        cut = finish_reason == "length"  # a rule's cut-off is at the token limit
        return Completion(reply, sum(approx_tokens(m["content"]) for m in messages),
                          max_tokens if cut else approx_tokens(reply),
                          seconds=time.perf_counter() - started, truncated=cut)


@backend("scripted")
def _scripted(path: str, settings) -> ChatModel:
    return ScriptedModel(Script.load(path), name=f"scripted:{Path(path).name}")
