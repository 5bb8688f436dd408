"""The controller's side of the sandbox: start, feed, limit and kill the policy worker."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable

from cap.errors import (CapError, ExecutionError, LimitExceeded, OperatorStop,
                        WallTimeExceeded, error_types)
from cap.program import Program
from cap.sandbox.confine import confined
from cap.sandbox.protocol import (Channel, ChannelClosed, ChannelTimeout, decode, encode,
                                  encode_signature)
from robots.errors import MotionError

ERRORS = error_types()

STOPPED = "stopped by the operator; the robot is holding"

MOTIONS = frozenset({"put_first_on_second", "goto_pos", "follow_traj", "open_gripper",
                     "close_gripper"})


@dataclass(frozen=True)
class Limits:
    """Per-command limits; exceeding one kills the worker and stops the robot."""

    wall_seconds: float = 300.0
    cpu_seconds: float = 60.0
    memory_mb: int = 2048
    api_calls: int = 10_000
    motions: int = 200

    def __post_init__(self) -> None:
        if min(self.wall_seconds, self.cpu_seconds, self.memory_mb, self.api_calls,
               self.motions) <= 0:
            raise ValueError(f"limits must be positive: {self}")


@dataclass(frozen=True)
class Subprogram:
    """What a language sub-program call returns to the worker: code for it to run."""

    lmp: str
    code: str
    definitions: list[str]
    context: str = ""
    variables: dict | None = None
    return_var: str = "ret_val"


class Sandbox:
    """One policy worker process and the message loop that answers its API calls."""

    def __init__(self, api: dict[str, Callable], language: dict[str, Callable[..., Subprogram]],
                 limits: Limits | None = None, on_stop: Callable[[], None] | None = None) -> None:
        self.api, self.language = api, language
        self.limits = limits or Limits()
        self.on_stop = on_stop or (lambda: None)
        self.process: subprocess.Popen | None = None
        self.pending_variables: dict = {}  # handed to the next run (a fresh worker's state)
        self.variables: dict = {}  # the program variables after the last run, as data
        self.definitions: list[Program] = []  # generated functions, replayed into a fresh worker
        self.calls = self.motions = 0
        self.interrupted = False

    def start(self) -> None:
        self.workdir = tempfile.mkdtemp(prefix="cap-worker-")
        with confined(self.limits.memory_mb, self.workdir) as confine:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cap.sandbox.worker"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                cwd=self.workdir, env=worker_environment(), close_fds=True, preexec_fn=confine)
        self.channel = Channel(self.process.stdout.fileno(), self.process.stdin.fileno())
        functions = self.api | self.language
        self.channel.send({"op": "hello", "api": {name: encode_signature(function)
                                                   for name, function in functions.items()}})
        if self.definitions or self.pending_variables:
            replay, self.definitions = self.definitions, []
            self.run(None, replay)

    def restore_variables(self, variables: dict) -> None:
        """Start the next run from these variables (as `variables` held them)."""
        self.pending_variables = dict(variables)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def run(self, program: Program | None, definitions: list[Program] = (),
            printed: list[str] | None = None, variables: dict | None = None) -> None:
        """Run checked definitions, then the program, in the worker (`variables` set first);
        raises a CapError or MotionError on failure."""
        if self.interrupted:
            self.interrupted = False
            raise OperatorStop(STOPPED)
        if not self.alive:
            self.start()
        self.calls = self.motions = 0
        message = {"op": "run", "code": program.code if program else "",
                   "definitions": [d.code for d in definitions],
                   "cpu_seconds": self.limits.cpu_seconds}
        if self.pending_variables or variables:
            message["variables"] = {**self.pending_variables, **encode(variables or {})}
            self.pending_variables = {}
        deadline = time.monotonic() + self.limits.wall_seconds
        try:
            self.channel.send(message)
            reply = self._serve(deadline)
        except KeyboardInterrupt:
            self.kill()
            raise OperatorStop(STOPPED) from None
        except ChannelTimeout:
            self.kill()
            raise WallTimeExceeded(f"wall time limit of {self.limits.wall_seconds:g} s exceeded; "
                                "the program was stopped and the robot is holding") from None
        except ChannelClosed:
            if self.interrupted:
                self.interrupted = False
                self._cleanup()
                raise OperatorStop(STOPPED) from None
            raise self._death() from None
        if printed is not None:
            printed += reply["printed"]
        self.variables = reply["variables"]
        if reply["error"]:
            self.on_stop()
            if self.interrupted:  # Stop refused the program's motion before it killed the worker
                self.interrupted = False
                raise OperatorStop(STOPPED)
            error_type = ERRORS.get(reply["error"]["type"], ExecutionError)
            if not issubclass(error_type, (CapError, MotionError)):
                raise ExecutionError(f"{reply['error']['type']}: {reply['error']['message']}")
            raise error_type(reply["error"]["message"])
        self.definitions += list(definitions)

    def _serve(self, deadline: float) -> dict:
        while True:
            message = self.channel.recv(deadline)
            if message.get("op") == "done":
                return message
            self.channel.send(self._answer(message))

    def _answer(self, message: dict) -> dict:
        name = message.get("name")
        self.calls += 1
        if self.calls > self.limits.api_calls:
            return self._limit(f"API call limit of {self.limits.api_calls} exceeded")
        if name in MOTIONS:
            self.motions += 1
            if self.motions > self.limits.motions:
                return self._limit(f"motion limit of {self.limits.motions} exceeded")
        function = self.api.get(name) or self.language.get(name)
        if function is None:
            return {"op": "error", "type": "PolicyError", "message": f"no API function {name!r}"}
        try:
            result = function(*decode(message.get("args", [])), **decode(message.get("kwargs", {})))
            if isinstance(result, Subprogram):
                return {"op": "subprogram", **vars(result),
                        "variables": encode(result.variables or {})}
            return {"op": "result", "value": encode(result)}
        except (CapError, MotionError) as error:
            self.on_stop()
            return {"op": "error", "type": type(error).__name__, "message": str(error)}
        except (TypeError, ValueError, KeyError, IndexError) as error:
            return {"op": "error", "type": "PolicyError", "message": f"{name}: {error}"}

    def _limit(self, what: str) -> dict:
        self.on_stop()
        return {"op": "error", "type": "LimitExceeded", "message": what}

    def _death(self) -> CapError:
        """The channel broke: the worker died, or spoke out of protocol and is killed."""
        self.on_stop()
        try:
            code = self.process.wait(timeout=1) if self.process else None
        except subprocess.TimeoutExpired:
            self.kill()
            return LimitExceeded("the policy worker broke the message protocol and was "
                                 "killed; the robot is holding")
        self._cleanup()
        if code == -signal.SIGXCPU:
            return LimitExceeded(f"CPU time limit of {self.limits.cpu_seconds:g} s exceeded; "
                                 "the robot is holding")
        if code == -signal.SIGXFSZ:
            return LimitExceeded("the program tried to write a file; policy code may not")
        name = signal.Signals(-code).name if code and code < 0 else f"exit status {code}"
        return LimitExceeded(f"the policy worker died ({name}); the robot is holding")

    def clear_interrupt(self) -> None:
        """Forget a stop that came between runs: it applied to the command it interrupted."""
        self.interrupted = False

    def interrupt(self) -> None:
        """Stop from another thread: the robot holds, the running program is killed (or the
        next one refused), and the thread in `run` reports OperatorStop."""
        self.interrupted = True
        self.on_stop()
        self._kill_group(self.process)

    @staticmethod
    def _kill_group(process: subprocess.Popen | None) -> None:
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """Kill the worker at once and stop the robot; the next run starts a fresh worker."""
        self._kill_group(self.process)
        self.on_stop()
        if self.process is not None:
            self.process.wait(timeout=5)
        self._cleanup()

    def _cleanup(self) -> None:
        if self.process is not None:
            for stream in (self.process.stdin, self.process.stdout):
                stream.close()
            self.pending_variables = self.variables
            self.process = None
            shutil.rmtree(self.workdir, ignore_errors=True)

    def close(self) -> None:
        if self.alive:
            try:
                self.channel.send({"op": "exit"})
                self.process.wait(timeout=2)
            except (ChannelClosed, subprocess.TimeoutExpired):
                pass
        self.kill() if self.alive else self._cleanup()


def worker_environment() -> dict[str, str]:
    """All the worker inherits: no keys, tokens or home, only what Python and BLAS need."""
    env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": _import_root()}
    return env | {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_CORE")}


def _import_root() -> str:
    """The folder holding the cap package, so the worker imports the same code."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
