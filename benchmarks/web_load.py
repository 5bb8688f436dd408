"""`cap serve` under load: 50 viewers idle and during motion, Stop under that load, and the
session's memory over 1,000 commands.

    python benchmarks/web_load.py [--viewers 50] [--runs 5] [--commands 1000]

Starts `cap serve` (oracle perception, the tests' scripted model: the model is not what is
measured). The viewers are WebSockets in a process of their own (asyncio), each recording
when it got each view frame and the frame's render time. Reported, as medians over --runs:
- the server's CPU share (user + system, all threads) with the viewers connected and the
  table still, over 10 s;
- frames per second each viewer got during a motion (distinct frames, over 3 s);
- Stop answered: from sending {"type": "stop"} on a socket to its "stop_issued" reply;
- arm still: from that send until the joints (simulator truth from /api/state, polled every
  5 ms) read the same 4 times running (the first of them counts).
Memory: a Hub and Session in this process run --commands short commands (a said message,
each an undo point); resident memory every quarter.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import queue
import statistics
import struct
import sys
import threading
import time
from pathlib import Path

import websockets
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cap.llm.scripted_server import ScriptedLLM  # noqa: E402
from tests.web.conftest import Server  # noqa: E402

PACE = "pace back and forth"
PACE_CODE = ("for i in range(40):\n    goto_pos([0.15, 0.1, 0.25])\n"
             "    goto_pos([-0.15, -0.1, 0.25])")
TICKS = os.sysconf("SC_CLK_TCK")
WARM_UP = 50  # commands before memory is measured (imports, first allocations)


def viewers_process(url: str, origin: str, count: int, seconds: float, out) -> None:
    """`count` viewers for `seconds`; sends back each viewer's [(received, rendered)]."""
    async def view(log: list) -> None:
        async with websockets.connect(url, additional_headers={"Origin": origin},
                                      max_size=2**22) as ws:
            deadline = time.monotonic() + seconds
            while (left := deadline - time.monotonic()) > 0:
                try:
                    message = await asyncio.wait_for(ws.recv(), left)
                except TimeoutError:
                    break
                if isinstance(message, bytes) and message[:1] == b"v":
                    log.append((time.monotonic(), struct.unpack("<d", message[1:9])[0]))

    async def main() -> list:
        logs = [[] for _ in range(count)]
        await asyncio.gather(*(view(log) for log in logs))
        return logs
    out.send(asyncio.run(main()))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def idle_cpu_share(server: Server, seconds: float = 10.0) -> float:
    start, started = cpu_seconds(server.process.pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(server.process.pid) - start) / (time.monotonic() - started)


def wait_moving(server: Server) -> None:
    joints, deadline = server.state()["joints"], time.monotonic() + 60
    while server.state()["joints"] == joints:
        assert time.monotonic() < deadline, "the arm never moved"
        time.sleep(0.01)


def joints_still_after(server: Server, sent: float, window: int = 4) -> float:
    """Seconds from `sent` to the first of `window` identical joint readings."""
    readings: list[tuple[float, list]] = []
    while len(readings) < window or any(r[1] != readings[-window][1]
                                        for r in readings[-window:]):
        readings.append((time.monotonic(), server.state()["joints"]))
        time.sleep(0.005)
    return readings[-window][0] - sent


class Controller:
    """The socket that commands and stops, read all the time on a thread of its own (so a
    backlog of frames never delays a reply), text messages noted with when they came."""

    def __init__(self, url: str, origin: str) -> None:
        self.ws = connect(url, additional_headers={"Origin": origin}, max_size=2**22)
        self.texts: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):  # the server shutting down
            for message in self.ws:
                if isinstance(message, str):
                    self.texts.put((time.monotonic(), message))

    def send(self, message: dict) -> float:
        sent = time.monotonic()
        self.ws.send(json.dumps(message))
        return sent

    def received(self, needle: str) -> float:
        """When the next text message containing `needle` came."""
        while True:
            got, message = self.texts.get(timeout=60)
            if needle in message:
                return got


def stop_during_motion(server: Server, controller: Controller) -> tuple:
    """Start a motion, let it run 3 s, Stop: (answer s, still s, the 3 s window, frames the
    server rendered per second in it)."""
    controller.send({"type": "command", "text": PACE})
    wait_moving(server)
    rendered, start = server.state()["frames_rendered"], time.monotonic()
    time.sleep(3.0)
    rendered, end = server.state()["frames_rendered"] - rendered, time.monotonic()
    sent = controller.send({"type": "stop"})
    answered = controller.received("stop_issued") - sent
    return answered, joints_still_after(server, sent), (start, end), rendered / (end - start)


def motion_fps(logs: list, window: tuple[float, float]) -> list[float]:
    return [len({rendered for got, rendered in log if window[0] <= got < window[1]})
            / (window[1] - window[0]) for log in logs]


def load_runs(model: ScriptedLLM, viewers: int, runs: int) -> dict:
    server = Server(model.base_url)
    url = f"ws://127.0.0.1:{server.port}/ws"
    results = {"cpu": [], "fps": [], "answer": [], "still": [], "rendered": []}
    try:
        receiving, sending = multiprocessing.Pipe(duplex=False)
        seconds = 10 + runs * 25.0
        viewer = multiprocessing.Process(target=viewers_process, args=(
            url, server.base, viewers, seconds, sending))
        if viewers:
            viewer.start()
        controller = Controller(url, server.base)
        time.sleep(3.0)  # the viewers connect and get their first frame
        windows = []
        for _ in range(runs):
            results["cpu"].append(idle_cpu_share(server))
            answered, still, window, rendered = stop_during_motion(server, controller)
            results["answer"].append(answered)
            results["still"].append(still)
            results["rendered"].append(rendered)
            windows.append(window)
            controller.send({"type": "reset"})
            controller.received('"done"')  # the stopped command's end
            controller.received('"done"')  # the reset's: the table is still again
        controller.ws.close()
        if viewers:
            logs = receiving.recv()
            viewer.join()
            results["fps"] = [statistics.median(motion_fps(logs, w)) for w in windows]
            results["fps_worst"] = [min(motion_fps(logs, w)) for w in windows]
    finally:
        server.close()
    return results


def resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def memory_over_commands(model: ScriptedLLM, commands: int, warm_up: int = WARM_UP) -> list:
    """Resident memory after `warm_up` commands, then after each quarter of `commands` run
    through a Hub (the scripted model's record of requests is emptied as it goes: it lives
    in this process too)."""
    from cap.config import SessionConfig
    from cap.llm.openai_backend import OpenAIChat
    from cap.session import Session
    from cap.hub import MAX_QUEUED, Hub
    from sim.scene import SceneSpec

    chat = OpenAIChat("scripted", base_url=model.base_url, api_key="x", timeout=5)
    hub = Hub(lambda: Session(SessionConfig(SceneSpec(("red",), ("blue",), 3),
                                            perception="oracle"), chat), str)
    points, done = [], -warm_up
    try:
        while done < commands:
            batch = min(MAX_QUEUED, commands - done, -done if done < 0 else commands)
            for _ in range(batch):
                hub.submit("command", "say ok", owner="bench")
            while hub.pending or hub.running:
                time.sleep(0.005)
            model.requests.clear()
            done += batch
            if done >= 0 and done % (commands // 4) == 0:
                points.append((done, resident_mb()))
    finally:
        hub.close()
    return points


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commands", type=int, default=1000)
    args = parser.parse_args()
    model = ScriptedLLM()
    model.on(PACE, PACE_CODE)
    model.on("say ok", "say('ok')")
    median = statistics.median
    try:
        for viewers in (0, args.viewers):
            r = load_runs(model, viewers, args.runs)
            print(f"{viewers} viewers, {args.runs} runs (medians): server CPU with the table "
                  f"still {100 * median(r['cpu']):.1f} % of a core; Stop answered "
                  f"{1e3 * median(r['answer']):.0f} ms (max {1e3 * max(r['answer']):.0f}); "
                  f"arm still {1e3 * median(r['still']):.0f} ms (max "
                  f"{1e3 * max(r['still']):.0f}); frames rendered per second during motion "
                  f"{median(r['rendered']):.1f}", flush=True)
            if viewers:
                print(f"  frames per second per viewer during motion: median "
                      f"{median(r['fps']):.1f}, worst viewer {min(r['fps_worst']):.1f}")
        if args.commands:
            points = memory_over_commands(model, args.commands)
            print(f"resident memory over commands (after {WARM_UP} to warm up): " + ", ".join(
                f"{n}: {mb - points[0][1]:+.1f} MB" for n, mb in points))
    finally:
        model.close()


if __name__ == "__main__":
    main()
