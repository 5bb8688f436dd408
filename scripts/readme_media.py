"""The README's pictures, made from the running system (`make media`, or
`python scripts/readme_media.py [OUT_DIR]`):

- docs/media/web-page.png: `cap serve` on the demo scene in Chromium at 1280x800, during a
  motion (the planned path, the robot's last look, the objects panel, the log);
- docs/media/demo.gif: the demo's video, smaller and at a third of its frame rate.

Uses the configured model, or the offline `retrieval` baseline, like `cap demo`.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import cv2
import imageio.v2 as imageio
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cap.demo import DEMO_COMMANDS, DEMO_SCENE, run_demo  # noqa: E402
from cap.llm.registry import load_model  # noqa: E402

MEDIA = ROOT / "docs" / "media"
GIF_WIDTH, GIF_STRIDE = 400, 3


def demo_gif(out: Path) -> None:
    with tempfile.TemporaryDirectory() as runs:
        video = run_demo(load_model(), Path(runs))["video"]
        frames = [frame for i, frame in enumerate(imageio.get_reader(video))
                  if i % GIF_STRIDE == 0]
    height = round(frames[0].shape[0] * GIF_WIDTH / frames[0].shape[1])
    small = [cv2.resize(f, (GIF_WIDTH, height), interpolation=cv2.INTER_AREA) for f in frames]
    imageio.mimsave(out, small, duration=1000 * GIF_STRIDE / 10, loop=0)


def web_page(out: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    scene = ["--blocks", ",".join(DEMO_SCENE.blocks), "--bowls", ",".join(DEMO_SCENE.bowls),
             "--seed", str(DEMO_SCENE.seed)]
    server = subprocess.Popen([sys.executable, "-m", "cap", "serve", "--port", str(port),
                               *scene], stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium") or shutil.which("chromium-browser"),
                args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(base)
            page.wait_for_selector("#objects tbody tr")
            for command in (DEMO_COMMANDS[0], DEMO_COMMANDS[3]):
                page.fill("#command", command)
                page.click("#send")
            page.wait_for_selector(".said", timeout=60_000)
            wait_for_motion(base, job=2)
            page.wait_for_timeout(700)  # the frames of the motion reach the page
            page.screenshot(path=str(out))
            browser.close()
    finally:
        server.terminate()
        server.wait(10)


def wait_for_motion(base: str, job: int, seconds: float = 60) -> None:
    """Until job number `job` runs and the arm is moving."""
    deadline, joints = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        with urllib.request.urlopen(base + "/api/state", timeout=5) as reply:
            state = json.load(reply)
        if (state["running"] or {}).get("id") == job:
            if joints is not None and state["joints"] != joints:
                return
            joints = state["joints"]
        time.sleep(0.05)
    raise RuntimeError("the arm did not move")


def wait_for(base: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/static/style.css", timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("cap serve did not start")


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else MEDIA
    out.mkdir(parents=True, exist_ok=True)
    web_page(out / "web-page.png")
    demo_gif(out / "demo.gif")
    for name in ("web-page.png", "demo.gif"):
        print(f"{out / name}: {(out / name).stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
