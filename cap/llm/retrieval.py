"""The offline baseline: no model, the nearest prompt example with its words swapped.

For each request it takes the example whose query shares the most words with the query, maps the
example's colours, object kinds and place names onto the query's (in order of appearance), and
returns that example's code with the same substitutions. For `fgen` it only returns a definition
the prompt already holds. Deterministic; a baseline, not a language model.
"""
from __future__ import annotations

import re

from cap.llm.base import ChatModel, Completion, backend
from perception.palette import PALETTE
from robots.workspace import PLACES_NORMALIZED

COLORS = tuple(PALETTE)
KINDS = ("block", "bowl")
VOCABULARIES = (tuple(sorted(PLACES_NORMALIZED, key=len, reverse=True)), COLORS, KINDS)


def query_of(user_message: str) -> str:
    """The query line of a user message ("# put the ..."), without the context."""
    lines = [line[2:] for line in user_message.splitlines() if line.startswith("# ")]
    return lines[-1] if lines else user_message


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def mentions(text: str, vocabulary) -> list[str]:
    """Vocabulary terms in order of appearance (longest first, so places win over words)."""
    found: list[tuple[int, str]] = []
    taken = [False] * len(text)
    for term in vocabulary:
        for match in re.finditer(rf"\b{re.escape(term)}s?\b", text.lower()):
            if not any(taken[match.start():match.end()]):
                found.append((match.start(), term))
                taken[match.start():match.end()] = [True] * (match.end() - match.start())
    return [term for _, term in sorted(found)]


def substitute(code: str, example_query: str, query: str) -> str:
    """Swap the example's colours, kinds and places for the query's, in one pass each."""
    for vocabulary in VOCABULARIES:
        pairs = dict(zip(mentions(example_query, vocabulary), mentions(query, vocabulary)))
        pairs = {a: b for a, b in pairs.items() if a != b}
        if pairs:
            pattern = re.compile(r"\b(" + "|".join(map(re.escape, pairs)) + r")\b")
            code = pattern.sub(lambda m: pairs[m.group(1)], code)
    return code


class Retrieval(ChatModel):
    name = "retrieval"
    is_baseline = True
    cacheable = False

    def complete(self, messages, temperature, max_tokens, lmp) -> Completion:
        pairs = [(messages[i]["content"], messages[i + 1]["content"])
                 for i in range(1, len(messages) - 1)
                 if messages[i]["role"] == "user" and messages[i + 1]["role"] == "assistant"]
        query = query_of(messages[-1]["content"])
        if lmp == "fgen":
            return Completion(self._definition(pairs, query))
        if not pairs:
            return Completion("# no example to retrieve")
        best = max(pairs, key=lambda pair: _similarity(query_of(pair[0]), query))
        return Completion(substitute(best[1], query_of(best[0]), query))

    @staticmethod
    def _definition(pairs, query: str) -> str:
        name = re.match(r"\s*def\s+(\w+)", query)
        for _, code in pairs:
            if name and re.match(rf"\s*def\s+{name.group(1)}\s*\(", code):
                return code
        return "# the retrieval baseline knows no definition for this function"


def _similarity(a: str, b: str) -> float:
    wa, wb = words(a), words(b)
    return len(wa & wb) / max(1, len(wa | wb))


@backend("retrieval")
def _retrieval(model: str) -> ChatModel:
    return Retrieval()
