"""Model calls watched while they run: each request to a remote model runs on a thread of its
own while the caller waits, so the command's deadline, a Stop or a signal abandons it (the
backend closes its connection, so the server can stop computing), and whoever listens hears
how long it has waited and how many tokens have streamed in so far."""
from __future__ import annotations

import contextvars
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, TypeVar

from cap.errors import CapError, OperatorStop, WallTimeExceeded

T = TypeVar("T")
TICK_SECONDS = 10.0  # how often a listener hears of a call still running

_CURRENT: contextvars.ContextVar["Call | None"] = contextvars.ContextVar("cap_call", default=None)


@dataclass(eq=False)  # each call is itself (hashable by identity)
class Call:
    """One request: its deadline, the tokens streamed so far, and whether it was abandoned."""

    lmp: str
    deadline: float | None = None  # time.monotonic() by which it must end
    started: float = field(default_factory=time.monotonic)
    streamed: list[str] | None = None  # the pieces streamed so far (None: not streaming)
    abandoned: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)
    _closers: list[Callable[[], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    @property
    def tokens(self) -> int | None:
        """Streamed so far (a piece is about a token; None: not streaming)."""
        return None if self.streamed is None else len(self.streamed)

    def with_streamed(self, error: CapError) -> CapError:
        """`error`, carrying what the model had streamed when the call was abandoned."""
        error.reply = "".join(self.streamed or ()) or None
        return error

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def on_abandon(self, close: Callable[[], None]) -> None:
        """Run `close` when the call is abandoned (at once if it already was)."""
        with self._lock:
            if not self.abandoned.is_set():
                self._closers.append(close)
                return
        close()

    def abandon(self) -> None:
        with self._lock:
            self.abandoned.set()
            closers, self._closers = self._closers, []
        for close in closers:
            close()
        self.wake.set()


def current_call() -> Call | None:
    """The call the running backend serves (None outside a watched call)."""
    return _CURRENT.get()


class Watch:
    """The model calls of one session: the command's time budget, Stop, and progress.

    A command's time limit is spent while the model writes or the program runs (at the same
    time counts once); cap's own work between (a look, starting the worker) is not counted."""

    def __init__(self, tick: float = TICK_SECONDS) -> None:
        self.tick = tick
        self.time_limit: float | None = None
        self.listeners: list[Callable[[Call], None]] = []
        self._running: set[Call] = set()
        self._spent, self._active, self._since = 0.0, 0, 0.0
        self._lock = threading.Lock()

    def start_command(self, seconds: float | None) -> None:
        """A new command with `seconds` to spend (None: no limit)."""
        with self._lock:
            self.time_limit, self._spent = seconds, 0.0

    def remaining(self) -> float | None:
        """Seconds the command has left (None: no limit)."""
        with self._lock:
            if self.time_limit is None:
                return None
            running = time.monotonic() - self._since if self._active else 0.0
            return self.time_limit - self._spent - running

    @contextmanager
    def timed(self) -> Iterator[None]:
        """Count the time inside against the command's limit."""
        with self._lock:
            if not self._active:
                self._since = time.monotonic()
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if not self._active:
                    self._spent += time.monotonic() - self._since

    def abandon_all(self) -> None:
        """Stop: every call in flight is abandoned and its caller raises OperatorStop."""
        with self._lock:
            running = list(self._running)
        for call in running:
            call.abandon()

    def run(self, lmp: str, request: Callable[[], T], remote: bool = True) -> T:
        """`request()` under watch; a local model (no network) is simply called."""
        remaining = self.remaining()
        call = Call(lmp, None if remaining is None else time.monotonic() + remaining)
        if not remote:
            return self._direct(call, request)
        outcome: dict = {}

        def serve() -> None:
            _CURRENT.set(call)
            try:
                outcome["value"] = request()
            except BaseException as error:  # noqa: BLE001 -- handed to the waiting thread
                outcome["error"] = error
            call.wake.set()

        with self._lock:
            self._running.add(call)
        try:
            with self.timed():
                threading.Thread(target=serve, daemon=True, name=f"model-{lmp}").start()
                self._wait(call, outcome)
        finally:
            with self._lock:
                self._running.discard(call)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _direct(self, call: Call, request: Callable[[], T]) -> T:
        token = _CURRENT.set(call)
        try:
            return request()
        finally:
            _CURRENT.reset(token)

    def _wait(self, call: Call, outcome: dict) -> None:
        next_tick = self.tick
        try:
            while True:
                remaining = call.remaining()
                timeout = next_tick - call.seconds
                if remaining is not None:
                    timeout = min(timeout, remaining)
                if call.wake.wait(max(0.0, timeout)):
                    if not call.abandoned.is_set():
                        return
                    raise call.with_streamed(OperatorStop(
                        f"stopped while waiting for the model ({call.lmp}, "
                        f"{call.seconds:.0f} s); the request was abandoned"))
                if call.remaining() is not None and call.remaining() <= 0:
                    call.abandon()
                    raise call.with_streamed(WallTimeExceeded(
                        f"the command's time limit of {self.time_limit:g} s ran out while "
                        f"waiting for the model ({call.lmp}, {call.seconds:.0f} s); the request "
                        "was abandoned; give the command more time (--time-limit) or use a "
                        "faster model"))
                if call.seconds >= next_tick:
                    next_tick += self.tick
                    for listener in list(self.listeners):
                        listener(call)
        except KeyboardInterrupt as interrupt:  # Ctrl-C or a signal: nothing more waits
            call.abandon()
            self.abandon_all()
            raise call.with_streamed(OperatorStop(
                f"stopped by {interrupt or 'Ctrl-C'} while waiting for the model ({call.lmp}, "
                f"{call.seconds:.0f} s); the request was abandoned")) from None
