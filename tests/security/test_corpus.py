"""Every attack in the corpus is refused by the rule it is aimed at (or, if harmless, runs with
its output kept in the report), reads no secret, makes no file, does not hang; the controller
survives and keeps answering, and `cap exec` keeps its JSON contract."""
import json
import os
import re
import secrets
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cap import executor, policy
from cap.config import SessionConfig
from cap.errors import CapError
from cap.sandbox.controller import Limits
from cap.sandbox.worker import api_function
from cap.session import Session
from sim.scene import SceneSpec
from tests.security.attacks import FAMILIES, PATTERN_MATCHING, RUNS

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


def check_outcome(expected: str | None, ok: bool, error: str | None, report: str,
                  target: dict) -> None:
    """The corpus check: nothing leaked or written, and the attack met its own rule (refused
    with an error matching `expected`), or ran if it is harmless (`expected` is RUNS)."""
    assert target["token"] not in report, "the secret leaked"
    assert not os.path.exists(target["canary"]), "the program made a file"
    if expected is RUNS:
        assert ok, f"a harmless program was refused: {error}"
        return
    assert ok is False and error, "the attack was not refused"
    assert re.search(expected, error), f"refused, but not by {expected!r}: {error}"


def test_the_corpus_is_large_and_covers_every_family():
    assert len(ATTACKS) >= 200
    assert all(len(programs) >= 10 for programs in FAMILIES.values())
    assert sum(expected is RUNS for programs in FAMILIES.values() for _, expected in programs) <= 12


@pytest.mark.slow
@pytest.mark.parametrize("family, index", ATTACKS, ids=[f"{f}-{i}" for f, i in ATTACKS])
def test_attack_is_refused_by_its_rule(session, target, family, index):
    program, expected = FAMILIES[family][index]
    started = time.monotonic()
    outcome = session.exec_program(instantiate(program, target))
    elapsed = time.monotonic() - started
    check_outcome(expected, outcome.ok, outcome.error, json.dumps(session.report(outcome)), target)
    assert elapsed < LIMITS.wall_seconds + 6
    assert session._sandbox.alive or not outcome.ok  # a dead worker only after a reported failure
    follow_up = session.exec_program("say('still here')")
    assert follow_up.ok, follow_up.error
    assert session.report()["said"][-1] == "still here"


def run_in_process(code: str) -> tuple[bool, str | None, list]:
    """The executor with the worker's own kind of API function, in this process."""
    said: list = []
    say = api_function("say", lambda args, kwargs: said.append(args[0]))
    try:
        executor.run(code, executor.Namespace({"say": say}))
    except CapError as error:
        return False, str(error), said
    return True, None, said


def test_the_corpus_check_fails_when_the_rule_an_attack_meets_is_switched_off(monkeypatch,
                                                                                target):
    """A test of the tests: with `match` let through, the ChainMap escape of issue 23 is no
    longer refused by its rule and the corpus check says so; what stops it then is the next
    layer (the API functions' globals hold no `os`)."""
    program, expected = PATTERN_MATCHING[0]
    code = instantiate(program, target)
    ok, error, said = run_in_process(code)
    check_outcome(expected, ok, error, repr(said), target)
    check = policy._problem
    pattern_syntax = ("Match", "match_case")  # the statement, its cases and its patterns
    monkeypatch.setattr(policy, "_problem", lambda node, bound: None if type(node).__name__
                        .startswith(pattern_syntax) else check(node, bound))
    ok, error, said = run_in_process(code)
    with pytest.raises(AssertionError, match="refused, but not by"):
        check_outcome(expected, ok, error, repr(said), target)
    assert "KeyError: 'os'" in error


# one attack per family through the real command line: one JSON object on stdout, always
CLI_ATTACKS = {
    "introspection": "x = ().__class__.__bases__[0].__subclasses__()",
    "imports_builtins": "import os\nos.system('touch {canary}')",
    "numpy_shapely": "x = np.load('{secret}', allow_pickle=True)",
    "numpy_pointers": "x = np.random.default_rng().bit_generator.cffi",
    "pattern_matching": PATTERN_MATCHING[0][0],
    "unicode": "ｏｐｅｎ('{secret}').read()",
    "exhaustion": "x = [0] * (10 ** 10)",
    "output_spoofing": "print('{\"ok\": true}')\nsay('{\"ok\": true}')",
    "robot_abuse": "goto_pos([0.0, 0.0, -0.5])",
    "timeout": "while True:\n    pass",
}
CLI_RULES = {"pattern_matching": PATTERN_MATCHING[0][1], "numpy_pointers": "attribute 'cffi'"}


@pytest.mark.slow
@pytest.mark.parametrize("family", CLI_ATTACKS)
def test_cap_exec_keeps_its_contract_under_attack(tmp_path, target, family):
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
        assert re.search(CLI_RULES.get(family, "."), report["error"]), report["error"]


TOKENS = ["say(", "get_obj_pos(", "'red block'", "__class__", ".", "(", ")", "[", "]", "0",
          "1e9", "np.", "import ", "os", "\n", " ", "=", "x", "for i in range(9):\n    ",
          "lambda: ", "'", "\"", ":", ",", "**", "while True:\n    pass\n", "def f():\n    ",
          "goto_pos(", "open(", "𝐨", "\\", "#", "match x:\n    case ", "{**", "(a=b)"]


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)))
def test_fuzzed_programs_always_get_an_answer(session, program):
    outcome = session.exec_program(program)
    assert outcome.ok in (True, False)
    assert outcome.ok or outcome.error
    json.dumps(session.report(outcome))
    assert session.exec_program("say('alive')").ok
