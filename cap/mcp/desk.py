"""The MCP tools' side of the one session service (`cap.hub.Hub`): a job at a time, its
result gathered from the hub's events, programs held for approval, Stop at once, and the
history of what ran."""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from cap.errors import CapError
from cap.mcp.approvals import Approval, Approvals
from cap.hub import Hub

OWNER = "mcp"  # the hub's queue bound is per owner; this server queues one job at a time
HISTORY = 200  # finished jobs kept for the history resource
REHEARSED = ("passed: the program ran to its end on a simulated twin of the cell (built from "
             "the arm's joints and the objects seen, the motion filter on); nothing has moved")


class Busy(CapError):
    """A job was asked for while another runs or waits for approval."""

    kind = "busy"


@dataclass
class Job:
    """One job as its caller sees it: what it asked, and what has come back so far."""

    id: int
    kind: str
    text: str
    said: list[str] = field(default_factory=list)
    programs: list[dict] = field(default_factory=list)
    approvals: list[dict] = field(default_factory=list)
    milestones: asyncio.Queue = field(default_factory=asyncio.Queue)  # approval asked, or done

    def report(self, status: str, **fields) -> dict:
        return {"id": self.id, "kind": self.kind, "text": self.text, "status": status,
                "said": list(self.said), "programs": list(self.programs),
                "approvals": list(self.approvals), **fields}


class Desk:
    """Jobs through the hub for MCP tool calls, on the server's event loop. One job at a time:
    a second one is refused (Busy) until the first is done; Stop never waits."""

    def __init__(self, hub: Hub, approvals: Approvals, rehearsed: bool) -> None:
        self.hub, self.approvals, self.rehearsed = hub, approvals, rehearsed
        self.active: Job | None = None
        self.history: list[dict] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        approvals.on_request = self._asked

    async def run(self, kind: str, text: str = "") -> dict:
        """Start a job ("command", "program", "undo", "reset"); its result, or the program it
        waits to have approved."""
        self._connect()
        if self.active is not None:
            raise Busy(self._busy_message())
        job = self.hub.submit(kind, text, owner=OWNER)
        self.active = Job(job["id"], kind, text)
        return await self._next(self.active)

    async def approve(self, approval_id: int, run: bool) -> dict:
        """Decide on a waiting program; the job's next result (done, or another approval)."""
        self.approvals.decide(approval_id, run)  # a waiting approval belongs to the active job
        return await self._next(self.active)

    def stop(self) -> dict:
        """Stop the job (the robot holds) and refuse any program waiting for approval."""
        self.approvals.stop_all()
        running = self.active.id if self.active else None
        issued = self.hub.stop()
        return {"stopping": True, "job": running,
                "ms": round((time.perf_counter() - issued) * 1e3, 2)}

    def close(self) -> None:
        """The server's loop ends: the hub stops telling this desk."""
        self.hub.disconnect(self)

    def state(self) -> dict:
        """Joints, cell time and (simulator) object positions, and the job under way."""
        job = self.active
        return {**self.hub.truth, "job": job and {"id": job.id, "kind": job.kind},
                "approvals_waiting": sorted(self.approvals.waiting)}

    async def _next(self, job: Job) -> dict:
        try:
            return await job.milestones.get()
        except asyncio.CancelledError:  # the caller gave up: nobody would watch the robot
            self.stop()
            raise

    def _busy_message(self) -> str:
        job, waiting = self.active, sorted(self.approvals.waiting)
        what = f"{job.kind} {job.id} ({job.text[:60]!r})" if job.text else f"{job.kind} {job.id}"
        if waiting:
            return (f"busy: {what} waits for approval: call approve({waiting[0]}) or "
                    f"approve({waiting[0]}, run=false), or stop(); then send this again")
        return f"busy: {what} is running; wait for its result or call stop(), then send this again"

    # --- events from the hub's thread, delivered in order on the loop ---------------------
    def _connect(self) -> None:
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
            self.hub.connect(self)

    def send(self, event: str) -> None:
        """The hub's Client interface: called from the hub's thread."""
        self.loop.call_soon_threadsafe(self._on_event, json.loads(event))

    def _asked(self, approval: Approval) -> None:
        """The confirm gate asks (hub's thread): through the same ordered channel as events."""
        self.send(json.dumps({"type": "approval", "approval": approval.id,
                              "program": approval.program}))

    def _on_event(self, event: dict) -> None:
        job = self.active
        if job is None or event.get("id", job.id) != job.id:
            return  # another job's, or from before this server's first job
        kind = event["type"]
        if kind == "program":
            job.programs.append({k: event[k] for k in ("lmp", "query", "code", "error", "reply")
                                 if k in event})
        elif kind == "said":
            job.said.append(event["message"])
        elif kind == "approval":
            job.approvals.append({"id": event["approval"], "decision": None})
            job.milestones.put_nowait(self._awaiting(job, event["approval"], event["program"]))
        elif kind in ("done", "cancelled"):
            self._finish(job, event)

    def _decisions(self, job: Job) -> None:
        for entry in job.approvals:
            entry["decision"] = self.approvals.settled.get(entry["id"])

    def _awaiting(self, job: Job, approval_id: int, program: str) -> dict:
        self._decisions(job)
        return job.report("awaiting_approval", ok=None, error_kind=None, error=None, printed=[],
                          approval={"id": approval_id, "program": program,
                                    "rehearsal": REHEARSED if self.rehearsed else None,
                                    "expires_in_seconds": self.approvals.seconds},
                          next=f"call approve({approval_id}) to run this program on the robot, "
                               f"approve({approval_id}, run=false) to refuse it; stop() "
                               "refuses it too")

    def _finish(self, job: Job, event: dict) -> None:
        self._decisions(job)
        if event["type"] == "cancelled":
            event = {"ok": False, "error_kind": "stopped", "printed": [], "objects": None,
                     "error": "stopped before it started; nothing moved", "seconds": 0.0}
        result = job.report("done", ok=event["ok"], error_kind=event["error_kind"],
                            error=self._explained(job, event["error"]), printed=event["printed"],
                            objects=event["objects"], seconds=event["seconds"])
        self.active = None
        self.history = [*self.history[-(HISTORY - 1):], result]
        job.milestones.put_nowait(result)

    def _explained(self, job: Job, error: str | None) -> str | None:
        """The session calls every refused program "declined": say when it was Stop or time."""
        last = job.approvals[-1]["decision"] if job.approvals else None
        if last == "expired":
            return (f"approval {job.approvals[-1]['id']} expired: nobody answered within "
                    f"{self.approvals.seconds:g} s; nothing moved")
        if last == "stopped":
            return f"stopped while approval {job.approvals[-1]['id']} waited; nothing moved"
        return error
