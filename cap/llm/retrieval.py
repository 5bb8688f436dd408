"""The offline baseline: no model, the nearest prompt example with its words swapped.

For each request it takes the example whose query is most like the query, maps the example's
colours, object kinds and place names onto the query's (in order of appearance), and returns
that example's code with the same substitutions. For `fgen` it only returns a definition the
prompt already holds. Deterministic; a baseline, not a language model.

It answers only a query close to an example: the Dice overlap of their content words (stop
words dropped, a few synonyms merged) must reach SIMILARITY_THRESHOLD. For a command only the
words that say what to do count; colours, kinds and places do not, and the command must name at
least as many of them as the example (none of the example's own objects may stay in the code).
A sub-program's query counts colours, kinds and places as such, at half weight. Anything else is
refused with `NoCloseExample`: "do a little dance" is not "move the green block a bit to the
left", nor "throw the red block" "put the red block in the blue bowl".
"""
from __future__ import annotations

import re

from cap.errors import NoCloseExample
from cap.llm.base import ChatModel, Completion, backend
from perception.palette import PALETTE
from robots.workspace import PLACES_NORMALIZED

COLORS = tuple(PALETTE)
KINDS = ("block", "bowl")
PLACES = tuple(sorted(PLACES_NORMALIZED, key=len, reverse=True))
VOCABULARIES = (PLACES, COLORS, KINDS)
SIMILARITY_THRESHOLD = 0.5
# A colour, kind or place says what with, not what to do: a command is compared by what it
# asks to do only; a sub-program's query ("the blocks") by what it names as well.
COMMAND_VOCABULARY_WEIGHT, QUERY_VOCABULARY_WEIGHT = 0.0, 0.5
STOP_WORDS = frozenset(
    "a an the to of on in into onto at by for from with and or it its them their they this "
    "that these those there is are be do does i me my you your we us our please can could "
    "would will up what which who how why when where".split())
PHRASES = {"how many": "count"}
SYNONYMS = {"place": "put", "move": "put", "pick": "put", "drop": "put", "bring": "put",
            "set": "put", "colour": "color", "colours": "color", "colors": "color",
            "colored": "color", "coloured": "color", "nearest": "closest", "every": "all",
            "each": "all"}
ORDINALS = frozenset("first second third fourth fifth sixth last".split())
VOCABULARY_TOKENS = ("<place>", "<color>", "<kind>")


def query_of(user_message: str) -> str:
    """The query line of a user message ("# put the ..."), without the context."""
    lines = [line[2:] for line in user_message.splitlines() if line.startswith("# ")]
    return lines[-1] if lines else user_message


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
        command = lmp == "tabletop_ui"
        weight = COMMAND_VOCABULARY_WEIGHT if command else QUERY_VOCABULARY_WEIGHT
        scored = [(similarity(query_of(asked), query, weight), query_of(asked), code)
                  for asked, code in pairs if not command or names_enough(query_of(asked), query)]
        score, asked, code = max(scored, key=lambda row: row[0], default=(0.0, "", ""))
        if score < SIMILARITY_THRESHOLD:
            raise NoCloseExample(
                f"no model is configured, and the offline 'retrieval' baseline has no prompt "
                f"example close to {query!r} (nearest similarity {score:.2f} < "
                f"{SIMILARITY_THRESHOLD}). Configure a model: --llm openai:MODEL with "
                f"OPENAI_API_KEY (and OPENAI_BASE_URL for a local server), --llm ollama:MODEL, "
                f"or CAP_LLM")
        return Completion(substitute(code, asked, query))

    @staticmethod
    def _definition(pairs, query: str) -> str:
        name = re.match(r"\s*def\s+(\w+)", query)
        for _, code in pairs:
            if name and re.match(rf"\s*def\s+{name.group(1)}\s*\(", code):
                return code
        return "# the retrieval baseline knows no definition for this function"


def content_words(text: str) -> set[str]:
    """The words that carry meaning: places, colours and kinds as tokens of their class,
    ordinals as one token, synonyms merged, stop words dropped."""
    text = text.lower()
    for phrase, token in PHRASES.items():
        text = re.sub(rf"\b{phrase}\b", f" {token} ", text)
    for vocabulary, token in zip(VOCABULARIES, VOCABULARY_TOKENS):
        pattern = r"\b(" + "|".join(map(re.escape, vocabulary)) + r")s?\b"
        text = re.sub(pattern, f" {token} ", text)
    found = set()
    for word in re.findall(r"<\w+>|[a-z0-9]+", text):
        if word not in STOP_WORDS:
            found.add("<ordinal>" if word in ORDINALS else SYNONYMS.get(word, word))
    return found


def similarity(a: str, b: str, vocabulary_weight: float) -> float:
    """Dice overlap of the content words, 0 (nothing shared) to 1; colours, kinds and places
    weigh `vocabulary_weight`, other words 1."""
    def weight(words: set[str]) -> float:
        return sum(vocabulary_weight if w in VOCABULARY_TOKENS else 1.0 for w in words)
    wa, wb = content_words(a), content_words(b)
    return 2 * weight(wa & wb) / max(1e-9, weight(wa) + weight(wb))


def names_enough(example: str, command: str) -> bool:
    """Whether the command names at least as many colours, kinds and places as the example, so
    that every one of the example's is swapped for one of the command's."""
    return all(len(mentions(example, v)) <= len(mentions(command, v)) for v in VOCABULARIES)


@backend("retrieval")
def _retrieval(model: str, settings) -> ChatModel:
    return Retrieval()
