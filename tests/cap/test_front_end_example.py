"""The one-file front end in docs/examples works against the Session face alone, driven by
the scripted model backend (`--llm scripted:FILE`)."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def post(port: int, command: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/",
                                     data=json.dumps({"command": command}).encode())
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_http_endpoint_example_runs_a_command(tmp_path, cap_home):
    script = tmp_path / "replies.json"
    script.write_text(json.dumps([
        {"contains": "# put the red block in the blue bowl",
         "reply": "put_first_on_second('red block', 'blue bowl')\nsay('done')"}]))
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "CAP_LLM": f"scripted:{script}", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, str(ROOT / "docs/examples/http_endpoint.py"),
                               str(port)], env=env, stderr=subprocess.PIPE)
    try:
        for _ in range(300):
            try:
                status, body = post(port, "put the red block in the blue bowl")
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.1)
        assert status == 200 and body["ok"] and body["said"] == ["done"]
        red, bowl = np.array(body["objects"]["red block"]), np.array(body["objects"]["blue bowl"])
        assert np.linalg.norm(red[:2] - bowl[:2]) < 0.04
        status, body = post(port, "do something nobody scripted")
        assert status == 422 and "no reply" in body["error"]
    finally:
        server.terminate()
        server.wait(10)
