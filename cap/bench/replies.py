"""Model replies through the whole pipeline: a scripted OpenAI-compatible server answers each
command with a written reply, the session extracts, checks, generates helpers, runs the
program in the sandbox on the simulator, and the outcome is compared with what a good system
does (run and reach the checked world, or refuse with a named rule).

Items carry: name, kind, command, reply, expect ("runs" | "refused: WORDS"), check (an
expression over the world after the run), scene (blocks, bowls, seed), more (other scripted
replies by request text), extracted (raw replies: the program that must be taken), and
finish_reason.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from cap.config import SessionConfig
from cap.llm.openai_backend import OpenAIChat
from cap.llm.scripted_server import ScriptedLLM
from cap.session import Outcome, Session
from robots.workspace import PLACES_NORMALIZED, Workspace
from sim.scene import SceneSpec

CORNERS = [name for name in PLACES_NORMALIZED if name.endswith("corner")]


def run_item(item, server: ScriptedLLM) -> tuple[Outcome, dict]:
    """One reply through a fresh session; the outcome and the names its check can use."""
    server.script.rules.clear()
    server.on(f"# {item.command}", item.reply, finish_reason=item.finish_reason)
    for contains, reply in item.more.items():
        server.on(contains, reply)
    model = OpenAIChat("scripted", base_url=server.base_url, api_key="test", timeout=10,
                       max_retries=0)
    blocks, bowls, seed = item.scene
    config = SessionConfig(SceneSpec(blocks, bowls, seed), perception="oracle", max_repairs=0)
    with Session(config, model) as session:
        before = {k: np.array(v) for k, v in session.ground_truth().items()}
        outcome = session.command(item.command)
        after = {k: np.array(v) for k, v in session.ground_truth().items()}
    return outcome, world_checks(before, after, outcome.said)


def world_checks(before: dict, after: dict, said: list[str]) -> dict:
    """The vocabulary of the corpus's checks."""
    workspace = Workspace()

    def xy(name):
        return after[name][:2]

    def near_xy(name, point, tolerance=0.03):
        return bool(np.linalg.norm(xy(name) - np.asarray(point, dtype=float)[:2]) < tolerance)

    def in_bowl(block, bowl):
        return near_xy(block, xy(bowl), 0.05) and after[block][2] < 0.08

    def on(top, bottom):
        return near_xy(top, xy(bottom), 0.025) and after[top][2] > after[bottom][2] + 0.03

    def blocks():
        return sorted(n for n in after if n.endswith("block"))

    def stacked(names):  # a tower of these blocks, in any order
        heights = sorted(after[n][2] for n in names)
        return all(near_xy(n, xy(names[0]), 0.03) for n in names) and bool(
            np.allclose(heights, 0.02 + 0.04 * np.arange(len(names)), atol=0.012))

    def moved_by(name, delta, tolerance=0.02):
        return bool(np.linalg.norm(xy(name) - before[name][:2] - np.asarray(delta)) < tolerance)

    return dict(np=np, after=after, before=before, near_xy=near_xy, in_bowl=in_bowl, on=on,
                blocks=blocks, stacked=stacked, moved_by=moved_by, CORNERS=CORNERS,
                unmoved=lambda name: moved_by(name, [0.0, 0.0], 0.01),
                place=workspace.place, denorm=workspace.denormalize_xy,
                said=lambda text: any(text.lower() in s.lower() for s in said))


def verdict(item, outcome: Outcome, scope: dict) -> str:
    """"ok", "wrongly refused", "wrongly run", "wrong rule", "wrong extraction" or
    "wrong result" (it ran, but the world is not as checked)."""
    if item.expect == "runs":
        if not outcome.ok:
            return "wrongly refused"
        if item.extracted is not None and outcome.programs[0]["code"] != item.extracted:
            return "wrong extraction"
        return "ok" if eval(item.check or "True", scope) else "wrong result"  # noqa: S307
    if outcome.ok:
        return "wrongly run"
    words = item.expect.split(":", 1)[1].strip().lower()
    return "ok" if words in (outcome.error or "").lower() else "wrong rule"


def bench_replies(items) -> dict:
    """Counts over a corpus: accepted and ran, refused by rule, and every kind of mistake."""
    server = ScriptedLLM()
    verdicts: Counter[str] = Counter()
    refused_by: Counter[str] = Counter()
    mistakes = []
    try:
        for item in items:
            outcome, scope = run_item(item, server)
            result = verdict(item, outcome, scope)
            verdicts[result] += 1
            if result == "ok" and item.expect != "runs":
                refused_by[item.expect.split(":", 1)[1].strip()] += 1
            if result != "ok":
                mistakes.append({"name": item.name, "verdict": result, "error": outcome.error})
    finally:
        server.close()
    return {"items": len(items), "ran": sum(1 for i in items if i.expect == "runs")
            - sum(v for k, v in verdicts.items() if k in ("wrongly refused", "wrong result",
                                                          "wrong extraction")),
            "refused_by_rule": dict(refused_by), "verdicts": dict(verdicts),
            "mistakes": mistakes}
