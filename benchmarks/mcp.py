"""`cap mcp` seen from an agent: start to ready, a read-only call, and Stop -> arm still.

    python benchmarks/mcp.py [--runs 5] [--http]

Spawns `cap mcp` (oracle perception) with the tests' scripted model server (the model is not
what is measured) and drives it with the `mcp` package's own client, over stdio or streamable
HTTP. Stop -> still is the time from sending stop() until the arm's joints (simulator ground
truth from the cap://state resource, read back to back) stop changing: the first of 4
identical readings.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

# the repository root instead of this script's folder, where this file would hide `mcp`
sys.path[0] = str(Path(__file__).resolve().parents[1])

import anyio  # noqa: E402

from cap.llm.scripted_server import ScriptedLLM  # noqa: E402
from tests.mcp.conftest import PACE, HttpServer, moved, stdio  # noqa: E402


async def still_after(agent, sent: float, window: int = 4) -> float:
    """Seconds from `sent` to the first of `window` identical joint readings."""
    readings: list[tuple[float, list]] = []
    while len(readings) < window or any(r[1] != readings[-window][1]
                                        for r in readings[-window:]):
        readings.append((time.perf_counter(), (await agent.read("cap://state"))["joints"]))
    return readings[-window][0] - sent


async def one_run(agent, figures: dict[str, list[float]]) -> None:
    started = time.perf_counter()
    await agent.call("objects")
    figures["objects() round trip"].append(time.perf_counter() - started)
    home = (await agent.read("cap://state"))["joints"]
    async with anyio.create_task_group() as group:
        result: list[dict] = []

        async def pace() -> None:
            result.append(await agent.call("command", text="pace back and forth"))
        group.start_soon(pace)
        await agent.wait_for(lambda state: state["job"] and moved(state["joints"], home))
        sent = time.perf_counter()
        await agent.call("stop")
        figures["stop() answered"].append(time.perf_counter() - sent)
        figures["stop() -> arm still"].append(await still_after(agent, sent))
    assert result[0]["error_kind"] == "stopped", result
    await agent.call("reset")


async def main(runs: int, http: bool) -> None:
    model = ScriptedLLM().on("pace", PACE)
    figures: dict[str, list[float]] = {"ready": [], "objects() round trip": [],
                                       "stop() answered": [], "stop() -> arm still": []}
    try:
        for _ in range(runs):
            started = time.perf_counter()
            server = HttpServer(model.base_url) if http else None
            try:
                async with (server.connect() if http else stdio(model.base_url)) as agent:
                    figures["ready"].append(time.perf_counter() - started)
                    await one_run(agent, figures)
            finally:
                if server:
                    server.close()
    finally:
        model.close()
    print(f"cap mcp over {'streamable HTTP' if http else 'stdio'}, {runs} runs (medians, max):")
    for name, values in figures.items():
        print(f"  {name}: {1e3 * statistics.median(values):.0f} ms, max {1e3 * max(values):.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--http", action="store_true")
    arguments = parser.parse_args()
    anyio.run(main, arguments.runs, arguments.http)
