"""Every attack in the corpus is contained: no secret read, no file made, no hang, the
controller survives and keeps answering, and `cap exec` keeps its JSON contract."""
import json
import secrets
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cap.sandbox.controller import Limits
from cap.config import SessionConfig
from cap.session import Session
from sim.scene import SceneSpec
from tests.security.attacks import FAMILIES

LIMITS = Limits(wall_seconds=4, cpu_seconds=2, memory_mb=1024, api_calls=2000, motions=30)
ATTACKS = [(family, i) for family, programs in FAMILIES.items() for i in range(len(programs))]


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    folder = tmp_path_factory.mktemp("target")
    token = secrets.token_hex(16)
    (folder / "secret.txt").write_text(token)
    return {"secret": str(folder / "secret.txt"), "canary": str(folder / "canary"),
            "token": token}


@pytest.fixture(scope="module")
def session():
    session = Session(SessionConfig(SceneSpec(("red",), ("blue",), seed=0), limits=LIMITS))
    yield session
    session.close()


def instantiate(program: str, target: dict) -> str:
    return program.replace("{secret}", target["secret"]).replace("{canary}", target["canary"])


def test_the_corpus_is_large_and_covers_every_family():
    assert len(ATTACKS) >= 100
    assert all(len(programs) >= 10 for programs in FAMILIES.values())


@pytest.mark.slow
@pytest.mark.parametrize("family, index", ATTACKS, ids=[f"{f}-{i}" for f, i in ATTACKS])
def test_attack_is_contained(session, target, family, index):
    import os
    code = instantiate(FAMILIES[family][index], target)
    started = time.monotonic()
    outcome = session.exec_program(code)
    elapsed = time.monotonic() - started
    report = json.dumps(session.report(outcome))
    assert target["token"] not in report
    assert not os.path.exists(target["canary"])
    assert elapsed < LIMITS.wall_seconds + 6
    assert session._sandbox.alive or not outcome.ok  # a dead worker only after a reported failure
    follow_up = session.exec_program("say('still here')")
    assert follow_up.ok, follow_up.error
    assert session.report()["said"][-1] == "still here"


# one attack per family through the real command line: one JSON object on stdout, always
CLI_ATTACKS = {
    "introspection": "x = ().__class__.__bases__[0].__subclasses__()",
    "imports_builtins": "import os\nos.system('touch {canary}')",
    "numpy_shapely": "x = np.load('{secret}', allow_pickle=True)",
    "unicode": "ｏｐｅｎ('{secret}').read()",
    "exhaustion": "x = [0] * (10 ** 10)",
    "output_spoofing": "print('{\"ok\": true}')\nsay('{\"ok\": true}')",
    "robot_abuse": "goto_pos([0.0, 0.0, -0.5])",
    "timeout": "while True:\n    pass",
}


@pytest.mark.slow
@pytest.mark.parametrize("family", CLI_ATTACKS)
def test_cap_exec_keeps_its_contract_under_attack(tmp_path, target, family):
    import os
    program = tmp_path / "attack.py"
    program.write_text(instantiate(CLI_ATTACKS[family], target))
    result = subprocess.run(
        [sys.executable, "-m", "cap", "exec", str(program), "--blocks", "red", "--json",
         "--time-limit", "3"], capture_output=True, text=True, timeout=60)
    report = json.loads(result.stdout)  # exactly one JSON object
    assert set(report) >= {"ok", "error", "said", "objects", "programs"}
    assert target["token"] not in result.stdout + result.stderr
    assert not os.path.exists(target["canary"])
    if family == "output_spoofing":
        assert report["ok"] and report["printed"] == ['{"ok": true}\n']
    else:
        assert report["ok"] is False and report["error"]


TOKENS = ["say(", "get_obj_pos(", "'red block'", "__class__", ".", "(", ")", "[", "]", "0",
          "1e9", "np.", "import ", "os", "\n", " ", "=", "x", "for i in range(9):\n    ",
          "lambda: ", "'", "\"", ":", ",", "**", "while True:\n    pass\n", "def f():\n    ",
          "goto_pos(", "open(", "𝐨", "\\", "#"]


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)))
def test_fuzzed_programs_always_get_an_answer(session, program):
    outcome = session.exec_program(program)
    assert outcome.ok in (True, False)
    assert outcome.ok or outcome.error
    json.dumps(session.report(outcome))
    assert session.exec_program("say('alive')").ok
