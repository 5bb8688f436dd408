"""`cap mcp` over stdio, driven by the `mcp` package's client: commands, programs, refusals,
Stop, approval and bad input on the simulated table."""
from __future__ import annotations

import base64
import json
import subprocess
import sys

import anyio
import pytest

from tests.mcp.conftest import PACE, cap_mcp_argv, distance_xy, environment, moved, stdio

pytestmark = pytest.mark.anyio
MOVE = "put the red block in the blue bowl"


async def test_a_command_moves_the_block_and_says_what_ran(llm_server):
    llm_server.on(MOVE, "say('on it')\nput_first_on_second('red block', 'blue bowl')")
    async with stdio(llm_server.base_url) as agent:
        before = (await agent.read("cap://state"))["objects"]
        result = await agent.call("command", text=MOVE)
        after = (await agent.read("cap://state"))["objects"]
        history = await agent.read("cap://history")
    assert result["ok"] and not result["is_error"] and result["status"] == "done"
    assert result["said"] == ["on it"] and result["error_kind"] is None
    assert result["programs"][0]["code"].endswith("put_first_on_second('red block', 'blue bowl')")
    assert distance_xy(before["red block"], after["blue bowl"]) > 0.05
    assert distance_xy(after["red block"], after["blue bowl"]) < 0.03
    assert result["objects"] == after
    assert [(job["kind"], job["text"], job["ok"]) for job in history] == [("command", MOVE, True)]


async def test_a_program_runs_checked_and_a_refused_one_changes_nothing(llm_server):
    async with stdio(llm_server.base_url) as agent:
        ran = await agent.call("run_program", code="print(len(get_obj_names()))\n"
                                                   "put_first_on_second('green block', 'middle')")
        before = (await agent.read("cap://state"))["objects"]
        refused = await agent.call("run_program", code="import os\nos.system('touch /tmp/x')")
        after = (await agent.read("cap://state"))["objects"]
    assert ran["ok"] and ran["printed"] == ["3\n"] and ran["programs"][0]["lmp"] == "program"
    assert distance_xy(before["green block"], [0.0, 0.0]) < 0.03
    assert refused["is_error"] and refused["ok"] is False and refused["error_kind"] == "check"
    assert "os" in refused["error"] and after == before


async def test_a_command_whose_program_is_refused_says_why_and_nothing_moves(llm_server):
    llm_server.on("clean up", "import subprocess\nsubprocess.run(['rm', '-rf', '/'])")
    async with stdio(llm_server.base_url) as agent:
        before = (await agent.read("cap://state"))["objects"]
        result = await agent.call("command", text="clean up the table")
        after = (await agent.read("cap://state"))["objects"]
    assert result["is_error"] and result["error_kind"] == "check"
    assert "subprocess" in result["error"] and after == before
    assert all("subprocess" in program["code"] for program in result["programs"])


async def test_stop_during_a_motion_ends_the_command_and_the_arm_holds(llm_server):
    llm_server.on("pace", PACE)
    async with stdio(llm_server.base_url) as agent:
        async with anyio.create_task_group() as group:
            results = []
            home = await agent.start_pacing(group, results)
            second = await agent.call("command", text=MOVE)
            undo = await agent.call("undo")
            stopped = await agent.call("stop")
        held = (await agent.read("cap://state"))["joints"]
        busy_after = await agent.call("objects")
        still = (await agent.read("cap://state"))["joints"]
    assert stopped["stopping"] and stopped["job"] == results[0]["id"]
    assert results[0]["error_kind"] == "stopped" and results[0]["is_error"]
    assert moved(held, home, by=0.02) and still == held and not busy_after["is_error"]
    for refused in (second, undo):
        assert refused["is_error"] and refused["error_kind"] == "busy"
        assert "is running; wait for its result or call stop()" in refused["error"]
    assert len(llm_server.requests) == 1  # a stopped command is not retried


async def test_bad_input_is_refused_clearly_and_changes_nothing(llm_server):
    async with stdio(llm_server.base_url) as agent:
        before = await agent.read("cap://state")
        answers = [await agent.call("command", text="x" * 501),
                   await agent.call("command", text=""),
                   await agent.call("command", text=5),
                   await agent.call("command"),
                   await agent.call("command", text="hi", speed=9),
                   await agent.call("launch_missiles", target="moon"),
                   await agent.call("approve", id="1"),
                   await agent.call("approve", id=1, run="yes"),
                   await agent.call("run_program", code="  "),
                   await agent.call("approve", id=7)]
        after = await agent.read("cap://state")
        history = await agent.read("cap://history")
    errors = [answer["error"] for answer in answers]
    assert all(answer["is_error"] and answer["ok"] is False for answer in answers)
    assert errors[:6] == [
        "command longer than 500 characters", "empty command", "command: 'text' must be a string",
        "command: the argument 'text' is missing (a string)",
        "command: unknown argument(s) speed; command takes text",
        "unknown tool 'launch_missiles'; the tools are: command, run_program, approve, stop, "
        "undo, reset, objects, look, view"]
    assert errors[6:9] == ["approve: 'id' must be an integer",
                           "approve: 'run' must be true or false", "empty program"]
    assert errors[9] == "no approval 7 is waiting (waiting now: none)"
    assert history == [] and after["objects"] == before["objects"]
    assert after["joints"] == before["joints"] and llm_server.requests == []


@pytest.mark.slow
async def test_approval_refused_stopped_then_granted(llm_server):
    code = "put_first_on_second('red block', 'blue bowl')"
    llm_server.on(MOVE, code)
    async with stdio(llm_server.base_url, "--confirm") as agent:
        before = (await agent.read("cap://state"))["objects"]
        asked = await agent.call("command", text=MOVE)
        busy = await agent.call("command", text=MOVE)
        declined = await agent.call("approve", id=asked["approval"]["id"], run=False)
        again = await agent.call("approve", id=asked["approval"]["id"])
        asked_again = await agent.call("command", text=MOVE)
        await agent.call("stop")
        unmoved = (await agent.wait_for(lambda state: state["job"] is None))["objects"]
        stopped = (await agent.read("cap://history"))[-1]
        third = await agent.call("command", text=MOVE)
        granted = await agent.call("approve", id=third["approval"]["id"])
    assert asked["status"] == "awaiting_approval" and not asked["is_error"]
    assert asked["approval"]["program"] == code and "objects" not in asked
    assert asked["approval"]["rehearsal"].startswith("passed")
    assert busy["error_kind"] == "busy" and f"approve({asked['approval']['id']})" in busy["error"]
    assert declined["status"] == "done" and declined["error_kind"] == "stopped"
    assert "declined" in declined["error"] and declined["objects"] == before
    assert declined["approvals"] == [{"id": asked["approval"]["id"], "decision": "declined"}]
    assert again["is_error"] and "already answered (declined)" in again["error"]
    assert asked_again["status"] == "awaiting_approval"
    assert stopped["error"] == (f"stopped while approval {asked_again['approval']['id']} "
                                "waited; nothing moved") and unmoved == before
    assert granted["ok"] and granted["approvals"][-1]["decision"] == "run"
    assert distance_xy(granted["objects"]["red block"], granted["objects"]["blue bowl"]) < 0.03


@pytest.mark.slow
async def test_an_unanswered_approval_expires_and_is_refused_clearly(llm_server):
    llm_server.on(MOVE, "put_first_on_second('red block', 'blue bowl')")
    async with stdio(llm_server.base_url, "--confirm", "--approval-seconds", "0.5") as agent:
        before = (await agent.read("cap://state"))["objects"]
        asked = await agent.call("command", text=MOVE)
        after = (await agent.wait_for(lambda state: state["job"] is None))["objects"]
        late = await agent.call("approve", id=asked["approval"]["id"])
        history = await agent.read("cap://history")
    assert asked["approval"]["expires_in_seconds"] == 0.5
    assert late["is_error"] and late["error_kind"] == "approval"
    assert late["error"].startswith(f"approval {asked['approval']['id']} expired")
    assert "expired" in history[-1]["error"] and after == before


async def test_look_and_view_are_images_of_the_table_with_the_objects(llm_server):
    async with stdio(llm_server.base_url, "--perception", "pixels") as agent:
        look = await agent.session.call_tool("look", {})
        view = await agent.session.call_tool("view", {})
    images = [c for c in look.content + view.content if c.type == "image"]
    found = json.loads(next(c.text for c in look.content if c.type == "text"))
    assert [image.mime_type for image in images] == ["image/jpeg", "image/jpeg"]
    assert all(base64.b64decode(image.data)[:3] == b"\xff\xd8\xff" for image in images)
    assert found["image"] and sorted(o["name"] for o in found["objects"]) == [
        "blue bowl", "green block", "red block"]


@pytest.mark.slow
async def test_a_cancelled_command_call_stops_its_job(llm_server):
    llm_server.on("pace", PACE)
    async with stdio(llm_server.base_url) as agent:
        async with anyio.create_task_group() as group:
            home = await agent.start_pacing(group, [])
            group.cancel_scope.cancel()  # the client gives up on the call
        ended = await agent.wait_for(lambda state: state["job"] is None, seconds=30)
        history = await agent.read("cap://history")
    assert history[-1]["error_kind"] == "stopped", history[-1]
    assert moved(ended["joints"], home, by=0.02)  # held where it stopped, not rolled back
    assert len(llm_server.requests) == 1  # and not retried


def test_stdout_carries_mcp_messages_only(llm_server):
    """What PyBullet and the sandbox print as the session starts must not reach the wire."""
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                             "clientInfo": {"name": "probe", "version": "1"}}}
    done = subprocess.run([sys.executable, *cap_mcp_argv("--perception", "pixels")],
                          input=json.dumps(initialize) + "\n", capture_output=True, text=True,
                          env=environment(llm_server.base_url), timeout=120)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and len(lines) == 1, (done.stdout, done.stderr[-2000:])
    assert json.loads(lines[0])["result"]["serverInfo"]["name"] == "cap"
    assert "pybullet" in done.stderr
