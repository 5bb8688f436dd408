"""Commands over ROS 2 with `cap ros sim` and `cap ros agent` as processes, as a lab runs them,
while a third process keeps one core busy; and what the idle agent costs.

    python benchmarks/ros.py [--commands 100] [--idle-every 4] [--no-load]

Pairs of processes (the simulator on a fresh seed, the agent with the scripted model) take
one command for each block, one put_first_on_second apiece: "put the red block in the blue
bowl", then the green block in the purple bowl and the yellow block in the pink bowl. (A
block is not taken out of a bowl again: the rehearsal twin refuses some of those moves on
its own, with or without ROS.) A command counts when its done event says ok and the
simulator's /sim/objects then shows the block in its bowl. Before its first command every
`--idle-every`th agent sits idle: its CPU share (from /proc) over 20 s, from 10 s after it
said it was ready, is the idle cost. Reported: commands completed, the errors of the others
(a lost robot among them), the idle agent's CPU share, and medians of the command's time
and of its program -> first goal (the rehearsal on the twin included). Per command, the
longest gap between the simulator's joint-state stamps as this process receives them (a
simulator that stopped) and the longest delay of a joint state the agent read, from its
/diagnostics (DDS delivering late to the agent): a robot taken for lost shows which. A pair with a failed
command leaves its processes' logs and the objects' true places before and after each failed
command under `--keep` (default runs/ros-bench/seed-N/).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COMMANDS = {"put the red block in the blue bowl": ("red block", "blue bowl"),
            "put the green block in the purple bowl": ("green block", "purple bowl"),
            "put the yellow block in the pink bowl": ("yellow block", "pink bowl")}
SCENE = ("--blocks", "red,green,yellow", "--bowls", "blue,purple,pink")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_share(pid: int, settle: float = 10.0, seconds: float = 20.0) -> float:
    """The share of one core a process uses over `seconds`, after `settle` seconds."""
    time.sleep(settle)
    before, started = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / (time.monotonic() - started)


def in_bowl(objects: dict, thing: str, bowl: str) -> bool:
    """`thing` resting low in `bowl`."""
    a, b = np.array(objects[thing]), np.array(objects[bowl])
    return bool(np.linalg.norm(a[:2] - b[:2]) < 0.05 and a[2] < 0.06)


class GoalClock:
    """When goals first reach the arm controller (its action's status topic)."""

    def __init__(self, graph) -> None:
        from action_msgs.msg import GoalStatusArray
        self.first: dict[bytes, float] = {}
        graph.node.create_subscription(
            GoalStatusArray, "/arm_controller/follow_joint_trajectory/_action/status",
            self._note, 50)

    def _note(self, message) -> None:
        for status in message.status_list:
            self.first.setdefault(bytes(status.goal_info.goal_id.uuid), time.monotonic())

    def first_after(self, moment: float) -> float | None:
        later = [t for t in self.first.values() if t > moment]
        return min(later) if later else None


class StampGaps:
    """The simulator's /joint_states as a third process receives them: every header stamp,
    taken from DDS (which holds 20 s of them) by a thread of its own, so a pause of this
    process loses none. Tells a simulator that stopped publishing from an agent that missed
    what was published."""

    def __init__(self, graph) -> None:
        from sensor_msgs.msg import JointState

        from robots.sampled_topic import SampledTopic, sampling_node
        self.stamps: list[float] = []
        self._topic = SampledTopic(sampling_node(graph.node, "stamps"), JointState,
                                   "/joint_states", 4000)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep_taking, daemon=True)
        self._thread.start()

    def _keep_taking(self) -> None:
        while not self._stop.wait(0.2):
            self._take()

    def _take(self) -> None:
        self.stamps += [m.header.stamp.sec + 1e-9 * m.header.stamp.nanosec
                        for m in self._topic.take()]

    def gaps(self, start: float, end: float) -> list[list[float]]:
        """[wall time, seconds] of each gap between the stamps in [start, end], taken now."""
        self._take()
        stamps = [s for s in self.stamps if start <= s <= end]
        return [[a, b - a] for a, b in zip(stamps, stamps[1:])]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class DeliveryDelays:
    """The agent's own account on /diagnostics: the most a joint state it read had been on its
    way, each second."""

    def __init__(self, graph) -> None:
        from diagnostic_msgs.msg import DiagnosticArray
        self.reports: list[tuple[float, float]] = []  # (wall time received, seconds)
        self._reported = threading.Condition()
        graph.node.create_subscription(DiagnosticArray, "/diagnostics", self._note, 10)

    def _note(self, message) -> None:
        for status in message.status:
            facts = {kv.key: kv.value for kv in status.values}
            if "joint_states_delay_max_s" in facts:
                with self._reported:
                    self.reports.append((time.time(), float(facts["joint_states_delay_max_s"])))
                    self._reported.notify_all()

    def longest(self, start: float, end: float) -> float | None:
        """The longest delay reported for [start, end], once a report covers its end."""
        with self._reported:
            self._reported.wait_for(lambda: self.reports and self.reports[-1][0] > end, 5.0)
            covering = [d for t, d in self.reports if start < t <= end + 1.0]
        return max(covering) if covering else None


def one_command(graph, clock: GoalClock, stamps: StampGaps, delays: DeliveryDelays,
                command: str) -> dict:
    """Send the command; how it ended, its seconds, program -> first goal seconds, the gaps
    in the simulator's joint-state stamps meanwhile and the agent's longest delivery delay,
    and the objects' true places before and after it."""
    before, objects_before = len(graph.ended()), dict(graph.objects)
    started = time.time()
    graph.send(command)
    done = graph.done(timeout=180, count=before + 1)[before]
    program = next((e for e in reversed(graph.events) if e["event"] == "program"
                    and e.get("id") == done["id"]), None)
    first_goal = clock.first_after(program["received"]) if program else None
    objects = graph.objects_after(done["received"])
    ok = bool(done["ok"]) and in_bowl(objects, *COMMANDS[command])
    ended = time.time()
    gaps = stamps.gaps(started, ended)
    return {"ok": ok, "error": None if ok else done.get("error") or "not in the bowl",
            "seconds": done.get("seconds"), "command_started": started,
            "stamp_gaps": [[round(at, 3), round(gap, 3)] for at, gap in gaps if gap > 0.1],
            "longest_stamp_gap": max((gap for _, gap in gaps), default=0.0),
            "agent_delay": delays.longest(started, ended),
            "first_goal": first_goal - program["received"] if first_goal else None,
            "command": command, "objects_before": objects_before, "objects_after": objects}


def pair(seed: int, commands: int, idle: bool, server, tmp: Path, keep: Path
         ) -> tuple[float | None, list[dict]]:
    """One simulator and agent: the idle agent's CPU share (when `idle`), then the first
    `commands` commands; the evidence of any failure kept under `keep`."""
    from tests.ros.conftest import Graph, Robot, claimed_domain

    asked_before = len(server.requests)
    with claimed_domain() as domain:
        graph = Graph(domain)
        try:
            robot = Robot(domain, server.base_url, tmp, graph,
                          scene=(*SCENE, "--seed", str(seed)))
        except RuntimeError as error:  # counted: a robot that never took a command
            graph.close()
            print(f"  seed {seed}: {str(error)[-300:]}", flush=True)
            return None, [{"ok": False, "error": "did not come up", "seconds": None,
                           "first_goal": None}] * commands
        results: list[dict] = []
        clock, stamps, delays = GoalClock(graph), StampGaps(graph), DeliveryDelays(graph)
        try:
            share = idle_share(robot.agent.pid) if idle else None
            for command in list(COMMANDS)[:commands]:
                results.append(one_command(graph, clock, stamps, delays, command))
                if not results[-1]["ok"]:
                    print(f"  seed {seed}, {command}: {results[-1]['error']}; the simulator's "
                          f"stamp gaps over 0.1 s: {results[-1]['stamp_gaps']}; the agent's "
                          f"longest delivery delay: {results[-1]['agent_delay']}", flush=True)
            return share, results
        finally:
            stamps.close()
            robot.close()
            graph.close()
            if any(not r["ok"] for r in results):
                keep_failures(keep / f"seed-{seed}", tmp, results,
                              server.requests[asked_before:])


def keep_failures(folder: Path, tmp: Path, results: list[dict], asked: list[dict]) -> None:
    """The pair's process logs, its failed commands (error, true places before/after) and
    what the model was asked (a repair request quotes the error of the attempt before)."""
    folder.mkdir(parents=True, exist_ok=True)
    for log in ("sim.log", "agent.log"):
        shutil.copy(tmp / log, folder / log)
    failed = [{k: v for k, v in r.items() if k != "ok"} for r in results if not r["ok"]]
    (folder / "failed.json").write_text(json.dumps(failed, indent=1, default=list))
    (folder / "asked.json").write_text(json.dumps(
        [request["messages"][-1] for request in asked], indent=1))


def main() -> None:
    from tests.llm_server import ScriptedLLM
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=100)
    parser.add_argument("--idle-every", type=int, default=4, help="measure every Nth agent")
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--no-load", action="store_true", help="no third process busy")
    parser.add_argument("--keep", type=Path, default=Path("runs/ros-bench"),
                        help="where a failed pair's logs and objects are kept")
    args = parser.parse_args()
    load = None if args.no_load else subprocess.Popen([sys.executable, "-c", "while True: pass"])
    server = ScriptedLLM()
    for command, (thing, target) in COMMANDS.items():
        server.on(command, f"put_first_on_second('{thing}', '{target}')")
    idles, results = [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["CAP_HOME"] = tmp
            for number, start in enumerate(range(0, args.commands, len(COMMANDS))):
                count = min(len(COMMANDS), args.commands - start)
                idle, done = pair(args.seed + number, count, number % args.idle_every == 0,
                                  server, Path(tmp), args.keep)
                idles += [idle] if idle is not None else []
                results += done
                print(f"seed {args.seed + number}: {sum(r['ok'] for r in done)}/{count}"
                      + (f", idle agent {100 * idle:.1f} % of a core" if idle is not None
                         else "") + f"; load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        server.close()
        if load is not None:
            load.kill()
    report(results, idles, busy=load is not None)


def report(results: list[dict], idles: list[float], busy: bool) -> None:
    ok = sum(r["ok"] for r in results)
    errors = collections.Counter(r["error"][:120] for r in results if not r["ok"])
    lost = sum("joint_states" in (r["error"] or "") for r in results)
    seconds = [r["seconds"] for r in results if r["ok"]]
    first = [r["first_goal"] for r in results if r["first_goal"] is not None]
    print(f"commands completed: {ok}/{len(results)} "
          f"({'one core kept busy' if busy else 'no added load'}); robot taken for lost: "
          f"{lost}")
    for error, count in errors.most_common():
        print(f"  {count} x {error}")
    gaps = [r["longest_stamp_gap"] for r in results if "longest_stamp_gap" in r]
    if gaps:
        print(f"the simulator's joint states as a third process took them: longest gap between "
              f"stamps per command median {1e3 * statistics.median(gaps):.0f} ms, max "
              f"{1e3 * max(gaps):.0f} ms")
    delays = [r["agent_delay"] for r in results if r.get("agent_delay") is not None]
    if delays:
        print(f"joint states as the agent read them, the longest delay (stamp to read) per "
              f"command: median {1e3 * statistics.median(delays):.0f} ms, max "
              f"{1e3 * max(delays):.0f} ms")
    print(f"idle agent: median {100 * statistics.median(idles):.1f} % of a core, max "
          f"{100 * max(idles):.1f} % (over {len(idles)} agents, 20 s each)")
    if seconds:
        print(f"command: median {statistics.median(seconds):.2f} s; program -> first goal: "
              f"median {1e3 * statistics.median(first):.0f} ms" if first else "")


if __name__ == "__main__":
    main()
