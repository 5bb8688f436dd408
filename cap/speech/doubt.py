"""How sure a recogniser is of each object name it heard.

From its scored n-best readings: for each name in the best reading, the other names on the
table that a reading nearly as likely puts in the same place (the n-th name of one reading
against the n-th of another), with the margin between the two readings' scores (natural
log). Beam search prunes readings, so a recogniser may also score the best reading with each
other name in place (`probed`); the smaller margin counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from perception.palette import PALETTE

KINDS = ("block", "bowl")
# alternatives less likely than this (natural log) are not reported: under 1 % of the best
REPORTED_MARGIN = 4.6


@dataclass(frozen=True)
class Alternative:
    name: str
    margin: float  # how much less likely the best reading that says this name is (nats)


@dataclass(frozen=True)
class NameDoubt:
    """One object name as heard: where it stands in the transcript and the likely others."""

    name: str
    start: int  # index of its first word in the transcript
    length: int  # how many words it spans
    others: tuple[Alternative, ...]  # most likely first

    def as_json(self) -> dict:
        return {"name": self.name, "others": [{"name": o.name, "margin": round(float(o.margin), 2)}
                                              for o in self.others]}


def palette_names() -> list[str]:
    """Every "colour kind" name (the names a recogniser without a scene can hear)."""
    return [f"{color} {kind}" for color in PALETTE for kind in KINDS]


def name_spans(words: list[str], names: Iterable[str]) -> list[tuple[int, int, str]]:
    """(start, length, name) of each name in the words, left to right, longest name first
    ("red block two" before "red block")."""
    known = sorted({tuple(n.split()) for n in names}, key=len, reverse=True)
    spans, i = [], 0
    while i < len(words):
        match = next((n for n in known if tuple(words[i:i + len(n)]) == n), None)
        if match:
            spans.append((i, len(match), " ".join(match)))
        i += len(match) if match else 1
    return spans


def alternatives(table: Iterable[str] = ()) -> set[str]:
    """The names a heard name may be doubted for: the table's, or without one the palette's."""
    return set(table) or set(palette_names())


def heard_spans(text: str, table: Iterable[str] = ()) -> list[tuple[int, int, str]]:
    """The object names in a transcript: the table's and any "colour kind"."""
    return name_spans(text.split(), alternatives(table) | set(palette_names()))


def name_doubts(scored: dict[str, float], best: str, table: Iterable[str] = (),
                probed: list[dict[str, float]] | None = None) -> tuple[NameDoubt, ...]:
    """The doubt over each name in `best` among readings scored text -> log probability.
    `table`: the names on the table as said (alternatives are these; without, any palette
    name). `probed`: per name in `best`, margins the recogniser measured directly."""
    candidates = alternatives(table)
    heard = candidates | set(palette_names())
    spans = name_spans(best.split(), heard)
    margins: list[dict[str, float]] = [dict(m) for m in probed] if probed else [{} for _ in spans]
    for text, score in scored.items():
        other = name_spans(text.split(), heard)
        if len(other) != len(spans):  # another count of objects: no reading of one name
            continue
        for found, (_, _, said), (_, _, name) in zip(margins, spans, other):
            if name != said and name in candidates:
                found[name] = min(found.get(name, float("inf")), scored[best] - score)
    return tuple(NameDoubt(name, start, length, tuple(
        Alternative(n, m) for n, m in sorted(found.items(), key=lambda item: item[1])
        if m < REPORTED_MARGIN)) for (start, length, name), found in zip(spans, margins))
