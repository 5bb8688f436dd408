"""How sure a recogniser is of each object name it heard.

From its scored n-best readings: for each name in the best reading, the other names on the
table that a reading nearly as likely puts in the same place (the n-th name of one reading
against the n-th of another), with the margin between the two readings' scores (natural
log). A reading that says the kind there without naming an object ("every block" for "the
red block") casts its doubt too, as the words it has in place of the name. Beam search
prunes readings, so a recogniser may also score the best reading with each other name in
place (`probed`); the smaller margin counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Iterable

from perception.palette import PALETTE

KINDS = ("block", "bowl")
Rival = tuple[str, bool]  # what a reading says in place of a name, and whether it is a name
# alternatives less likely than this (natural log) are not reported: under 1 % of the best
REPORTED_MARGIN = 4.6


@dataclass(frozen=True)
class Alternative:
    """Another object's name, or (`named` false) the words a reading says in place of "the"
    and the heard name ("every block" for "the red block")."""

    name: str
    margin: float  # how much less likely the best reading that says this is (nats)
    named: bool = True

    @property
    def said(self) -> str:
        return f"the {self.name}" if self.named else self.name


@dataclass(frozen=True)
class NameDoubt:
    """One object name as heard: where it stands in the transcript and the likely others."""

    name: str
    start: int  # index of its first word in the transcript
    length: int  # how many words it spans
    others: tuple[Alternative, ...]  # most likely first

    def as_json(self) -> dict:
        return {"name": self.name, "others": [
            {"name": o.name, "margin": round(float(o.margin), 2), "named": o.named}
            for o in self.others]}


def name_place(words: list[str], start: int, length: int) -> tuple[int, int]:
    """(start, end) of the words a reading without a name there replaces: the name and the
    "the" before it."""
    before = start > 0 and words[start - 1] == "the"
    return start - before, start + length


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
    margins: list[dict[Rival, float]] = [
        {(n, True): m for n, m in found.items()} for found in probed] if probed else [
        {} for _ in spans]
    for text, score in scored.items():
        for found, rival in zip(margins, rivals(best, spans, text, heard, candidates)):
            if rival:
                found[rival] = min(found.get(rival, float("inf")), scored[best] - score)
    return tuple(NameDoubt(name, start, length, tuple(
        Alternative(said, m, named) for (said, named), m in sorted(
            found.items(), key=lambda item: item[1]) if m < REPORTED_MARGIN))
        for (start, length, name), found in zip(spans, margins))


def rivals(best: str, spans: list[tuple[int, int, str]], text: str, heard: set[str],
           candidates: set[str]) -> list[Rival | None]:
    """What the reading `text` says in the place of each name of `best` when it differs: the
    n-th name when both name as many objects, else words of the same kind that name none."""
    other = name_spans(text.split(), heard)
    if len(other) == len(spans):
        return [(name, True) if name != said and name in candidates else None
                for (_, _, said), (_, _, name) in zip(spans, other)]
    words, theirs = best.split(), text.split()
    edits = [e for e in SequenceMatcher(None, words, theirs, autojunk=False).get_opcodes()
             if e[0] != "equal"]
    return [unnamed(words, theirs, edits, *name_place(words, start, length), heard, name)
            for start, length, name in spans]


def unnamed(words: list[str], theirs: list[str], edits: list, start: int, end: int,
            heard: set[str], name: str) -> Rival | None:
    """The words of another reading in place of words[start:end] (the heard `name`) when only
    edits inside that place change it and they end in the name's kind ("every block", "the
    bowls") but name no object; None otherwise ("the table" is no reading of a block)."""
    touching = [e for e in edits if e[1] < end and e[2] > start or start < e[1] == e[2] < end]
    if not touching or any(e[1] < start or e[2] > end for e in touching):
        return None
    begin = touching[0][3] - (touching[0][1] - start)
    stop = touching[-1][4] + (end - touching[-1][2])
    said = theirs[begin:stop]
    kinds = {f"{kind}{s}" for kind in KINDS if kind in name.split() for s in ("", "s")}
    if not said or said[-1] not in kinds or name_spans(said, heard):
        return None
    return " ".join(said), False
