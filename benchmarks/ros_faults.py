"""How soon the ROS 2 arm reacts to faults, against issue 16's targets.

    python benchmarks/ros_faults.py [--trials 20] [--graph-trials 6]

The arm against tests/ros's fake ros2_control servers (joint states at 100 Hz, a
FollowJointTrajectory server that holds a 5 s goal until cancelled), one process over real DDS,
each fault timed from the moment it happened:
  rejected goal -> MotionError (0.5 s); aborted goal -> MotionError (0.5 s);
  stop() -> the controller has the cancel (0.1 s); joint states silent -> cancel (0.6 s).
Then the whole graph as processes (`cap ros sim`, `cap ros agent`, the scripted model), a
command pacing the arm, timed to the agent's "done" on /cap/status:
  /cap/stop called; the robot process frozen (SIGSTOP: its joint states stop); the robot
  process killed (1 s).
The tests check that each fault ends the motion; this measures how soon, with medians and
maxima over the trials (the machine is shared, so the maxima are noisy).
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")

from robots.errors import MotionError  # noqa: E402
from robots.ros2_arm import Ros2ArmConfig  # noqa: E402
from tests.ros.conftest import Graph, Robot, claimed_domain  # noqa: E402
from tests.ros.test_actions import after, cancel_arrival, fake_robot, trajectory  # noqa: E402
from tests.ros.test_ros import PACE, wait_until_moving  # noqa: E402

TARGETS = {"rejected -> error": 0.5, "aborted -> error": 0.5, "stop -> cancel": 0.1,
           "silent joint states -> cancel": 0.6, "robot killed -> done": 1.0}


def controller_faults(domain: int) -> dict[str, float]:
    """One trial of each fault against the fake controller; seconds from fault to reaction."""
    seconds: dict[str, float] = {}
    for fault in ("rejected -> error", "aborted -> error", "stop -> cancel",
                  "silent joint states -> cancel"):
        with fake_robot(domain, Ros2ArmConfig(settle_timeout=0.5)) as (controller, arm):
            controller.behaviour = {"rejected -> error": "reject",
                                    "aborted -> error": "abort"}.get(fault, "hold")
            when = [time.monotonic()]
            if fault == "stop -> cancel":
                when = after(0.3, arm.stop)
            elif fault.startswith("silent"):
                when = after(0.3, lambda: setattr(controller, "publishing", False))
            try:
                arm.execute(trajectory(5.0))
            except MotionError:
                ended = time.monotonic()
            else:
                raise AssertionError(f"{fault}: the motion ended without an error")
            if fault == "aborted -> error":
                when = [controller.aborted_at]
            reaction = ended if fault.endswith("error") else cancel_arrival(controller)
            seconds[fault] = reaction - when[0]
    return seconds


def graph_faults(domain: int, freeze: bool, llm_url: str, tmp: Path) -> dict[str, float]:
    """/cap/stop, then the robot process frozen (`freeze`) or killed, against the sim and
    agent processes; seconds from fault to the agent's done event."""
    seconds: dict[str, float] = {}
    graph = Graph(domain)
    robot = None
    try:
        robot = Robot(domain, llm_url, tmp, graph)
        for fault in ("/cap/stop -> done", "robot frozen -> done" if freeze
                      else "robot killed -> done"):
            before, sent = len(graph.ended()), graph.sent()
            graph.send("pace")
            wait_until_moving(graph, sent)
            happened = time.monotonic()
            if fault.startswith("/cap/stop"):
                graph.stop()
            else:
                robot.sim.send_signal(signal.SIGSTOP if "frozen" in fault else signal.SIGKILL)
            done = graph.done(timeout=10, count=before + 1)[before]
            assert not done["ok"], done
            seconds[fault] = done["received"] - happened
        robot.sim.kill()
    finally:
        graph.close()
        if robot is not None:
            robot.close()
    return seconds


def main() -> None:
    from tests.llm_server import ScriptedLLM
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20, help="against the fake controller")
    parser.add_argument("--graph-trials", type=int, default=6, help="against the processes")
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    for _ in range(args.trials):
        with claimed_domain() as domain:
            for fault, s in controller_faults(domain).items():
                results.setdefault(fault, []).append(s)
    server = ScriptedLLM()
    server.on("pace", PACE)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["CAP_HOME"] = tmp
            for i in range(args.graph_trials):
                with claimed_domain() as domain:
                    for fault, s in graph_faults(domain, i % 2 == 1, server.base_url,
                                                 Path(tmp)).items():
                        results.setdefault(fault, []).append(s)
    finally:
        server.close()
    for fault, values in results.items():
        target = TARGETS.get(fault)
        print(f"{fault:32s} median {1e3 * statistics.median(values):5.0f} ms, max "
              f"{1e3 * max(values):5.0f} ms over {len(values)}"
              + (f" (target {1e3 * target:.0f} ms)" if target else ""))


if __name__ == "__main__":
    main()
