"""Undo keeps the last UNDO_DEPTH commands' worlds and frees the rest (issue 29)."""
from __future__ import annotations

import ctypes

import pytest

from cap.config import SessionConfig
from cap.errors import CapError
from cap.session import UNDO_DEPTH, Session
from sim.scene import SceneSpec

SCENE = SceneSpec(("red",), ("blue",), 3)


def resident_mb() -> float:
    """Resident memory after handing freed heap back (so reuse of memory freed by an earlier
    test cannot hide growth)."""
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6


@pytest.fixture
def session():
    with Session(SessionConfig(SCENE, perception="oracle")) as started:
        yield started


def test_undo_goes_back_twenty_commands_then_says_there_is_nothing_left(session):
    before = []
    for i in range(UNDO_DEPTH + 3):
        before.append(session.state()["time"])
        session.exec_program(f"goto_pos([{0.02 * (i % 5) - 0.04}, 0.0, 0.22])")
    for expected in reversed(before[-UNDO_DEPTH:]):
        session.undo()
        assert session.state()["time"] == expected
    with pytest.raises(CapError, match="nothing to undo"):
        session.undo()


def test_memory_stays_flat_over_many_commands(session):
    """Each kept snapshot costs about 250 kB: 200 commands kept would be about 50 MB."""
    for _ in range(50):
        session.exec_program("say('ok')")
    start = resident_mb()
    for _ in range(200):
        session.exec_program("say('ok')")
    assert resident_mb() - start < 10


def test_reset_frees_the_history(session):
    """Twenty commands then Reset, ten times: without freeing, Reset would leak ~50 MB."""
    for _ in range(20):
        session.exec_program("say('ok')")
    session.reset()
    start = resident_mb()
    for _ in range(10):
        for _ in range(UNDO_DEPTH):
            session.exec_program("say('ok')")
        session.reset()
    assert resident_mb() - start < 10
    with pytest.raises(CapError, match="nothing to undo"):
        session.undo()
