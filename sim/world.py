"""A PyBullet physics client: stepping, step observers and state snapshots."""
from __future__ import annotations

import time

import contextlib
from dataclasses import dataclass
from typing import Callable

import pybullet
import pybullet_data

from sim.egl import load_egl, stdout_to_stderr


@dataclass(frozen=True)
class Snapshot:
    state_id: int
    time: float


class World:
    """One PyBullet client (DIRECT, or GUI when asked); every call passes its client id."""

    def __init__(self, gui: bool = False, timestep: float = 1 / 120, egl: bool = False) -> None:
        self.client = pybullet.connect(pybullet.GUI if gui else pybullet.DIRECT)
        # the EGL renderer only draws bodies created after it loads, so it loads first
        self.egl = egl and not gui and load_egl(self.client)
        self.timestep = timestep
        self.time = 0.0
        self._observers: list[tuple[float, Callable[[], None]]] = []
        self._next_call: list[float] = []
        pybullet.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=self.client)
        pybullet.setGravity(0, 0, -9.81, physicsClientId=self.client)
        pybullet.setTimeStep(timestep, physicsClientId=self.client)

    def step(self) -> None:
        pybullet.stepSimulation(physicsClientId=self.client)
        self.time += self.timestep
        for i, (period, callback) in enumerate(self._observers):
            if self.time >= self._next_call[i]:
                self._next_call[i] = self.time + period
                callback()

    def run(self, seconds: float) -> None:
        for _ in range(int(round(seconds / self.timestep))):
            self.step()

    def observe(self, period: float, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` every `period` simulated seconds; returns a function that removes it."""
        entry = (period, callback)
        self._observers.append(entry)
        self._next_call.append(self.time)

        def remove() -> None:
            if entry in self._observers:
                i = self._observers.index(entry)
                del self._observers[i], self._next_call[i]
        return remove

    def snapshot(self) -> Snapshot:
        return Snapshot(pybullet.saveState(physicsClientId=self.client), self.time)

    def restore(self, snapshot: Snapshot) -> None:
        pybullet.restoreState(stateId=snapshot.state_id, physicsClientId=self.client)
        self.time = snapshot.time

    def discard(self, snapshot: Snapshot) -> None:
        """Free a snapshot's memory in PyBullet; it cannot be restored after this."""
        pybullet.removeState(snapshot.state_id, physicsClientId=self.client)

    def close(self) -> None:
        if pybullet.isConnected(self.client):
            with stdout_to_stderr() if self.egl else contextlib.nullcontext():
                pybullet.disconnect(self.client)


def pace_in_real_time(world: World, period: float = 1 / 120) -> Callable[[], None]:
    """Keep simulated time from running ahead of the wall clock (checked every `period`
    simulated seconds), as a real robot would; returns a function that stops the pacing."""
    start = (time.monotonic(), world.time)

    def wait() -> None:
        ahead = (world.time - start[1]) - (time.monotonic() - start[0])
        if ahead > 0:
            time.sleep(ahead)

    return world.observe(period, wait)
