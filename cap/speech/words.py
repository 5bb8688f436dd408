"""Transcripts made comparable, and judged as commands.

`normalise` writes numbers and units one way ("5 cm" and "five centimeters" are the same
command), drops punctuation and case. `CommandLanguage` scores a transcript under the command
grammar's language model, for choosing among a recogniser's hypotheses.
"""
from __future__ import annotations

import math
import re
import threading
from typing import Iterable

from cap.speech.grammar import DIGITS, corpus, spoken
from cap.speech.ngram import TrigramScorer

TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth"}
UNITS = {"cm": "centimeters", "mm": "millimeters", "m": "meters", "deg": "degrees",
         "°": "degrees", "%": "percent"}  # after a number
SPELLING = {"centimetres": "centimeters", "centimetre": "centimeter", "millimetres": "millimeters",
            "metres": "meters", "metre": "meter", "grey": "gray", "colour": "color",
            "colours": "colors", "coloured": "colored"}
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


class CommandLanguage:
    """How likely a transcript is as a tabletop command of a scene: a trigram model of the
    command grammar with the scene's names (built on a thread; the first score waits)."""

    def __init__(self, object_names: Iterable[str] = ()) -> None:
        self._model: TrigramScorer | None = None
        self._ready = threading.Thread(target=self._build, daemon=True,
                                       args=([spoken(name) for name in object_names],))
        self._ready.start()

    def _build(self, names: list[str]) -> None:
        self._model = TrigramScorer(corpus(names, SCORER_SENTENCES))

    def log_probability(self, text: str) -> float:
        """Natural log of the transcript's probability under the model."""
        self._ready.join()
        return math.log(10) * self._model.score(text.split())
