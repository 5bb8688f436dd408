"""The policy worker: limits, kills that stop the robot, and a session that survives them."""
import threading

import numpy as np
import pytest

from cap.sandbox.controller import Limits
from cap.config import SessionConfig
from cap.session import Session
from sim.scene import SceneSpec
from sim.tabletop import Tabletop

SCENE = SceneSpec(("red",), ("blue",), seed=0)


def session_with(cell=None, **limits) -> Session:
    return Session(SessionConfig(SCENE, limits=Limits(**limits)), cell=cell)


def test_program_runs_in_another_process():
    import os
    session = session_with()
    assert session.exec_program("say('hi')").ok
    assert session._sandbox.process.pid != os.getpid()
    session.close()


@pytest.mark.parametrize("limits, program, message", [
    # API calls unbounded here, or on a fast machine that limit trips first
    ({"wall_seconds": 1.5, "api_calls": 10**9}, "while True:\n    get_ee_pos()",
     "wall time limit"),
    ({"cpu_seconds": 1, "wall_seconds": 20}, "while True:\n    pass", "CPU time limit"),
    ({"api_calls": 50}, "for i in range(100):\n    get_ee_pos()", "API call limit of 50"),
    ({"motions": 3}, "for i in range(5):\n    open_gripper()", "motion limit of 3"),
    ({"memory_mb": 600}, "x = [0] * (200 * 1024 * 1024)", "memory"),
])
def test_each_limit_stops_the_program_and_names_itself(limits, program, message):
    session = session_with(**limits)
    outcome = session.exec_program(program)
    assert not outcome.ok and outcome.error_kind == "limit" and message in outcome.error
    assert session.exec_program("say('next')").ok  # a fresh worker takes the next command
    session.close()


def test_variables_survive_a_worker_restart():
    session = session_with(wall_seconds=1.5)
    assert session.exec_program("favourite = 'red block'\ncount = 3").ok
    assert not session.exec_program("while True:\n    pass").ok
    assert not session._sandbox.alive
    assert session.exec_program("say(f'{favourite} {count}')").ok
    assert session.report()["said"] == ["red block 3"]
    session.close()


def test_a_stop_from_another_thread_during_a_motion_holds_the_arm():
    cell = Tabletop(SCENE)
    session, arm = session_with(cell), cell.arm
    threading.Timer(0.5, session.stop).start()
    outcome = session.exec_program(
        "while True:\n    goto_pos([0.15, 0.1, 0.25])\n    goto_pos([-0.15, -0.1, 0.25])")
    assert not outcome.ok and outcome.error_kind == "stopped"
    before = arm.joint_state().positions
    cell.settle(0.5)
    assert np.allclose(arm.joint_state().positions, before, atol=0.02)  # holding, not moving
    session.close()


def test_a_crashing_worker_is_reported_and_replaced():
    session = session_with()
    session.exec_program("say('warm')")
    import os
    import signal
    threading.Timer(0.3, lambda: os.kill(session._sandbox.process.pid, signal.SIGSEGV)).start()
    outcome = session.exec_program("while True:\n    get_ee_pos()")
    assert not outcome.ok and "SIGSEGV" in outcome.error
    assert session.exec_program("say('again')").ok
    session.close()


def test_printed_output_is_captured_not_leaked(capfd):
    session = session_with()
    outcome = session.exec_program("print('hello from policy')")
    session.close()
    assert outcome.ok and outcome.printed == ["hello from policy\n"]
    assert "hello from policy" not in capfd.readouterr().out
