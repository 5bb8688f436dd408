"""Pick-and-place over ROS 2 against the direct simulator backend, and the overhead from a
program to its first trajectory sent to the controller (rehearsal included, no model).

    python benchmarks/ros.py [--trials 50] [--topics]

The arm goes through the controller's FollowJointTrajectory and GripperCommand actions, or with
--topics through its trajectory topics.

Each trial starts `cap ros sim` on a fresh seed (its own ROS_DOMAIN_ID, localhost only) and
runs the same program through a session on the ROS 2 backend (rehearsal on): success is the
block inside the bowl by the simulator's /sim/objects. The direct backend runs the same
program on the same seed, twice: as fast as it can, and paced in real time as the ROS 2 simulator
(like a robot) is, which is the fair comparison. The motion time (the sum of the
trajectories' durations) is the floor for any real-time robot.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROGRAM = "put_first_on_second('red block', 'blue bowl')"
SCENE = ["--blocks", "red,green,yellow", "--bowls", "blue"]


def in_bowl(objects: dict) -> bool:
    red, bowl = np.array(objects["red block"]), np.array(objects["blue bowl"])
    return bool(np.linalg.norm(red[:2] - bowl[:2]) < 0.05 and red[2] < 0.06)


def direct_trial(seed: int, real_time: bool) -> tuple[bool, float]:
    from cap.config import SessionConfig
    from cap.session import Session
    from sim.scene import SceneSpec
    from sim.tabletop import Tabletop
    from sim.world import pace_in_real_time
    spec = SceneSpec(("red", "green", "yellow"), ("blue",), seed)
    cell = Tabletop(spec)
    with Session(SessionConfig(spec), cell=cell) as session:
        session.exec_program("say('ready')")
        if real_time:
            pace_in_real_time(cell.world)
        started = time.perf_counter()
        outcome = session.exec_program(PROGRAM)
        return outcome.ok and in_bowl(session.ground_truth()), time.perf_counter() - started


def ros_trial(seed: int, domain: int, actions: bool) -> tuple[bool, float, float, float]:
    """Success, wall seconds, program -> first trajectory seconds, motion seconds; through
    the controller's actions, or its topics."""
    os.environ["ROS_DOMAIN_ID"], os.environ["ROS_LOCALHOST_ONLY"] = str(domain), "1"
    import rclpy

    from cap.config import SessionConfig
    from cap.ros.messages import Topics
    from cap.ros.robot import RobotCell, arm_config
    from cap.session import Session
    from sim.scene import SceneSpec
    from tests.ros.conftest import Graph
    sim = subprocess.Popen([sys.executable, "-m", "cap", "ros", "sim", *SCENE, "--seed",
                            str(seed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    graph = Graph(domain)
    try:
        rclpy.init(domain_id=domain)
        topics = Topics() if actions else Topics(arm_action="", gripper_action="")
        table = RobotCell(topics, arm=arm_config(topics))
        assert table.arm.uses_actions == actions
        session = Session(SessionConfig(SceneSpec(("red", "green", "yellow"), ("blue",), seed)),
                          cell=table, rehearse=True)
        sent: list[tuple[float, float]] = []  # (when, duration)
        execute = table.arm.execute

        def timed(trajectory):
            sent.append((time.perf_counter(), trajectory.duration))
            execute(trajectory)

        table.arm.execute = timed
        try:
            session.exec_program("say('ready')")  # both sandbox workers up, as in a session
            started = time.perf_counter()
            outcome = session.exec_program(PROGRAM)
            wall = time.perf_counter() - started
            time.sleep(0.3)  # the next /sim/objects
            ok = outcome.ok and in_bowl(graph.objects)
            return ok, wall, sent[0][0] - started if sent else float("nan"), \
                sum(d for _, d in sent)
        finally:
            session.close()
            rclpy.shutdown()
    finally:
        graph.close()
        sim.terminate()
        sim.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--topics", action="store_true",
                        help="the controller's trajectory topics instead of its actions")
    args = parser.parse_args()
    direct, paced, ros = [], [], []
    for i in range(args.trials):
        seed = args.seed + i
        direct.append(direct_trial(seed, real_time=False))
        paced.append(direct_trial(seed, real_time=True))
        ros.append(ros_trial(seed, 150 + i % 50, actions=not args.topics))
        print(f"seed {seed}: direct {direct[-1][0]} {direct[-1][1]:.2f} s, in real time "
              f"{paced[-1][1]:.2f} s | ros2 {ros[-1][0]} "
              f"{ros[-1][1]:.2f} s, first trajectory after {1e3 * ros[-1][2]:.0f} ms, "
              f"motion {ros[-1][3]:.2f} s", flush=True)
    wall_direct = statistics.median(t for _, t in direct)
    wall_paced = statistics.median(t for _, t in paced)
    wall_ros = statistics.median(r[1] for r in ros)
    print(f"direct: {sum(ok for ok, _ in direct)}/{args.trials} succeeded, median "
          f"{wall_direct:.2f} s; paced in real time {sum(ok for ok, _ in paced)}/{args.trials},"
          f" median {wall_paced:.2f} s")
    print(f"ros2 ({'topics' if args.topics else 'actions'}): {sum(r[0] for r in ros)}/"
          f"{args.trials} succeeded, median {wall_ros:.2f} s "
          f"({wall_ros / wall_paced:.2f}x direct in real time, {wall_ros / wall_direct:.1f}x "
          f"direct unpaced); motion time median "
          f"{statistics.median(r[3] for r in ros):.2f} s (wall / motion "
          f"{wall_ros / statistics.median(r[3] for r in ros):.2f})")
    print(f"program -> first trajectory (rehearsal included): median "
          f"{1e3 * statistics.median(r[2] for r in ros):.0f} ms")


if __name__ == "__main__":
    main()
