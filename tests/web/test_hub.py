"""The hub's queue: bounded per client, not per connection (issue 29)."""
from __future__ import annotations

import time

import pytest

from cap.config import SessionConfig
from cap.session import Session
from cap.hub import MAX_QUEUED, Hub, QueueFull
from sim.scene import SceneSpec

PACE = ("for i in range(50):\n    goto_pos([0.15, 0.1, 0.25])\n"
        "    goto_pos([-0.15, -0.1, 0.25])")


@pytest.fixture
def hub(scripted_model):
    started = Hub(lambda: Session(SessionConfig(SceneSpec(("red",), ("blue",), 3),
                                                perception="oracle"), scripted_model), str)
    yield started
    started.stop()
    started.close()


def wait_until(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_one_client_cannot_queue_without_bound_and_others_still_can(hub, llm_server):
    llm_server.on("pace", PACE)
    hub.submit("command", "pace back and forth", owner="10.0.0.5")
    wait_until(lambda: hub.running is not None)
    for _ in range(MAX_QUEUED):
        hub.submit("undo", owner="10.0.0.5")
    with pytest.raises(QueueFull, match="already waiting"):
        hub.submit("undo", owner="10.0.0.5")
    hub.submit("undo", owner="10.0.0.6")  # another client is not held up
    assert len(hub.pending) == MAX_QUEUED + 1
    hub.stop()  # the queue is dropped: the first client may queue again
    hub.submit("undo", owner="10.0.0.5")
