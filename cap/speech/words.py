"""Transcripts made comparable and snapped to the command vocabulary.

`normalise` writes numbers and units one way ("5 cm" and "five centimeters" are the same
command), drops punctuation and case. `Snapper` replaces words the command grammar does not
know (and plural slips) by a near vocabulary word when the command language model is clearly
more confident of the result; it never turns a word into a colour that no object on the table
has.
"""
from __future__ import annotations

import difflib
import re
import threading
from typing import Iterable

from cap.speech.grammar import DIGITS, corpus, spoken, vocabulary
from cap.speech.ngram import TrigramScorer
from perception.palette import PALETTE

TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth"}
UNITS = {"cm": "centimeters", "mm": "millimeters", "m": "meters", "deg": "degrees",
         "°": "degrees", "%": "percent"}  # after a number
SPELLING = {"centimetres": "centimeters", "centimetre": "centimeter", "millimetres": "millimeters",
            "metres": "meters", "metre": "meter", "grey": "gray", "colour": "color",
            "colours": "colors", "coloured": "colored"}
SNAP_MARGIN = 2.0  # log10: the snapped sentence must be 100x more likely under the model
KNOWN_MARGIN = 4.0  # a word the grammar knows needs far more evidence to be replaced
SIMILARITY = 0.6  # difflib ratio for a vocabulary word to count as a near miss
SCORER_SENTENCES = 8_000


def number_words(number: int) -> str:
    """0..999 as English words."""
    if number < 10:
        return DIGITS[number]
    if number < 20:
        return TEENS[number - 10]
    if number < 100:
        return TENS[number // 10] + ("" if number % 10 == 0 else f" {DIGITS[number % 10]}")
    rest = number % 100
    return f"{DIGITS[number // 100]} hundred" + (f" {number_words(rest)}" if rest else "")


def _spell_number(match: re.Match) -> str:
    whole, fraction = match.group(1), match.group(2)
    if int(whole) > 999:
        return match.group(0)
    words = number_words(int(whole))
    if fraction:
        words += " point " + " ".join(DIGITS[int(d)] for d in fraction)
    return f" {words} "


def normalise(text: str) -> str:
    """Lower case, no punctuation, numbers and units spelt out the same way every time."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"(\d)\s*(cm|mm|m|deg|°|%)(?![a-z])", lambda m: f"{m.group(1)} "
                  f"{UNITS[m.group(2)]}", text)
    text = re.sub(r"\b(\d+)(?:st|nd|rd|th)\b", lambda m: ORDINALS.get(m.group(0), m.group(1)),
                  text)
    text = re.sub(r"(\d+)(?:\.(\d+))?", _spell_number, text)
    text = re.sub(r"[^a-z ]", " ", text)
    return " ".join(SPELLING.get(word, word) for word in text.split())


class Snapper:
    """Near-miss words snapped to the command vocabulary of a scene, judged by a trigram
    model of the command grammar (built on a thread; the first snap waits for it)."""

    def __init__(self, object_names: Iterable[str] = ()) -> None:
        names = [spoken(name) for name in object_names]
        self.words = vocabulary(names) | {w for n in names for w in n.split()}
        self.words |= set(DIGITS) | set(TEENS) | {w for t in TENS for w in t.split()}
        scene_colors = {w for n in names for w in n.split() if w in PALETTE}
        # without a scene every palette colour may be meant; with one, only the scene's
        self.refused = set(PALETTE) - scene_colors if scene_colors else set()
        self.scorer: TrigramScorer | None = None
        self._ready = threading.Thread(target=self._build, args=(names,), daemon=True)
        self._ready.start()

    def _build(self, names: list[str]) -> None:
        self.scorer = TrigramScorer(corpus(names, SCORER_SENTENCES))

    def snap(self, text: str) -> str:
        self._ready.join()
        words = text.split()
        for i, word in enumerate(words):  # left to right: each choice sees the ones before
            current = self.scorer.score(words)
            trials = [(self.scorer.score(words[:i] + [w] + words[i + 1:]) - margin, w)
                      for w, margin in self._candidates(word)]
            best = max(trials, default=(current, word))
            if best[0] > current:
                words[i] = best[1]
        return " ".join(words)

    def _candidates(self, word: str) -> list[tuple[str, float]]:
        """Near vocabulary words (plural slips among them), each with the margin it needs."""
        margin = KNOWN_MARGIN if word in self.words else SNAP_MARGIN
        near = difflib.get_close_matches(word, self.words - {word}, n=6, cutoff=SIMILARITY)
        return [(w, margin) for w in near if w not in self.refused]
