"""`cap mcp --http`: the `mcp` package's streamable-HTTP client drives the table; the doors
refuse a missing or wrong token off loopback, a foreign Host (DNS rebinding) and a foreign
Origin before the MCP server sees the request."""
from __future__ import annotations

import json

import anyio
import httpx2
import pytest

from tests.mcp.conftest import PACE, HttpServer, distance_xy

pytestmark = pytest.mark.anyio
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                         "clientInfo": {"name": "probe", "version": "1"}}}
MCP_HEADERS = {"Content-Type": "application/json",
               "Accept": "application/json, text/event-stream"}


@pytest.fixture
def loopback(llm_server):
    server = HttpServer(llm_server.base_url)
    yield server
    server.close()


async def post(url: str, **headers: str) -> httpx2.Response:
    async with httpx2.AsyncClient(timeout=30) as client:
        return await client.post(url, content=json.dumps(INITIALIZE),
                                 headers={**MCP_HEADERS, **headers})


async def test_over_http_a_command_moves_a_block_and_stop_ends_a_motion(loopback, llm_server):
    # the whole command: every prompt names the red block, the pacing one too
    llm_server.on("put the red block in the blue bowl",
                  "put_first_on_second('red block', 'blue bowl')")
    llm_server.on("pace", PACE)
    async with loopback.connect() as agent:
        placed = await agent.call("command", text="put the red block in the blue bowl")
        async with anyio.create_task_group() as group:
            results = []
            await agent.start_pacing(group, results)
            stopped = await agent.call("stop")
        api = (await agent.session.read_resource("cap://policy-api")).contents[0].text
    assert placed["ok"] and distance_xy(placed["objects"]["red block"],
                                        placed["objects"]["blue bowl"]) < 0.03
    assert stopped["stopping"] and results[0]["error_kind"] == "stopped"
    assert "put_first_on_second(obj, target)" in api


async def test_a_foreign_host_or_origin_is_refused_before_any_work(loopback):
    own = f"127.0.0.1:{loopback.port}"
    rebound = await post(loopback.url, Host=f"attacker.example:{loopback.port}")
    foreign = await post(loopback.url, Origin="http://attacker.example")
    accepted = await post(loopback.url, Host=own, Origin=f"http://{own}")
    assert rebound.status_code == 421 and "loopback address" in rebound.json()["error"]
    assert foreign.status_code == 403 and "other sites" in foreign.json()["error"]
    assert accepted.status_code == 200


async def test_off_loopback_a_token_is_required_and_a_wrong_one_refused(llm_server):
    server = HttpServer(llm_server.base_url, host="0.0.0.0")
    try:
        missing = await post(server.url)
        wrong = await post(server.url, Authorization="Bearer not-the-token")
        async with server.connect(server.token) as agent:
            seen = await agent.call("objects")
    finally:
        server.close()
    assert server.token and missing.status_code == 401 and wrong.status_code == 401
    assert "token is required" in missing.json()["error"]
    assert sorted(o["name"] for o in seen["objects"]) == ["blue bowl", "green block",
                                                          "red block"]
