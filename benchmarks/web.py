"""`cap serve` seen from a browser: page ready, camera frame rate and latency, Stop -> holding.

    python benchmarks/web.py [--runs 5]

Starts `cap serve` (oracle perception) with the tests' scripted model server (the model is
not what is measured) on a port the OS picks and drives Debian's Chromium through Playwright.
Idle, the page gets no frames (none is sent while the table stands still). Stop -> holding is
the time from the Stop click until the arm's joints (simulator ground truth from /api/state,
polled every 5 ms) stop changing. Many viewers at once: benchmarks/web_load.py.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import statistics
import time

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))

from cap.llm.scripted_server import ScriptedLLM  # noqa: E402
from tests.web.conftest import CHROMIUM, Server  # noqa: E402

COMMAND = "put the red block in the blue bowl"
PACE = "pace back and forth"


def joints_frozen_after(server: Server, clicked: float, window: int = 4) -> float:
    """Seconds from `clicked` to the first of `window` identical joint readings."""
    readings: list[tuple[float, list]] = []
    while True:
        readings.append((time.perf_counter(), server.state()["joints"]))
        if len(readings) >= window and all(r[1] == readings[-window][1]
                                           for r in readings[-window:]):
            return readings[-window][0] - clicked
        time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    model = ScriptedLLM()
    model.on(COMMAND, "put_first_on_second('red block', 'blue bowl')")
    model.on(PACE, "for i in range(10):\n    goto_pos([0.15, 0.1, 0.25])\n"
                   "    goto_pos([-0.15, -0.1, 0.25])")
    server = Server(model.base_url)
    ready, idle_fps, busy_fps, latency, stop, stopped = [], [], [], [], [], 0
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            for _ in range(args.runs):
                page = browser.new_page()
                page.goto(server.base)
                page.wait_for_function("() => document.getElementById('camera').naturalWidth > 0")
                ready.append(page.evaluate("performance.now()") / 1000)
                idle_fps.append(frames_per_second(page, 3.0))
                page.evaluate("window.capStats.latency = []")  # new frames of a motion only
                with job_done(page):
                    send(page, COMMAND)
                    page.wait_for_selector("#status:has-text('running')")
                    busy_fps.append(frames_per_second(page, 2.0))
                latency += page.evaluate("window.capStats.latency")
                with job_done(page):
                    page.click("#reset")
                with job_done(page):
                    send(page, PACE)
                    before = server.state()["joints"]
                    while server.state()["joints"] == before:
                        time.sleep(0.01)
                    clicked = time.perf_counter()
                    page.click("#stop")
                    stop.append(joints_frozen_after(server, clicked))
                stopped = page.locator("text=stopped by the operator").count()  # all pages
                with job_done(page):
                    page.click("#reset")
                page.close()
            browser.close()
    finally:
        server.close()
        model.close()
    ms = lambda values: f"median {1e3 * statistics.median(values):.0f} ms"  # noqa: E731
    print(f"page ready (navigation to first frame): {ms(ready)}, max {1e3 * max(ready):.0f} ms")
    print(f"frames per second at the browser: idle median {statistics.median(idle_fps):.1f}, "
          f"during a motion median {statistics.median(busy_fps):.1f}")
    print(f"frame latency during a motion (render -> shown): {ms(latency)}, p95 "
          f"{1e3 * sorted(latency)[int(0.95 * len(latency))]:.0f} ms")
    print(f"Stop click -> joints still: {ms(stop)}, max {1e3 * max(stop):.0f} ms "
          f"(includes the 15 ms the 4-reading check needs); {stopped}/{args.runs} commands "
          "ended by the Stop")


def send(page, command: str) -> None:
    page.fill("#command", command)
    page.click("#send")


@contextlib.contextmanager
def job_done(page):
    """Until the job started in the block is reported done (one more result shown)."""
    results = page.locator(".result").count()
    yield
    page.wait_for_function(f"() => document.querySelectorAll('.result').length > {results}",
                           timeout=60_000)


def frames_per_second(page, seconds: float) -> float:
    """Frames the page decoded and showed in `seconds`."""
    page.evaluate("window.capShown = 0; document.getElementById('camera').onload = "
                  "() => window.capShown++")
    page.wait_for_timeout(seconds * 1000)
    return page.evaluate("window.capShown") / seconds


if __name__ == "__main__":
    main()
