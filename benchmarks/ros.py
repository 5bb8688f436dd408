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
and of its program -> first goal (the rehearsal on the twin included). A pair with a failed
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


def one_command(graph, clock: GoalClock, command: str) -> dict:
    """Send the command; how it ended, its seconds, program -> first goal seconds, and the
    objects' true places before and after it."""
    before, objects_before = len(graph.ended()), dict(graph.objects)
    graph.send(command)
    done = graph.done(timeout=180, count=before + 1)[before]
    program = next((e for e in reversed(graph.events) if e["event"] == "program"
                    and e.get("id") == done["id"]), None)
    first_goal = clock.first_after(program["received"]) if program else None
    objects = graph.objects_after(done["received"])
    ok = bool(done["ok"]) and in_bowl(objects, *COMMANDS[command])
    return {"ok": ok, "error": None if ok else done.get("error") or "not in the bowl",
            "seconds": done.get("seconds"),
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
        try:
            clock = GoalClock(graph)
            share = idle_share(robot.agent.pid) if idle else None
            for command in list(COMMANDS)[:commands]:
                results.append(one_command(graph, clock, command))
                if not results[-1]["ok"]:
                    print(f"  seed {seed}, {command}: {results[-1]['error']}", flush=True)
            return share, results
        finally:
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
    print(f"idle agent: median {100 * statistics.median(idles):.1f} % of a core, max "
          f"{100 * max(idles):.1f} % (over {len(idles)} agents, 20 s each)")
    if seconds:
        print(f"command: median {statistics.median(seconds):.2f} s; program -> first goal: "
              f"median {1e3 * statistics.median(first):.0f} ms" if first else "")


if __name__ == "__main__":
    main()
