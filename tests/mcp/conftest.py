"""`cap mcp` as a real process driven by the `mcp` package's own client, over stdio and over
streamable HTTP, with the tests' scripted OpenAI-compatible server as the model."""
from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.processes import terminate

ROOT = Path(__file__).resolve().parents[2]
SCENE = ["--blocks", "red,green", "--bowls", "blue", "--seed", "3", "--perception", "oracle"]
PACE = ("for i in range(50):\n    goto_pos([0.15, 0.1, 0.25])\n"
        "    goto_pos([-0.15, -0.1, 0.25])")


@pytest.fixture
def anyio_backend():
    return "asyncio"


def cap_mcp_argv(*flags: str) -> list[str]:
    return ["-m", "cap", "mcp", "--llm", "openai:scripted", "--no-cache", *SCENE, *flags]


def environment(llm_url: str) -> dict[str, str]:
    return {**os.environ, "OPENAI_BASE_URL": llm_url, "OPENAI_API_KEY": "test",
            "PYTHONPATH": str(ROOT)}


@contextlib.asynccontextmanager
async def stdio(llm_url: str, *flags: str):
    """A ClientSession on `cap mcp` spawned over stdio (its stderr in a file: never blocks)."""
    with tempfile.TemporaryFile("w+") as errors:
        params = StdioServerParameters(command=sys.executable, args=cap_mcp_argv(*flags),
                                       env=environment(llm_url), cwd=str(ROOT))
        async with stdio_client(params, errlog=errors) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield Agent(session)


class HttpServer:
    """`cap mcp --http --port 0`, its port read back from its log."""

    def __init__(self, llm_url: str, *flags: str, host: str = "127.0.0.1") -> None:
        descriptor, name = tempfile.mkstemp(prefix="cap-mcp-", suffix=".log")
        self.log = Path(name)
        self.process = subprocess.Popen(
            [sys.executable, *cap_mcp_argv("--http", "--host", host, "--port", "0", *flags)],
            env=environment(llm_url), cwd=ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=descriptor)
        os.close(descriptor)
        found = self._wait_for(r"streamable HTTP at http://\S+?:(\d+)/mcp(?: \(send "
                               r"'Authorization: Bearer (\S+)'\))?")
        self.port, self.token = int(found.group(1)), found.group(2)
        self.url = f"http://127.0.0.1:{self.port}/mcp"

    def _wait_for(self, pattern: str, seconds: float = 120) -> re.Match:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = re.search(pattern, self.log.read_text())
            if found:
                return found
            if self.process.poll() is not None:
                raise RuntimeError(f"cap mcp exited: {self.log.read_text()[-3000:]}")
            time.sleep(0.05)
        raise RuntimeError(f"cap mcp did not start: {self.log.read_text()[-3000:]}")

    @contextlib.asynccontextmanager
    async def connect(self, token: str | None = None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) \
                as client, streamable_http_client(self.url, http_client=client) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield Agent(session)

    def close(self) -> None:
        terminate(self.process)
        self.log.unlink(missing_ok=True)


class Agent:
    """The client's calls, answered as JSON."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def call(self, tool: str, text: str | None = None, **arguments) -> dict:
        """A tool's JSON answer, with "is_error" from the MCP result (`text`: a command's)."""
        arguments = arguments if text is None else {"text": text, **arguments}
        result = await self.session.call_tool(tool, arguments)
        text = next(c.text for c in result.content if c.type == "text")
        return {**json.loads(text), "is_error": result.is_error}

    async def read(self, uri: str):
        return json.loads((await self.session.read_resource(uri)).contents[0].text)

    async def wait_for(self, condition, seconds: float = 60.0) -> dict:
        """The state resource, read until `condition(state)` holds."""
        with anyio.fail_after(seconds):
            while True:
                state = await self.read("cap://state")
                if condition(state):
                    return state
                await anyio.sleep(0.01)

    async def start_pacing(self, group, results: list) -> list[float]:
        """Start the command "pace back and forth" in `group` (its answer appended to
        `results`) and return, with the joints before it, once the arm moves for it."""
        home = (await self.read("cap://state"))["joints"]

        async def pace() -> None:
            results.append(await self.call("command", text="pace back and forth"))
        group.start_soon(pace)
        await self.wait_for(lambda state: state["job"] and moved(state["joints"], home))
        return home


def moved(joints: list[float], home: list[float], by: float = 0.05) -> bool:
    """Whether some joint is more than `by` radians from where it was: a motion, not jitter."""
    return max(abs(a - b) for a, b in zip(joints, home)) > by


def distance_xy(a, b) -> float:
    return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5
