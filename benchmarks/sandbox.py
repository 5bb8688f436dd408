"""Sandbox figures: API round trip worker -> controller -> worker, worker start, kill -> stop.

    .venv/bin/python benchmarks/sandbox.py
"""
from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cap.program import Program  # noqa: E402
from cap.sandbox.controller import Limits, Sandbox  # noqa: E402
from cap.config import SessionConfig  # noqa: E402
from cap.session import Session  # noqa: E402
from sim.tabletop import Tabletop  # noqa: E402
from sim.scene import SceneSpec  # noqa: E402

CALLS = 5000


def round_trip() -> dict:
    session = Session(SessionConfig(SceneSpec(("red",), (), 0)))
    code = f"for i in range({CALLS}):\n    get_ee_pos()\n"
    session.exec_program("get_ee_pos()")  # warm: the worker is started
    started = time.perf_counter()
    outcome = session.exec_program(code)
    per_call = (time.perf_counter() - started) / CALLS
    session.close()
    assert outcome.ok, outcome.error
    return {"calls": CALLS, "mean_ms_per_call": 1e3 * per_call}


def worker_start(repeats: int = 7) -> dict:
    times = []
    for _ in range(repeats):
        worker = Sandbox({"say": print}, {}, Limits())
        started = time.perf_counter()
        worker.run(Program.check("x = 1", {}))
        times.append(time.perf_counter() - started)
        worker.close()
    return {"median_s": statistics.median(times), "max_s": max(times)}


def kill_to_stop(repeats: int = 5) -> dict:
    """A program moving the arm is stopped from another thread; time until the arm holds."""
    cell = Tabletop(SceneSpec(("red",), (), 0))
    stopped_at: list[float] = []
    arm_stop = cell.arm.stop

    def timed_stop():
        arm_stop()
        stopped_at.append(time.perf_counter())
    cell.arm.stop = timed_stop  # what the session's sandbox calls to stop the robot
    session = Session(SessionConfig(SceneSpec(("red",), (), 0)), cell=cell)
    delays = []
    for _ in range(repeats):
        stopped_at.clear()
        killed_at = []

        def killer():
            time.sleep(0.3)
            killed_at.append(time.perf_counter())
            session.stop()
        thread = threading.Thread(target=killer)
        thread.start()
        session.exec_program("while True:\n    goto_pos([0.1, 0.1, 0.2])\n    goto_pos([-0.1, -0.1, 0.2])")
        thread.join()
        delays.append(stopped_at[0] - killed_at[0] if stopped_at else float("nan"))
    session.close()
    return {"median_ms": 1e3 * statistics.median(delays), "max_ms": 1e3 * max(delays)}


if __name__ == "__main__":
    print(json.dumps({"round_trip": round_trip(), "worker_start": worker_start(),
                      "kill_to_stop": kill_to_stop()}, indent=1))
