"""Asking before acting on an object name the recogniser was unsure of.

A `Clarification` holds a spoken command and the names in it whose best rival reading came
within ASK_MARGIN: it puts one question at a time ("the gray block or the green block?"),
takes the person's answer (typed, clicked or spoken) and ends with the command holding the
chosen names, or dropped. Every front end (`cap shell --voice`, the web page, `cap
transcribe --json`) asks through it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from cap.speech.doubt import Alternative, NameDoubt, name_place
from cap.speech.grammar import spoken
from cap.speech.recognize import Transcript
from cap.speech.words import normalise

# nats between the best reading and the best one naming another object there (or, of the
# same kind, none: "every block"): below it cap asks. Chosen on benchmarks/speech_tuning.py
# (225 utterances: 45 sentences, 3 scenes, 5 voices, none the benchmark's; 2026-12-07): the
# smallest margin with no wrong name acted on with the scene's names (asked 9.8 %; 2.5:
# 0.28 % wrong, 7.6 % asked; 3.5: 13.3 % asked).
ASK_MARGIN = 3.0
REFUSALS = {"neither", "none", "cancel", "no", "nothing", "stop", "nope", "abort", "never"}
ORDINALS = ("first", "second", "third", "fourth")
MAX_OTHERS = 2  # names offered beside the one heard
MAX_UNCLEAR = 3  # answers that name no option before the command is dropped


@dataclass(frozen=True)
class Question:
    """One name to settle: the heard name first, then the likely others (names, or the words
    a reading says in its place); `start`: the word of the command where the name stands."""

    choices: tuple[Alternative, ...]
    start: int

    @property
    def options(self) -> tuple[str, ...]:
        return tuple(choice.name for choice in self.choices)

    @property
    def text(self) -> str:
        said = [choice.said for choice in self.choices]
        return f"{', '.join(said[:-1])} or {said[-1]}?"

    def choice(self, reply: str) -> Alternative | None:
        """The choice the reply names, or None when it names none or several."""
        words = set(normalise(reply).split())
        named = [c for c in self.choices if set(self._distinct(c)) <= words]
        if len(named) > 1:  # "red block two" names "red block" too: the fuller match
            fullest = max(len(words & set(spoken(c.name).split())) for c in named)
            named = [c for c in named if len(words & set(spoken(c.name).split())) == fullest]
        named += [c for c, ordinal in zip(self.choices, ORDINALS) if ordinal in words]
        return named[0] if len(set(named)) == 1 else None

    def _distinct(self, choice: Alternative) -> list[str]:
        """The words that tell this choice from the others ("gray" in "gray block")."""
        words = spoken(choice.name).split()
        shared = set.intersection(*(set(spoken(c.name).split()) for c in self.choices))
        return [w for w in words if w not in shared] or words


class Clarification:
    """The questions a spoken command needs answered before it runs, one at a time."""

    def __init__(self, transcript: Transcript, margin: float = ASK_MARGIN) -> None:
        self.words = transcript.text.split()
        doubt = transcript.doubt or ()
        self._pending = [replace(d, others=tuple(o for o in d.others if o.margin < margin)
                                 [:MAX_OTHERS]) for d in doubt]
        self._pending = [d for d in self._pending if d.others]
        self.dropped = False
        self._unclear = 0

    @property
    def question(self) -> Question | None:
        """What to ask now; None once the command is settled (or dropped)."""
        if self.dropped or not self._pending:
            return None
        doubt = self._pending[0]
        return Question((Alternative(doubt.name, 0.0), *doubt.others), doubt.start)

    @property
    def command(self) -> str | None:
        """The command with the names chosen so far; None when dropped."""
        return None if self.dropped else " ".join(self.words)

    def answer(self, reply: str) -> str:
        """Take the person's answer to the current question; says what became of it."""
        question = self.question
        if question is None:
            raise ValueError("there is no question to answer")
        chosen = question.choice(reply)
        if chosen is None:
            return self._unanswered(reply, question)
        self._settle(self._pending.pop(0), chosen)
        return chosen.said

    def _unanswered(self, reply: str, question: Question) -> str:
        self._unclear += 1
        if REFUSALS & set(normalise(reply).split()) or self._unclear >= MAX_UNCLEAR:
            self.dropped = True
            return "dropped the command"
        return f"please say {question.text[:-1]}, or neither"

    def _settle(self, doubt: NameDoubt, chosen: Alternative) -> None:
        """Put the chosen words in place of the heard name (later names move with them)."""
        start, end = ((doubt.start, doubt.start + doubt.length) if chosen.named
                      else name_place(self.words, doubt.start, doubt.length))
        said = spoken(chosen.name).split()
        self.words[start:end] = said
        shift = len(said) - (end - start)
        self._pending = [replace(d, start=d.start + shift) if d.start > doubt.start else d
                         for d in self._pending]


def ask(transcript: Transcript, margin: float = ASK_MARGIN) -> str | None:
    """The first question cap would put before acting on the transcript, or None."""
    question = Clarification(transcript, margin).question
    return question.text if question else None


def transcript_report(transcript: Transcript, margin: float = ASK_MARGIN) -> dict:
    """The transcript as `cap transcribe --json` and the web page's speech endpoints give it."""
    doubt = None if transcript.doubt is None else [d.as_json() for d in transcript.doubt]
    return {"text": transcript.text, "seconds": round(transcript.seconds, 3),
            "backend": transcript.backend, "doubt": doubt, "ask": ask(transcript, margin)}
