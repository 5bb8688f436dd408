"""The policy worker: an untrusted process that runs checked programs.

Every policy API call becomes a message to the controller, which owns the robot, perception and
the model. Started by `cap.sandbox.controller.Sandbox` as `python -m cap.sandbox.worker`; its
stdin and stdout are the channel, and nothing else is inherited. Arguments are bound to the
API's signatures here, so a wrong call fails with the documented signature before it is sent.
"""
from __future__ import annotations

import os
import resource
import types
from typing import Callable

import numpy as np

from cap import errors as cap_errors
from cap.checks import canonical_keywords
from cap.executor import Namespace, run
from cap.sandbox.confine import forbid_syscalls
from cap.sandbox.protocol import Channel, decode, decode_signature, encode

ERRORS = cap_errors.error_types()


POINT_RESULTS = {"parse_position", "transform_shape_pts"}  # positions travel as numpy arrays


def as_points(value):
    """A position or a list of positions as a float array; anything else unchanged."""
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            points = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return value
        if points.ndim in (1, 2) and points.size:
            return points
    return value


def api_function(name: str, call: Callable[[tuple, dict], object]) -> Callable:
    """What policy code calls: a function whose globals hold nothing (no module, no builtins),
    so `say.__globals__` would reach nothing even past the static policy."""
    def forward(*args, **kwargs):
        return call(args, kwargs)
    function = types.FunctionType(forward.__code__, {"__builtins__": {}}, name, None,
                                  forward.__closure__)
    function.__qualname__ = name
    return function


MAX_NESTING = 3  # parse_obj_name inside parse_obj_name inside ...: a model stuck in a loop


class WorkerLoop:
    """Runs what the controller sends, one program at a time, until told to exit."""

    def __init__(self, channel: Channel, api: dict[str, dict]) -> None:
        self.channel = channel
        self.printed: list[str] = []
        self.nesting = 0
        self.api = {name: self._stub(name, signature) for name, signature in api.items()}
        self.namespace = Namespace(self.api)

    def _stub(self, name: str, encoded: dict):
        signature = decode_signature(encoded)

        def call(args: tuple, kwargs: dict):
            kwargs = canonical_keywords(name, kwargs)
            try:
                signature.bind(*args, **kwargs)
            except TypeError as error:
                raise cap_errors.PolicyError(f"{name}{encoded['text']}: {error}") from None
            try:
                message = {"op": "call", "name": name, "args": encode(args),
                           "kwargs": encode(kwargs)}
            except (TypeError, ValueError) as error:
                raise cap_errors.PolicyError(f"{name}: {error}") from None
            self.channel.send(message)
            reply = self.channel.recv()
            if reply["op"] == "error":
                raise ERRORS.get(reply["type"], cap_errors.ExecutionError)(reply["message"])
            if reply["op"] == "subprogram":
                return self._subprogram(reply)
            return decode(reply["value"])
        return api_function(name, call)

    def _subprogram(self, reply: dict):
        """Run a language sub-program's code in a fresh scope and return its result variable."""
        if self.nesting >= MAX_NESTING:
            raise cap_errors.LimitExceeded(
                f"language sub-programs nest deeper than {MAX_NESTING} levels "
                f"({reply['lmp']} inside another); compute the answer directly")
        self.nesting += 1
        try:
            return self._run_subprogram(reply)
        finally:
            self.nesting -= 1

    def _run_subprogram(self, reply: dict):
        namespace = Namespace(self.api)
        namespace.set(**decode(reply["variables"]))
        for code in [reply["context"], *reply["definitions"]]:
            if code:
                run(code, namespace)
        run(reply["code"], namespace, self.printed)
        if reply["return_var"] not in namespace.scope:
            raise cap_errors.ExecutionError(f"the {reply['lmp']} program assigned no "
                                            f"{reply['return_var']}")
        value = namespace.scope[reply["return_var"]]
        return as_points(value) if reply["lmp"] in POINT_RESULTS else value

    def serve(self) -> None:
        while True:
            message = self.channel.recv()
            if message["op"] == "exit":
                return
            self.printed = []
            error = None
            try:
                self._limit_cpu(message.get("cpu_seconds"))
                for code in message.get("definitions", []):
                    run(code, self.namespace)
                self.namespace.set(**decode(message.get("variables", {})))
                run(message["code"], self.namespace, self.printed)
            except Exception as exc:  # noqa: BLE001 -- every failure is reported as data
                error = {"type": type(exc).__name__, "message": str(exc)}
            self.channel.send({"op": "done", "error": error, "printed": self.printed,
                               "variables": self._portable_variables()})

    def _portable_variables(self) -> dict:
        """The session's variables that can travel as data (to survive a worker restart)."""
        out = {}
        for name, value in self.namespace.variables.items():
            try:
                out[name] = encode(value)
            except (TypeError, ValueError, RecursionError):  # not data, too large, too deep
                continue
        return out

    @staticmethod
    def _limit_cpu(seconds: float | None) -> None:
        if seconds:
            used = resource.getrusage(resource.RUSAGE_SELF)
            total = int(used.ru_utime + used.ru_stime + seconds) + 1
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]  # SIGXCPU at the soft limit
            resource.setrlimit(resource.RLIMIT_CPU, (total, hard))


def main() -> None:
    # the channel keeps the real stdin/stdout; fd 0 and 1 then point nowhere, so nothing a
    # library prints can corrupt the protocol
    channel = Channel(os.dup(0), os.dup(1))
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    forbid_syscalls()
    hello = channel.recv()
    WorkerLoop(channel, hello["api"]).serve()


if __name__ == "__main__":
    main()
