"""A language-model program: a prompt, a model, and the code it writes for a query."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from cap.errors import CapError, ContextExceeded, GenerationError
from cap.llm.base import ChatModel, Completion, Usage, approx_tokens
from cap.llm.calls import Watch
from cap.prompts import Prompt
from cap.replies import TruncatedReply, broken_before_the_cut, extract_code

RETRY_TOKENS_FACTOR = 4


@dataclass
class History:
    """Earlier (user message, code) turns, trimmed to a token budget, oldest dropped first."""

    budget: int = 1200
    turns: list[tuple[str, str]] = field(default_factory=list)

    def add(self, user: str, code: str) -> None:
        self.turns.append((user, code))
        while self.turns and sum(approx_tokens(u + c) for u, c in self.turns) > self.budget:
            self.turns.pop(0)

    def messages(self) -> list[dict[str, str]]:
        out = []
        for user, code in self.turns:
            out += [{"role": "user", "content": user}, {"role": "assistant", "content": code}]
        return out


@dataclass
class LMP:
    """`watch`: the session's deadline, Stop and progress for model calls. `on_refused`:
    hears of every reply that held no program to run (lmp, query, reply, error)."""

    prompt: Prompt
    model: ChatModel
    usage: Usage
    watch: Watch = field(default_factory=Watch)
    on_refused: Callable[[dict], None] | None = None

    def generate(self, query: str, context: str = "", history: History | None = None,
                 failed: tuple[str, str] | None = None) -> str:
        """Code for `query`; `failed` (the reply or code, what went wrong) asks the model to
        repair its last attempt. A reply cut off at the token limit is asked once more with
        room, unless its code was already broken before the cut; a program that was cut off
        never runs."""
        messages = self._messages(query, context, history, failed)
        limit = self.prompt.max_tokens
        completion = self._complete(query, messages, limit)
        if completion.truncated and not self._context_full(completion, limit) \
                and not broken_before_the_cut(completion.text):
            self._report(query, completion.text, f"the reply was cut off at the token limit "
                                                 f"of {limit}; asked again with more room")
            limit *= RETRY_TOKENS_FACTOR
            completion = self._complete(query, messages, limit)
        return self._read(query, completion, limit)

    def _messages(self, query: str, context: str, history: History | None,
                  failed: tuple[str, str] | None) -> list[dict[str, str]]:
        messages = self.prompt.messages()
        if history is not None and self.prompt.session_memory:
            messages += history.messages()
        user = self.prompt.user_message(query, context)
        if failed:
            messages.append({"role": "user", "content": user})
            if failed[0].strip():
                messages.append({"role": "assistant", "content": failed[0]})
            user = (f"That program failed:\n{failed[1]}\nWrite the whole corrected program.\n"
                    f"{user}")
        return messages + [{"role": "user", "content": user}]

    def _complete(self, query: str, messages: list[dict], max_tokens: int) -> Completion:
        started, completion = time.perf_counter(), None
        try:
            completion = self.watch.run(self.prompt.name, lambda: self.model.complete(
                messages, self.prompt.temperature, max_tokens, self.prompt.name),
                remote=self.model.remote)
            return completion
        except CapError as error:
            if error.reply:  # what the model had written when the call was abandoned
                self._report(query, error.reply, str(error))
            raise
        finally:
            self.usage.add(completion, time.perf_counter() - started)

    def _read(self, query: str, completion: Completion, max_tokens: int) -> str:
        """The program in a reply; a reply without one is reported, then raised."""
        try:
            if completion.truncated:
                raise self._cut_off(completion, max_tokens)
            return extract_code(completion.text)
        except GenerationError as error:
            error.reply = completion.text
            self._report(query, completion.text, str(error))
            raise

    def _report(self, query: str, reply: str, error: str) -> None:
        if self.on_refused:
            self.on_refused({"lmp": self.prompt.name, "query": query, "code": "",
                             "reply": reply, "error": error})

    @staticmethod
    def _context_full(completion: Completion, max_tokens: int) -> bool:
        """A cut-off by the context window: fewer tokens written than asked (the prompt left
        no more room; asking again cannot help)."""
        written = completion.completion_tokens
        return completion.truncated and written is not None and written < max_tokens

    def _cut_off(self, completion: Completion, max_tokens: int) -> GenerationError:
        """Why the server stopped: the context window, or the token limit."""
        written, prompt = completion.completion_tokens, completion.prompt_tokens
        if self._context_full(completion, max_tokens):
            size = "its size" if prompt is None else f"{prompt + written} tokens"
            where = f" at {self.model.endpoint}" if self.model.endpoint else ""
            return ContextExceeded(
                f"the reply was cut off after {written} tokens because the prompt "
                f"({prompt or 'an unstated number of'} tokens) filled the server's context "
                f"({size}) and left no room for the {max_tokens} asked (model "
                f"{self.model.name}{where}). {ContextExceeded.ADVICE}")
        if broken := broken_before_the_cut(completion.text):
            return TruncatedReply(f"the reply was cut off at the token limit of {max_tokens}, "
                                  f"and its code was broken before that ({broken}); more room "
                                  "would not mend it, so it was not asked again",
                                  for_model=f"your reply was cut off after {max_tokens} "
                                            f"tokens, and before that {broken}; write a short, "
                                            "complete program")
        retried = f" (asked first with {self.prompt.max_tokens})" \
            if max_tokens != self.prompt.max_tokens else ""
        return TruncatedReply(f"the reply was cut off at the token limit of {max_tokens}"
                              f"{retried}; the program never ran: a shorter command or a model "
                              "that writes shorter programs may fit",
                              for_model=f"your reply was cut off after {max_tokens} tokens, "
                                        "before it ended; write a shorter program")
