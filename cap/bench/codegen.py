"""`cap bench codegen`: can a model write robot functions from a signature and a description?

Flat mode takes the model's one reply as it is (a helper it calls but did not define fails the
problem); hierarchical mode lets function generation write those helpers. Each candidate and
its test run in the sandbox worker, against a seeded simulated scene for policy-API problems.
"""
from __future__ import annotations

import re
from collections import Counter

from cap import checks
from cap.bench.codegen_problems import CATEGORIES, PROBLEMS, Problem
from cap.errors import CapError
from cap.llm.base import ChatModel
from cap.session import Session, SessionConfig
from robots.errors import MotionError
from sim.scene import SceneSpec

SCENE = SceneSpec(("red", "blue", "green", "yellow"), ("pink", "blue"), seed=3)


def trial_program(problem: Problem, definitions: list[str], candidate: str) -> str:
    """Definitions, the candidate (bound to `candidate`), the reference (bound to
    `reference`), then the randomised test."""
    reference = re.sub(rf"def {problem.name}\(", "def reference(", problem.reference, count=1)
    return "\n\n".join([*definitions, candidate, f"candidate = {problem.name}", reference,
                        problem.test])


def solve(session: Session, problem: Problem, mode: str) -> tuple[bool, str | None]:
    query = f"{problem.signature} {problem.description}"
    try:
        candidate = session.lmps["fgen"].generate(query)
        session.fgen.check_defines(candidate, problem.name)
        known = set(session.builtin_names) | {"candidate", "reference"}
        if mode == "flat":
            calls, _ = checks.undefined_calls_and_names(checks.parse(candidate), candidate, known)
            if calls:
                return False, f"calls {', '.join(c.name for c in calls)} but does not define it"
            definitions = []
        else:
            definitions = session.fgen.ensure(candidate, known, session.signatures)
        outcome = session.exec_program(trial_program(problem, definitions, candidate),
                                       label=f"codegen:{problem.name}")
    except (CapError, MotionError) as error:
        return False, str(error)
    return outcome.ok, outcome.error


def bench_codegen(model: ChatModel, mode: str = "hierarchical") -> dict:
    if mode not in ("flat", "hierarchical"):
        raise ValueError(f"mode must be flat or hierarchical, got {mode!r}")
    session = Session(SessionConfig(SCENE, perception="oracle", use_skill_library=False), model)
    results = {}
    try:
        for problem in PROBLEMS:
            results[problem.name] = (problem.category, *solve(session, problem, mode))
    finally:
        session.close()
    passed = Counter(category for category, ok, _ in results.values() if ok)
    total = Counter(problem.category for problem in PROBLEMS)
    return {
        "mode": mode, "model": model.name, "baseline": model.is_baseline,
        "pass_rate": {c: passed[c] / total[c] for c in CATEGORIES},
        "overall": sum(passed.values()) / len(PROBLEMS), "problems": len(PROBLEMS),
        "failures": {name: error for name, (_, ok, error) in results.items() if not ok},
        "llm": session.usage.as_dict(),
    }
