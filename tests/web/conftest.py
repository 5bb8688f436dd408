"""`cap serve` as a real process, and headless Chromium (Debian's) through Playwright."""
from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import terminate

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[2]


class Server:
    """`cap serve` on a port the OS picks (--port 0), read back from its log (a file, so a
    chatty server never blocks on a full pipe). `open_files`: its open-file limit, soft and
    hard (it cannot raise it)."""

    def __init__(self, llm_url: str, *flags: str, host: str = "127.0.0.1",
                 llm: str = "openai:scripted", open_files: int | None = None) -> None:
        env = {**os.environ, "OPENAI_BASE_URL": llm_url, "OPENAI_API_KEY": "test"}
        descriptor, name = tempfile.mkstemp(prefix="cap-serve-", suffix=".log")
        self.log = Path(name)
        limit = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))) \
            if open_files else None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cap", "serve", "--host", host, "--port", "0",
             "--llm", llm, "--no-cache", "--blocks", "red,green", "--bowls",
             "blue", "--seed", "3", "--perception", "oracle", *flags],
            env=env, stdout=subprocess.DEVNULL, stderr=descriptor, preexec_fn=limit)
        os.close(descriptor)
        self.port = self._port_from_log(deadline=time.monotonic() + 120)
        self.base = f"http://127.0.0.1:{self.port}"

    def _port_from_log(self, deadline: float) -> int:
        while time.monotonic() < deadline:
            found = re.search(r"cap serve: open http://\S+?:(\d+)/", self.log.read_text())
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                raise RuntimeError(f"cap serve exited: {self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"cap serve did not start: {self.log.read_text()[-3000:]}")

    def state(self, query: str = "") -> dict:
        with urllib.request.urlopen(f"{self.base}/api/state{query}", timeout=30) as reply:
            return json.load(reply)

    def close(self) -> None:
        terminate(self.process)
        self.log.unlink(missing_ok=True)


@pytest.fixture
def server(llm_server):
    started = Server(llm_server.base_url)
    yield started
    started.close()


BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def playwright():
    """Per module: Playwright's sync API keeps an event loop running in this thread while it
    is open, and tests that run their own (asyncio.run) must not meet it."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as started:
        yield started


def launch_hearing(playwright, recording: Path):
    """A headless Chromium whose microphone plays `recording` once (access granted)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*BROWSER_FLAGS, "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-audio-capture={recording}%noloop"])


@pytest.fixture(scope="module")
def browser(playwright):
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=BROWSER_FLAGS)
    yield launched
    launched.close()
