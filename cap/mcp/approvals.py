"""Approval before a program moves the robot (`cap mcp --confirm`): the session's thread
waits at its confirm gate while the tool call returns the program; `approve(id)` lets it run,
and a decline, Stop or the deadline refuse it (nothing moves)."""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Callable

from cap.errors import CapError

DEFAULT_SECONDS = 120.0  # an unanswered program is refused after this


class ApprovalRefused(CapError):
    """An approve() call for an id that is not waiting (unknown, answered or expired)."""

    kind = "approval"


@dataclass
class Approval:
    """One program waiting for a decision: "run", "declined", "stopped" or "expired"."""

    id: int
    program: str
    decision: str | None = None
    decided: threading.Event = field(default_factory=threading.Event)


class Approvals:
    """The confirm gate of one session and the decisions on it, from any thread."""

    def __init__(self, seconds: float = DEFAULT_SECONDS) -> None:
        if seconds <= 0:
            raise ValueError(f"the approval time must be positive, not {seconds:g} s")
        self.seconds = seconds
        self.on_request: Callable[[Approval], None] = lambda approval: None
        self.waiting: dict[int, Approval] = {}
        self.settled: dict[int, str] = {}  # id -> decision, so a late approve() says why
        self.ids = itertools.count(1)
        self.lock = threading.Lock()

    def gate(self, code: str) -> bool:
        """The session's `confirm(code)`, on its thread: whether the program may run."""
        approval = Approval(next(self.ids), code)
        with self.lock:
            self.waiting[approval.id] = approval
        self.on_request(approval)
        if not approval.decided.wait(self.seconds):
            self._settle(approval.id, "expired")
        return approval.decision == "run"

    def decide(self, approval_id: int, run: bool) -> Approval:
        """Run (or decline) a waiting program; ApprovalRefused for any other id."""
        approval = self._settle(approval_id, "run" if run else "declined")
        if approval is None:
            raise ApprovalRefused(self._why_not(approval_id))
        return approval

    def stop_all(self) -> None:
        """Stop refuses every waiting program."""
        for approval_id in list(self.waiting):
            self._settle(approval_id, "stopped")

    def _settle(self, approval_id: int, decision: str) -> Approval | None:
        with self.lock:
            approval = self.waiting.pop(approval_id, None)
            if approval is None:
                return None
            approval.decision = self.settled[approval_id] = decision
        approval.decided.set()
        return approval

    def _why_not(self, approval_id: int) -> str:
        decision = self.settled.get(approval_id)
        if decision == "expired":
            return (f"approval {approval_id} expired: nobody answered within {self.seconds:g} s, "
                    "so the program was refused and nothing moved; send the command again")
        if decision is not None:
            return f"approval {approval_id} was already answered ({decision}); nothing was done"
        waiting = ", ".join(map(str, self.waiting)) or "none"
        return f"no approval {approval_id} is waiting (waiting now: {waiting})"
