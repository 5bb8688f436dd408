"""`cap serve` as a real process, and headless Chromium (Debian's) through Playwright."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, llm_url: str, *flags: str, host: str = "127.0.0.1",
                 llm: str = "openai:scripted") -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "OPENAI_BASE_URL": llm_url, "OPENAI_API_KEY": "test"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cap", "serve", "--host", host, "--port", str(self.port),
             "--llm", llm, "--no-cache", "--blocks", "red,green", "--bowls",
             "blue", "--seed", "3", "--perception", "oracle", *flags],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/static/style.css", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"cap serve exited: {self.process.stderr.read()}")
                time.sleep(0.2)
        raise RuntimeError("cap serve did not start")

    def state(self, query: str = "") -> dict:
        with urllib.request.urlopen(f"{self.base}/api/state{query}", timeout=5) as reply:
            return json.load(reply)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def server(llm_server):
    started = Server(llm_server.base_url)
    yield started
    started.close()


BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="session")
def playwright():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="module")
def browser(playwright):
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=BROWSER_FLAGS)
    yield launched
    launched.close()
