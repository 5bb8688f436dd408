"""The one session behind the web page and the MCP server: a job queue run on its own thread,
events broadcast to every connected client, and frames for the live view: the presentation view
with the planned path, and the robot's last look with what it found. Events and frames are
encoded once, whatever the number of clients."""
from __future__ import annotations

import asyncio
import itertools
import json
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np

from cap import overlays
from cap.errors import CapError, error_kind
from cap.session import Session
from robots.errors import MotionError

FRAME_PERIOD = 0.1  # seconds of wall time between camera frames (10 per second)
MAX_QUEUED = 10  # jobs one client (one address) may have waiting
VIEW, LOOK = b"v", b"p"  # binary frame channels: the presentation view, the robot's last look
FRAME_HEADER = len(VIEW) + struct.calcsize("<d")  # channel and render time, before the JPEG


class QueueFull(CapError):
    """A client already has MAX_QUEUED jobs waiting."""


@dataclass(frozen=True)
class Frames:
    """What every viewer is sent, encoded once: each frame is a channel byte, its render time
    (little-endian float64, wall clock) and a JPEG; the look's objects as a "look" event."""

    view: bytes = b""
    look: bytes = b""  # b"": the look has no image (oracle perception)
    look_event: str = json.dumps({"type": "look", "objects": [], "image": False})


@dataclass(eq=False)  # each browser is itself, whatever its queue holds
class Client:
    """One browser: events (JSON text) go through its asyncio queue on the server's loop."""

    loop: asyncio.AbstractEventLoop
    events: asyncio.Queue = field(default_factory=asyncio.Queue)

    def send(self, event: str) -> None:
        self.loop.call_soon_threadsafe(self.events.put_nowait, event)


class Hub:
    """Runs commands, undo and reset one at a time, first in first out, on the session's
    thread (PyBullet and the sandbox worker are driven from that one thread only)."""

    def __init__(self, make_session: Callable[[], Session], highlight: Callable[[str], str]):
        self.highlight = highlight
        self.clients: set[Client] = set()
        self.history: list[str] = []  # the last events, replayed to a new browser
        self.pending: list[dict] = []  # queued jobs, oldest first
        self.owners: dict[int, str] = {}  # job id -> who queued it, while it waits
        self.running: dict | None = None
        self.object_names: list[str] = []
        self.truth: dict = {}  # simulator ground truth and joints, refreshed as physics steps
        self.frames = Frames()  # replaced whole at each render
        self.frame_time = 0.0
        self.frames_rendered = 0
        self.look = None  # the session's last look, and the objects it believes are there
        self.believed: list[dict] = []
        self.frame_listeners: list[Callable[[], None]] = []
        self.ids = itertools.count(1)
        self.lock = threading.Lock()
        self.wake = threading.Condition(self.lock)
        self.closing = False
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(make_session,), name="cap-hub",
                                       daemon=True)
        self.failure: Exception | None = None
        self.thread.start()
        self.ready.wait()
        if self.failure:
            raise self.failure

    # --- called from the event loop ---------------------------------------------------------
    def connect(self, client: Client) -> None:
        with self.lock:
            self.clients.add(client)
            for event in self.history:
                client.send(event)
            client.send(json.dumps(self._state()))

    def disconnect(self, client: Client) -> None:
        with self.lock:
            self.clients.discard(client)

    def on_frame(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` (from the rendering thread) after each new frame; returns a
        function that stops it."""
        self.frame_listeners.append(callback)
        return lambda: self.frame_listeners.remove(callback)

    def submit(self, kind: str, text: str = "", owner: str = "") -> dict:
        """Queue a job ("command", "program" with the code as `text`, "undo" or "reset") for
        `owner` (an address); QueueFull when that owner already has MAX_QUEUED jobs waiting."""
        with self.lock:
            if list(self.owners.values()).count(owner) >= MAX_QUEUED:
                raise QueueFull(f"{MAX_QUEUED} of your commands are already waiting; "
                                "wait for them to run, or press Stop")
            job = {"id": next(self.ids), "kind": kind, "text": text}
            self.owners[job["id"]] = owner
            self.pending.append(job)
            self._publish({"type": "queued", **job, "position": len(self.pending)})
            self.wake.notify()
        return job

    def publish(self, event: dict) -> None:
        """Send an event to every browser (a question about a spoken command, its answer)."""
        self._publish_locked(event)

    def stop(self) -> float:
        """Stop the running job (the robot holds) and drop the queue. Returns when the stop
        was issued (perf_counter), for latency measurement."""
        with self.lock:
            dropped, self.pending = self.pending, []
            self.owners.clear()
            for job in dropped:
                self._publish({"type": "cancelled", "id": job["id"]})
            self._publish({"type": "stopping", "id": self.running and self.running["id"]})
        self.session.stop()
        return time.perf_counter()

    def close(self) -> None:
        with self.lock:
            self.closing = True
            self.wake.notify()
        self.thread.join(30)

    # --- the session thread -----------------------------------------------------------------
    def _run(self, make_session: Callable[[], Session]) -> None:
        try:
            self.session = make_session()
        except Exception as error:  # no robot, bad scene: cap serve reports it and exits
            self.failure = error
            self.ready.set()
            return
        self.session.subscribe(on_program=self._program, on_said=self._said)
        self.simulated = self.session.simulated
        if self.simulated:  # frames and truth from the physics thread as it steps
            self.session.watch(1 / 60, self._observe)
        else:  # a robot's camera topics are thread-safe: a thread of their own
            threading.Thread(target=self._camera_loop, name="cap-camera", daemon=True).start()
        self.object_names = sorted(self.session.ground_truth())
        self._look()  # a first look, so the page shows what the robot sees
        self._render()
        self.ready.set()
        try:
            while True:
                with self.lock:
                    while not self.pending and not self.closing:
                        self.wake.wait()
                    if self.closing:
                        return
                    self.running = self.pending.pop(0)
                    self.owners.pop(self.running["id"], None)
                    self._publish({"type": "started", "id": self.running["id"]})
                self._execute(self.running)
                self._look()  # how the job left the table
                self._render()
        finally:
            self.session.close()

    def _execute(self, job: dict) -> None:
        session, started = self.session, time.perf_counter()
        result = {"ok": True, "error": None, "error_kind": None, "printed": [],
                  "model_calls": 0, "prompt_tokens": 0}
        if job["kind"] in ("command", "program"):
            outcome = session.command(job["text"]) if job["kind"] == "command" \
                else session.exec_program(job["text"], label="program")
            result = {"ok": outcome.ok, "error": outcome.error, "error_kind": outcome.error_kind,
                      "printed": outcome.printed, "model_calls": outcome.llm["calls"],
                      "prompt_tokens": outcome.llm["prompt_tokens"]}
        else:
            try:
                session.undo() if job["kind"] == "undo" else session.reset()
            except CapError as error:
                result |= {"ok": False, "error": str(error), "error_kind": error_kind(error)}
        objects = session.ground_truth()
        self._update_truth()  # /api/state agrees with "done" from the moment it is sent
        with self.lock:
            self.running, self.object_names = None, sorted(objects)
            self._publish({"type": "done", "id": job["id"], **result,
                           "seconds": round(time.perf_counter() - started, 2),
                           "objects": objects})

    def _look(self) -> None:
        try:
            self.session.objects()
        except MotionError as error:  # a robot's camera is gone: the page says so
            self._publish_locked({"type": "error", "message": f"camera: {error}"})

    def _program(self, program: dict) -> None:
        self._publish_locked({"type": "program", "id": self.running and self.running["id"],
                              **program, "html": self.highlight(program["code"])})

    def _said(self, message: str) -> None:
        self._publish_locked({"type": "said", "id": self.running and self.running["id"],
                              "message": message})

    def _observe(self) -> None:
        self._update_truth()
        if time.perf_counter() - self.frame_time >= FRAME_PERIOD:
            self._render()

    def _camera_loop(self) -> None:
        while not self.closing:
            try:
                self._render()
            except Exception as error:  # the robot's camera went away: say so, keep trying
                self._publish_locked({"type": "error", "message": f"camera: {error}"})
                time.sleep(1.0)
            time.sleep(max(0.0, FRAME_PERIOD - (time.perf_counter() - self.frame_time)))

    def _update_truth(self) -> None:
        """Simulator ground truth (objects, on a robot: only at the end of each job) and
        joints."""
        objects = self.session.ground_truth() if self.simulated else self.truth.get("objects", {})
        self.truth = {"objects": objects, **self.session.state()}

    def _render(self) -> None:
        self._update_truth()
        view, self.frame_time = _jpeg(self.session.view()), time.perf_counter()
        stamp = struct.pack("<d", time.time())  # wall clock, for latency at the browser
        frames = Frames(VIEW + stamp + view, self.frames.look, self.frames.look_event)
        look = self.session.last_look()
        if look is not self.look:  # a new look: its picture and the objects panel
            self.look, picture = look, overlays.draw_look(look)
            self.believed = [{"name": name, "visible": info.visible,
                              "position": [round(float(v), 3) for v in info.position]}
                             for name, info in sorted((look.objects if look else {}).items())]
            frames = Frames(frames.view, b"" if picture is None else LOOK + stamp + _jpeg(picture),
                            json.dumps({"type": "look", "image": picture is not None,
                                        "objects": self.believed}))
        self.frames = frames
        self.frames_rendered += 1
        for callback in list(self.frame_listeners):
            callback()

    # --- events -----------------------------------------------------------------------------
    def _publish_locked(self, event: dict) -> None:
        with self.lock:
            self._publish(event)

    def _publish(self, event: dict) -> None:
        """Send to every browser, and to those that connect later (the last 500 events).
        Encoded once; non-ASCII escaped, so no text (a lone surrogate) can fail to encode."""
        text = json.dumps({**event, "time": round(time.time(), 3)})
        self.history.append(text)
        del self.history[:-500]
        for client in self.clients:
            client.send(text)

    def _state(self) -> dict:
        return {"type": "state", "running": self.running, "queued": list(self.pending),
                "objects": self.object_names}


def _jpeg(rgb: np.ndarray) -> bytes:
    ok, jpeg = cv2.imencode(".jpg", np.ascontiguousarray(rgb[..., ::-1]),
                            [cv2.IMWRITE_JPEG_QUALITY, 80])
    return jpeg.tobytes()
