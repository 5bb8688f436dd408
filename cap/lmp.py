"""A language-model program: a prompt, a model, and the code it writes for a query."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from cap.errors import GenerationError
from cap.llm.base import ChatModel, Usage
from cap.prompts import Prompt

FENCE = re.compile(r"```[ \t]*(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)


def extract_code(reply: str) -> str:
    """The Python in a model reply: fenced blocks if any, else the longest parsable span."""
    blocks = FENCE.findall(reply)
    text = "\n".join(blocks) if blocks else reply
    lines = text.strip("\n").splitlines()
    for start in range(len(lines)):
        for end in range(len(lines), start, -1):
            candidate = "\n".join(lines[start:end])
            if _is_code(candidate):
                return candidate
    raise GenerationError("the model's reply held no Python code: "
                          f"{reply.strip()[:200]!r}; reply with code only")


def _is_code(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    # a lone name or constant ("Sure", "Here is the code") is prose, not a program
    return any(not (isinstance(node, ast.Expr) and isinstance(node.value, (ast.Name, ast.Constant)))
               for node in tree.body)


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
        completion = self.model.complete(messages, self.prompt.temperature,
                                         self.prompt.max_tokens, self.prompt.name)
        self.usage.add(completion)
        return extract_code(completion.text)
