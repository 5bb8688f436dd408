"""`cap bench codegen`: can a model write robot functions from a signature and a description?

Flat mode takes the model's one reply as it is (a session without a model refuses a helper it
calls but did not define); hierarchical mode runs it in a session with the model, whose function
generation writes those helpers. Each candidate and its test run in the sandbox worker, against
a seeded simulated scene for policy-API problems.
"""
from __future__ import annotations

import re
from collections import Counter

from cap.bench.codegen_problems import CATEGORIES, PROBLEMS, Problem
from cap.config import SessionConfig
from cap.errors import CapError
from cap.fgen import definition_only
from cap.llm.base import ChatModel, Usage
from cap.lmp import LMP
from cap.prompts import load_all
from cap.session import Session
from sim.scene import SceneSpec

SCENE = SceneSpec(("red", "blue", "green", "yellow"), ("pink", "blue"), seed=3)


def trial_program(problem: Problem, candidate: str) -> str:
    """The candidate (bound to `candidate`), the reference (bound to `reference`), then the
    randomised test."""
    reference = re.sub(rf"def {problem.name}\(", "def reference(", problem.reference, count=1)
    return "\n\n".join([candidate, f"candidate = {problem.name}", reference, problem.test])


def solve(session: Session, writer: LMP, problem: Problem) -> tuple[bool, str | None]:
    try:
        candidate = definition_only(writer.generate(f"{problem.signature} {problem.description}"),
                                    problem.name)
    except CapError as error:
        return False, str(error)
    outcome = session.exec_program(trial_program(problem, candidate),
                                   label=f"codegen:{problem.name}")
    return outcome.ok, outcome.error


def bench_codegen(model: ChatModel, mode: str = "hierarchical") -> dict:
    if mode not in ("flat", "hierarchical"):
        raise ValueError(f"mode must be flat or hierarchical, got {mode!r}")
    usage = Usage()
    writer = LMP(load_all()["fgen"], model, usage)
    settings = SessionConfig(SCENE, perception="oracle", use_skill_library=False)
    results = {}
    with Session(settings, model if mode == "hierarchical" else None) as session:
        for problem in PROBLEMS:
            results[problem.name] = (problem.category, *solve(session, writer, problem))
        helpers = session.usage.as_dict()
    passed = Counter(category for category, ok, _ in results.values() if ok)
    total = Counter(problem.category for problem in PROBLEMS)
    return {
        "mode": mode, "model": model.name, "baseline": model.is_baseline,
        "pass_rate": {c: passed[c] / total[c] for c in CATEGORIES},
        "overall": sum(passed.values()) / len(PROBLEMS), "problems": len(PROBLEMS),
        "failures": {name: error for name, (_, ok, error) in results.items() if not ok},
        "llm": {k: round(v + helpers[k], 3) for k, v in usage.as_dict().items()},
    }
