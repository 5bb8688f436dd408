"""A language-model program: a prompt, a model, and the code it writes for a query."""
from __future__ import annotations

from dataclasses import dataclass, field

from cap.llm.base import ChatModel, Completion, Usage
from cap.prompts import Prompt
from cap.replies import TruncatedReply, extract_code

RETRY_TOKENS_FACTOR = 4


def approx_tokens(text: str) -> int:
    return len(text) // 4 + 1


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
    prompt: Prompt
    model: ChatModel
    usage: Usage

    def generate(self, query: str, context: str = "", history: History | None = None,
                 failed: tuple[str, str] | None = None) -> str:
        """Code for `query`; `failed` (code, error) asks the model to repair its last attempt."""
        messages = self.prompt.messages()
        if history is not None and self.prompt.session_memory:
            messages += history.messages()
        user = self.prompt.user_message(query, context)
        if failed:
            messages += [{"role": "user", "content": user},
                         {"role": "assistant", "content": failed[0]}]
            user = (f"That program failed:\n{failed[1]}\nWrite the whole corrected program.\n"
                    f"{user}")
        messages.append({"role": "user", "content": user})
        try:
            return self._code(self._complete(messages, self.prompt.max_tokens))
        except TruncatedReply:  # once more with room; a cut-off program never runs
            limit = RETRY_TOKENS_FACTOR * self.prompt.max_tokens
            try:
                return self._code(self._complete(messages, limit))
            except TruncatedReply as error:
                raise TruncatedReply(f"{error} (asked again with {limit} tokens); ask for "
                                     "a shorter program") from None

    def _complete(self, messages: list[dict], max_tokens: int) -> Completion:
        completion = self.model.complete(messages, self.prompt.temperature, max_tokens,
                                         self.prompt.name)
        self.usage.add(completion)
        return completion

    @staticmethod
    def _code(completion: Completion) -> str:
        if completion.truncated:
            raise TruncatedReply("the reply was cut off at the token limit")
        return extract_code(completion.text)
