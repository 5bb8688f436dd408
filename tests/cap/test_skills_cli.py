"""`cap run` with an OpenAI-compatible server, then `cap skills` on what it generated."""
import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def cap(*args, env):
    result = subprocess.run([sys.executable, "-m", "cap", *args], capture_output=True, text=True,
                            timeout=120, env=env)
    return result.returncode, json.loads(result.stdout), result.stderr


def test_run_generates_a_skill_that_the_library_lists_shows_and_clears(llm_server, cap_home):
    llm_server.on("# greet twice", "greet(2)")
    llm_server.on("def greet(", "def greet(times):\n    for i in range(times):\n        say('hi')")
    env = {**os.environ, "OPENAI_BASE_URL": llm_server.base_url, "OPENAI_API_KEY": "test",
           "CAP_HOME": str(cap_home)}
    code, report, err = cap("run", "greet twice", "--llm", "openai:scripted", "--blocks", "red",
                            "--perception", "oracle", "--json", env=env)
    assert code == 0, err
    assert report["said"] == ["hi", "hi"] and report["llm"]["calls"] == 2
    assert [p["lmp"] for p in report["programs"]] == ["tabletop_ui", "fgen"]
    _, listed, _ = cap("skills", "list", "--json", env=env)
    assert [s["name"] for s in listed["skills"]] == ["greet"]
    assert listed["skills"][0]["signature"] == "def greet(arg0):"
    _, shown, err = cap("skills", "show", "greet", "--json", env=env)
    assert "def greet(times):" in err
    _, cleared, _ = cap("skills", "clear", "--json", env=env)
    assert cleared == {"cleared": 1}
    _, listed, _ = cap("skills", "list", "--json", env=env)
    assert listed["skills"] == []
