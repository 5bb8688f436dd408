"""`cap run` with a slow or weak model, as a process: one JSON object whatever happens,
progress on stderr, the model's time flags."""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

SCENE = ["--blocks", "red,green,yellow", "--bowls", "blue,pink", "--seed", "3",
         "--perception", "oracle", "--json"]


def cap(*args, env=None, timeout=120):
    result = subprocess.run([sys.executable, "-m", "cap", *args], capture_output=True,
                            text=True, timeout=timeout, env=env or os.environ)
    return result.returncode, json.loads(result.stdout), result.stderr


def server_env(server):
    return {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "test"}


@pytest.mark.slow
def test_issue_30s_first_reply_replayed_from_a_script_is_not_a_success(tmp_path):
    script = tmp_path / "gemma.json"
    script.write_text(json.dumps([{
        "contains": "# put the red block in the blue bowl",
        "reply": "red_block_pos = get_obj_pos('blue bowl')[:2]\nput_first_on_second("
                 "red_block_pos, 'red block', red_block_pos)ElementChild\nElementChild"}]))
    code, report, err = cap("run", "put the red block in the blue bowl", "--llm",
                            f"scripted:{script}", *SCENE)
    assert code == 1 and report["ok"] is False and report["error_kind"] == "check"
    assert report["error"].startswith("line 2: syntax error")
    assert "ElementChild" in report["programs"][0]["code"]
    assert report["objects"] == report["objects_before"]


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_the_model_writes_still_prints_one_json_object(llm_server,
                                                                      signal_number):
    llm_server.on("# hello", "say('hello')")
    llm_server.delay = 60
    process = subprocess.Popen([sys.executable, "-m", "cap", "run", "hello", "--llm",
                                "openai:scripted", "--llm-timeout", "120", *SCENE],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=server_env(llm_server))
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr],
                     daemon=True).start()
    progress = wait_for_line(lines, "waiting for the model (tabletop_ui): 10 s")
    process.send_signal(signal_number)
    stdout, _ = process.communicate(timeout=30)
    report = json.loads(stdout)  # exactly one object: a second would not parse
    assert process.returncode == 1 and report["ok"] is False, progress
    assert report["error_kind"] == "stopped" and "waiting for the model" in report["error"]
    assert signal.Signals(signal_number).name in report["error"]
    assert report["llm"]["calls"] == 1 and report["llm"]["seconds"] >= 10
    deadline = time.monotonic() + 30
    while llm_server.abandoned < 1:
        assert time.monotonic() < deadline, "the server never saw the request closed"
        time.sleep(0.05)


def wait_for_line(lines: queue.Queue, text: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while True:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        if text in line:
            return line


@pytest.mark.slow
def test_the_model_timeout_flag_bounds_a_request(llm_server):
    llm_server.on("# hello", "say('hello')")
    llm_server.delay = 30
    started = time.monotonic()
    code, report, _ = cap("run", "hello", "--llm", "openai:scripted", "--llm-timeout", "1",
                          "--llm-retries", "0", *SCENE, env=server_env(llm_server))
    assert time.monotonic() - started < 25
    assert code == 1 and "did not answer within 1 s" in report["error"]
