"""Messages between controller and worker: one JSON object per line, never pickle.

numpy arrays travel as {"$array": nested lists}; tuples as lists; numpy scalars as numbers.
Nothing a message holds can execute on the side that reads it.
"""
from __future__ import annotations

import inspect
import json
import os
import select
import time
from typing import Callable

import numpy as np

MAX_MESSAGE = 4 * 1024 * 1024  # bytes; a longer line is a protocol violation
MAX_ELEMENTS = 100_000  # numbers and strings in one message


class ChannelClosed(Exception):
    """The other side closed the channel or died."""


class ChannelTimeout(Exception):
    """No message arrived before the deadline."""


class TooLarge(ValueError):
    """A value too big to send in one message."""


def encode(value):
    """Plain JSON-able data from API arguments and results; refuses oversized values early."""
    budget = [MAX_ELEMENTS]
    return _encode(value, budget)


def _spend(budget: list[int], n: int) -> None:
    budget[0] -= n
    if budget[0] < 0:
        raise TooLarge(f"the value is too large to send to the robot (over {MAX_ELEMENTS} "
                       "numbers); send fewer points")


def _encode(value, budget: list[int]):
    if isinstance(value, np.ndarray) and value.dtype != object:
        _spend(budget, value.size)
        return {"$array": value.tolist()}
    if isinstance(value, np.ndarray):  # objects inside must be data themselves
        return _encode(value.tolist(), budget)
    _spend(budget, 1)
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_encode(v, budget) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v, budget) for k, v in value.items()}
    if isinstance(value, str):
        _spend(budget, len(value) // 100)
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    raise TypeError(f"cannot send a {type(value).__name__} to the robot; use numbers, strings, "
                    "lists, dicts or numpy arrays")


def decode(value):
    if isinstance(value, dict):
        if set(value) == {"$array"}:
            return np.array(value["$array"], dtype=float)
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def encode_signature(function: Callable) -> dict:
    """A function's signature as data: its text, and [name, kind, has a default] for each
    parameter."""
    signature = inspect.signature(function)
    return {"text": str(signature),
            "parameters": [[p.name, p.kind.value, p.default is not p.empty]
                           for p in signature.parameters.values()]}


def decode_signature(encoded: dict) -> inspect.Signature:
    """A signature that binds arguments as the encoded one does (defaults stand in as None)."""
    return inspect.Signature([
        inspect.Parameter(name, inspect._ParameterKind(kind),
                          default=None if has_default else inspect.Parameter.empty)
        for name, kind, has_default in encoded["parameters"]])


class Channel:
    """Newline-delimited JSON over a pair of file descriptors."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd, self.write_fd = read_fd, write_fd
        self._buffer = b""

    def send(self, message: dict) -> None:
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.write_fd, view):]
        except (BrokenPipeError, OSError) as error:
            raise ChannelClosed(str(error)) from None

    def recv(self, deadline: float | None = None) -> dict:
        """The next message; raises ChannelTimeout at `deadline` (time.monotonic())."""
        while b"\n" not in self._buffer:
            try:
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                        raise ChannelTimeout()
                chunk = os.read(self.read_fd, 1 << 16)
            except (OSError, ValueError) as error:  # closed under us (a kill elsewhere)
                raise ChannelClosed(str(error)) from None
            if not chunk:
                raise ChannelClosed("end of stream")
            self._buffer += chunk
            if len(self._buffer) > MAX_MESSAGE:
                raise ChannelClosed("message too long")
        line, self._buffer = self._buffer.split(b"\n", 1)
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ChannelClosed("message is not an object")
        return message
