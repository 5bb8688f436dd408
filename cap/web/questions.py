"""Spoken commands the page asks about before they run: when the recogniser was unsure of an
object name, every browser is shown the question ("ask" event) and any of them answers it
(a button, typed or spoken); the command is then queued with the chosen name, or dropped.
Used from the server's event loop only."""
from __future__ import annotations

import itertools

from cap.speech.ask import Clarification
from cap.speech.recognize import Transcript
from cap.hub import Hub, QueueFull
from cap.web.messages import BadMessage


class Questions:
    """The spoken commands waiting for an answer: one per client (address); a new spoken
    command from that client drops its unanswered one."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.open: dict[int, tuple[Clarification, str]] = {}  # id -> (what is asked, owner)
        self.ids = itertools.count(1)

    def heard(self, transcript: Transcript, owner: str) -> dict:
        """Queue the spoken command, or ask about it first; {"job": id} or {"asking": id}."""
        self.drop("dropped: another command was spoken", owner)
        clarification = Clarification(transcript)
        if clarification.question is None:
            return {"job": self.hub.submit("command", transcript.text, owner)["id"]}
        asked = next(self.ids)
        self.open[asked] = (clarification, owner)
        self._ask(asked, clarification, heard=transcript.text)
        return {"asking": asked}

    def answer(self, asked: int, reply: str) -> None:
        """Take an answer to the question `asked`: ask again, queue the command, or drop it."""
        if asked not in self.open:
            raise BadMessage(f"no open question {asked}: it was answered or dropped")
        clarification, owner = self.open[asked]
        outcome = clarification.answer(reply)
        if clarification.question is not None:
            self.hub.publish({"type": "answered", "id": asked, "reply": reply,
                              "outcome": outcome})
            self._ask(asked, clarification)
            return
        del self.open[asked]
        command = clarification.command
        if command is not None:
            try:
                self.hub.submit("command", command, owner)
            except QueueFull as error:
                command, outcome = None, f"dropped: {error}"
        self.hub.publish({"type": "answered", "id": asked, "reply": reply, "outcome": outcome,
                          "command": command})

    def drop(self, outcome: str, owner: str | None = None) -> None:
        """Drop the open questions (`owner`'s, or all: Stop), saying why."""
        for asked in [i for i, (_, who) in self.open.items() if owner in (None, who)]:
            del self.open[asked]
            self.hub.publish({"type": "answered", "id": asked, "reply": "", "outcome": outcome,
                              "command": None})

    def _ask(self, asked: int, clarification: Clarification, heard: str | None = None) -> None:
        question = clarification.question
        self.hub.publish({"type": "ask", "id": asked, "heard": heard or clarification.command,
                          "question": question.text, "options": list(question.options)})
