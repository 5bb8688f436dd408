"""A robot's /joint_states, and whether the robot is still there, judged from the messages.

A driver stamps each joint state when it reads the joints; a robot that is gone (its process
killed or frozen, its cable out) shows as stamps that stop advancing. Each joint's newest
stamp is noted with the moment it advanced, in a callback of its own reentrant group. The
verdict is reached in the executor that delivers the messages: a timer that twice in a row
sees the same advance, older than the limit, declares the robot lost. Between two ticks the
executor takes what the subscription holds, so a pause of this process (another thread
holding the interpreter, a starved CPU) delays the verdict but never makes one: the messages
that queued meanwhile advance the stamps before the second tick.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np

CHECKS_PER_LIMIT = 8  # timer ticks per `lost_after`: the verdict comes at most 2 ticks late


class JointStateWatch:
    """The newest position and velocity of each joint on `topic`, and the verdict on the
    joints in `required`: lost when none of them advanced for `lost_after` seconds.
    `on_verdict()` is called (from the executor) when the verdict changes."""

    def __init__(self, node, topic: str, required: tuple[str, ...], lost_after: float,
                 on_verdict: Callable[[], None] = lambda: None) -> None:
        from rclpy.callback_groups import ReentrantCallbackGroup
        from sensor_msgs.msg import JointState

        self.topic, self.required, self.lost_after = topic, required, lost_after
        self._on_verdict = on_verdict
        self._latest: dict[str, tuple[float, float]] = {}  # name -> (position, velocity)
        self._stamps: dict[str, float] = {}  # name -> its newest stamp (seconds)
        self._advanced: dict[str, float] = {}  # name -> monotonic time its stamp advanced
        self._suspect: float | None = None  # the advance the last tick found too old
        self.lost: str | None = None  # why the robot is taken for gone; None while it is there
        self.arrived = threading.Condition()
        group = ReentrantCallbackGroup()
        node.create_subscription(JointState, topic, self._on_message, 10, callback_group=group)
        node.create_timer(lost_after / CHECKS_PER_LIMIT, self._check, callback_group=group)

    def _on_message(self, message) -> None:
        now = time.monotonic()
        stamp = message.header.stamp.sec + 1e-9 * message.header.stamp.nanosec
        velocities = message.velocity or [0.0] * len(message.name)
        with self.arrived:
            for name, position, velocity in zip(message.name, message.position, velocities):
                self._latest[name] = (position, velocity)
                if stamp == 0.0 or self._stamps.get(name) != stamp:  # unstamped: each counts
                    self._stamps[name], self._advanced[name] = stamp, now
            self.arrived.notify_all()

    def _check(self) -> None:
        """One tick of the verdict (in the executor)."""
        oldest = self.last_advance()
        if oldest is None:
            return
        age = time.monotonic() - oldest
        verdict = self.lost
        if age <= self.lost_after:
            self._suspect, verdict = None, None
        elif self._suspect == oldest:
            verdict = (f"no new {self.topic} for {age:.2f} s: the robot side stopped "
                       "answering; the program was stopped")
        else:
            self._suspect = oldest
        if verdict != self.lost:
            self.lost = verdict
            self._on_verdict()

    def last_advance(self) -> float | None:
        """When the required joint that advanced longest ago last advanced; None before all
        of them were heard."""
        with self.arrived:
            if not self.has(self.required):
                return None
            return min(self._advanced[name] for name in self.required)

    def age(self) -> float:
        """Seconds since the stalest required joint advanced (infinite before the first)."""
        oldest = self.last_advance()
        return float("inf") if oldest is None else time.monotonic() - oldest

    def has(self, names) -> bool:
        return all(name in self._latest for name in names)

    def values(self, names) -> tuple[np.ndarray, np.ndarray]:
        """Positions and velocities of `names` (a joint never heard reads 0)."""
        with self.arrived:
            values = np.array([self._latest.get(name, (0.0, 0.0)) for name in names],
                              dtype=float).reshape(-1, 2)
        return values[:, 0], values[:, 1]

    def wait_for(self, names, timeout: float) -> bool:
        """Block until every joint in `names` was heard; whether it was, within `timeout`."""
        with self.arrived:
            return self.arrived.wait_for(lambda: self.has(names), timeout)

    def wait_newer(self, since: float, timeout: float) -> bool:
        """Block until a required joint advances after monotonic time `since`."""
        with self.arrived:
            return self.arrived.wait_for(
                lambda: any(self._advanced.get(name, 0.0) > since for name in self.required),
                timeout)
