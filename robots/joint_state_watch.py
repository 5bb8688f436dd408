"""A robot's /joint_states, and whether the robot is still there, judged from the messages.

A driver stamps each joint state when it reads the joints; a robot that is gone (its process
killed or frozen, its cable out) shows as stamps that stop advancing. The joint states are a
sampled topic (robots.sampled_topic): a timer of the executor takes what DDS holds, notes each
joint's newest stamp with the moment it advanced, and then judges: twice in a row the same
advance, older than the limit, and the robot is taken for lost. Since the judgement follows a
take of everything delivered, a pause of this process (another thread holding the
interpreter, a starved CPU) delays the verdict but never makes one; the second tick covers
DDS's own threads catching up after the process was descheduled.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np

from robots.sampled_topic import SampledTopic, newest_only


class JointStateWatch:
    """The newest position and velocity of each joint on `topic`, read every `tick` seconds
    (`pace` changes it), and the verdict on the joints in `required`: lost when none of them
    advanced for `lost_after` seconds. `on_change()` is called (from the executor) after each
    read that brought news and when the verdict changes."""

    def __init__(self, node, sampler, topic: str, required: tuple[str, ...],
                 lost_after: float, tick: float,
                 on_change: Callable[[], None] = lambda: None) -> None:
        """`sampler`: a node nobody spins (robots.sampled_topic); `node` runs the timer."""
        from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
        from sensor_msgs.msg import JointState

        self.topic, self.required, self.lost_after = topic, required, lost_after
        self._on_change = on_change
        self._latest: dict[str, tuple[float, float]] = {}  # name -> (position, velocity)
        self._stamps: dict[str, float] = {}  # name -> its newest stamp (seconds)
        self._advanced: dict[str, float] = {}  # name -> monotonic time its stamp advanced
        self._suspect: float | None = None  # the advance the last tick found too old
        self._delay_max = 0.0  # s, the latest a joint state read was (its stamp to the read)
        self.lost: str | None = None  # why the robot is taken for gone; None while it is there
        self.arrived = threading.Condition()
        self._node = node
        self._states = SampledTopic(sampler, JointState, topic, newest_only())
        # a group of its own: in a multi-threaded executor no other callback holds it back
        self.timer = node.create_timer(tick, self._tick,
                                       callback_group=MutuallyExclusiveCallbackGroup())

    def pace(self, tick: float) -> None:
        """Read every `tick` seconds from now on."""
        self.timer.timer_period_ns = int(tick * 1e9)
        self.timer.reset()
        if self._node.executor is not None:
            self._node.executor.wake()  # its wait counts down the old period

    def _tick(self) -> None:
        """Take the newest joint states, then judge (in the executor)."""
        messages = self._states.take()
        if messages:
            self._note(messages[-1], time.monotonic())
        verdict = self._verdict()
        changed = verdict != self.lost
        self.lost = verdict
        if messages or changed:
            self._on_change()

    def _note(self, message, now: float) -> None:
        stamp = message.header.stamp.sec + 1e-9 * message.header.stamp.nanosec
        velocities = message.velocity or [0.0] * len(message.name)
        with self.arrived:
            if stamp:
                self._delay_max = max(self._delay_max, time.time() - stamp)
            for name, position, velocity in zip(message.name, message.position, velocities):
                self._latest[name] = (position, velocity)
                if stamp == 0.0 or self._stamps.get(name) != stamp:  # unstamped: each counts
                    self._stamps[name], self._advanced[name] = stamp, now
            self.arrived.notify_all()

    def _verdict(self) -> str | None:
        oldest = self.last_advance()
        if oldest is None:
            return self.lost
        age = time.monotonic() - oldest
        if age <= self.lost_after:
            self._suspect = None
            return None
        if self._suspect != oldest:
            self._suspect = oldest
            return self.lost
        return (f"no new {self.topic} for {age:.2f} s: the robot side stopped answering; "
                "the program was stopped")

    def delay_max(self) -> float:
        """Since the last call, the most seconds a joint state read had been on its way (its
        stamp to the read of the newest one delivered): how late DDS delivers, not how late
        this process reads. Robot and agent clocks must agree, as for TF."""
        with self.arrived:
            worst, self._delay_max = self._delay_max, 0.0
        return worst

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
