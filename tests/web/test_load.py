"""`cap serve` under load it must shrug off: more idle connections than it has open files, and
fifty viewers. What the benchmark times (benchmarks/web_load.py), this checks without clocks:
who gets in, what is sent."""
from __future__ import annotations

import asyncio
import json
import resource
import socket
import struct
import time
import urllib.request

import pytest
import websockets

from tests.web.conftest import Server

pytestmark = pytest.mark.slow

IDLE_SOCKETS = 1100
PACE = ("for i in range(30):\n    goto_pos([0.15, 0.1, 0.25])\n"
        "    goto_pos([-0.15, -0.1, 0.25])")


def own_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"this test needs {wanted} open files; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def test_idle_sockets_past_the_file_limit_leave_room_for_the_page_and_stop(llm_server):
    """A desktop's common limit, 1024 open files, and 1,100 connections that send nothing
    (every tenth half a request head): a reloaded page and Stop still get in, the idle ones
    are closed, and the log stays quiet."""
    own_file_limit(IDLE_SOCKETS + 200)
    server = Server(llm_server.base_url, open_files=1024)
    idle = []
    try:
        for i in range(IDLE_SOCKETS):
            raw = socket.create_connection(("127.0.0.1", server.port), timeout=60)
            if i % 10 == 0:
                raw.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n".encode())
            idle.append(raw)
        with urllib.request.urlopen(server.base + "/", timeout=60) as page:
            assert page.status == 200
        stop = urllib.request.Request(server.base + "/api/stop", data=b"{}", method="POST",
                                      headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(stop, timeout=60) as stopped:
            assert json.load(stopped)["stopping"] is True
        for raw in idle:  # every one is closed by the server: none is kept for ever
            raw.settimeout(60)
            try:
                assert raw.recv(1) == b""
            except ConnectionResetError:
                pass
        assert server.log.stat().st_size < 20_000, server.log.read_text()[-3000:]
    finally:
        for raw in idle:
            raw.close()
        server.close()


def test_fifty_viewers_get_frames_only_when_the_table_moves(llm_server):
    llm_server.on("pace back and forth", PACE)
    server = Server(llm_server.base_url)
    try:
        idle, moving = asyncio.run(count_frames(server, viewers=50))
    finally:
        server.close()
    assert max(idle) <= 1, idle  # the same picture is not sent again and again
    assert min(moving) >= 3, moving  # every viewer sees the motion


async def count_frames(server: Server, viewers: int) -> tuple[list[int], list[int]]:
    """View frames each viewer was sent while the table stood still for 2 s; then, once the
    arm moves, new ones (distinct render times) until each has 3 or the wait runs out."""
    url, origin = f"ws://127.0.0.1:{server.port}/ws", {"Origin": server.base}
    sockets = [await websockets.connect(url, additional_headers=origin, max_size=2**22)
               for _ in range(viewers)]
    try:
        stamps = [[] for _ in sockets]  # each viewer's frames' render times, as sent
        readers = [asyncio.create_task(read_frames(ws, seen)) for ws, seen in zip(sockets, stamps)]
        await until(lambda: all(stamps))  # the first frame each
        first = [len(seen) for seen in stamps]
        await asyncio.sleep(2.0)  # a still table for 2 s: how many more frames came
        idle = [len(seen) - n for seen, n in zip(stamps, first)]
        joints = await asyncio.to_thread(lambda: server.state()["joints"])
        await sockets[0].send(json.dumps({"type": "command", "text": "pace back and forth"}))
        await until(lambda: server.state()["joints"] != joints, blocking=True)
        before = [len(seen) for seen in stamps]
        moving = lambda: [len(set(seen[n:])) for seen, n in zip(stamps, before)]  # noqa: E731
        await until(lambda: min(moving()) >= 3)
        await sockets[0].send(json.dumps({"type": "stop"}))
        for reader in readers:
            reader.cancel()
        return idle, moving()
    finally:
        for ws in sockets:
            await ws.close()


async def read_frames(ws, stamps: list) -> None:
    async for message in ws:
        if isinstance(message, bytes) and message[:1] == b"v":
            stamps.append(struct.unpack("<d", message[1:9])[0])


async def until(condition, blocking: bool = False, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not (await asyncio.to_thread(condition) if blocking else condition()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
