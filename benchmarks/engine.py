"""LMP engine figures: overhead per model call, prompt tokens of a 10-command session, and
wall time of a hierarchy of sibling functions with a slow model.

    .venv/bin/python benchmarks/engine.py
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cap.llm.base import ChatModel, Completion, Usage  # noqa: E402
from cap.llm.openai_backend import OpenAIChat  # noqa: E402
from cap.lmp import LMP, History  # noqa: E402
from cap.prompts import load_prompt  # noqa: E402
from cap.config import SessionConfig  # noqa: E402
from cap.session import Session  # noqa: E402
from sim.scene import SceneSpec  # noqa: E402
from cap.llm.scripted_server import ScriptedLLM  # noqa: E402

# the ten commands of the session, and the programs a capable model writes for them
SESSION = [
    ("put the red block in the blue bowl", "put_first_on_second('red block', 'blue bowl')"),
    ("which block is closest to the green bowl?",
     "name = parse_obj_name('the block closest to the green bowl', f'objects = {get_obj_names()}')\nsay(f'the {name}')"),
    ("move the yellow block to the top left corner",
     "put_first_on_second('yellow block', 'top left corner')"),
    ("stack the blocks",
     "names = parse_obj_name('the blocks', f'objects = {get_obj_names()}')\nfor a, b in zip(names, names[1:]):\n    put_first_on_second(b, a)"),
    ("how many bowls are there?",
     "n = parse_question('how many bowls are there?', f'objects = {get_obj_names()}')\nsay(f'{n} bowls')"),
    ("put the green block a bit to the right of the blue bowl",
     "pos = parse_position('a point 10 cm right of the blue bowl')\nput_first_on_second('green block', pos)"),
    ("put all the blocks in the green bowl",
     "names = parse_obj_name('the blocks', f'objects = {get_obj_names()}')\nfor name in sorted(names, key=lambda n: -get_obj_pos(n)[2]):\n    put_first_on_second(name, 'green bowl')"),
    ("move the blue bowl to the middle", "put_first_on_second('blue bowl', 'middle')"),
    ("put the blocks in a horizontal line along the bottom side",
     "names = parse_obj_name('the blocks', f'objects = {get_obj_names()}')\npts = parse_position(f'a horizontal line of {len(names)} points along the bottom side')\nfor n, p in zip(names, pts):\n    put_first_on_second(n, p)"),
    ("say which bowl is on the left",
     "name = parse_obj_name('the left most bowl', f'objects = {get_obj_names()}')\nsay(name)"),
]
SUB_REPLIES = {
    "# the block closest to the green bowl": "ret_val = min([n for n in objects if 'block' in n], key=lambda n: np.linalg.norm(get_obj_pos(n)[:2] - get_obj_pos('green bowl')[:2]))",
    "# the blocks": "ret_val = [n for n in objects if 'block' in n]",
    "# how many bowls are there?": "ret_val = len([n for n in objects if 'bowl' in n])",
    "# a point 10 cm right of the blue bowl": "ret_val = get_obj_pos('blue bowl')[:2] + np.array([0.1, 0.0])",
    "# a horizontal line of 3 points along the bottom side": "ret_val = [np.array([x, -0.2]) for x in np.linspace(-0.15, 0.15, 3)]",
    "# the left most bowl": "ret_val = min([n for n in objects if 'bowl' in n], key=lambda n: get_obj_pos(n)[0])",
}


class Instant(ChatModel):
    name = "instant"

    def complete(self, messages, temperature, max_tokens, lmp):
        return Completion("put_first_on_second('red block', 'blue bowl')", 10, 5)


def engine_overhead(calls: int = 2000) -> dict:
    lmp = LMP(load_prompt("tabletop_ui"), Instant(), Usage())
    history = History(1200)
    for i in range(5):
        history.add(f"objects = []\n# command {i}", "say('x')")
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        lmp.generate("put the red block in the blue bowl", "objects = ['red block']", history)
        times.append(time.perf_counter() - started)
    return {"median_ms": 1e3 * statistics.median(times), "p95_ms": 1e3 * sorted(times)[int(0.95 * calls)]}


def http_overhead(server: ScriptedLLM, calls: int = 200) -> dict:
    server.fallback = "say('x')"
    model = OpenAIChat("scripted", base_url=server.base_url, api_key="k")
    lmp = LMP(load_prompt("tabletop_ui"), model, Usage())
    times = [0.0] * calls
    for i in range(calls):
        started = time.perf_counter()
        lmp.generate("say x", "objects = []")
        times[i] = time.perf_counter() - started
    return {"median_ms_including_local_http": 1e3 * statistics.median(times)}


def session_tokens(server: ScriptedLLM) -> dict:
    server.rules.clear()
    for query, program in SUB_REPLIES.items():
        server.on(query, program, system="ret_val")  # only the sub-LMPs return ret_val
    for command, program in SESSION:
        server.on(f"# {command}", program)
    server.requests.clear()
    model = OpenAIChat("scripted", base_url=server.base_url, api_key="k")
    spec = SceneSpec(("red", "green", "yellow"), ("blue", "green"), seed=3)
    session = Session(SessionConfig(spec), model)
    ok = [session.command(command).ok for command, _ in SESSION]
    session.close()
    usage = session.usage
    return {"commands": len(SESSION), "succeeded": sum(ok), "calls": usage.calls,
            "prompt_tokens": usage.prompt_tokens,
            "prompt_tokens_per_command": usage.prompt_tokens / len(SESSION),
            "ratio_to_original_48500": usage.prompt_tokens / 48_500,
            "token_count": "characters / 4, counted by the scripted server"}


def sibling_hierarchy(server: ScriptedLLM, delay: float = 1.0) -> dict:
    server.rules.clear()
    server.on("# four helpers", "say(str(h1() + h2() + h3() + h4()))")
    for i in range(1, 5):
        server.on(f"def h{i}(", f"def h{i}():\n    return leaf{i}()")
        server.on(f"def leaf{i}(", f"def leaf{i}():\n    return {i}")
    server.delay = delay
    model = OpenAIChat("scripted", base_url=server.base_url, api_key="k")
    session = Session(SessionConfig(SceneSpec(("red",), (), 0), use_skill_library=False), model)
    started = time.perf_counter()
    outcome = session.command("four helpers")
    wall = time.perf_counter() - started
    session.close()
    server.delay = 0.0
    return {"ok": outcome.ok, "model_seconds_per_reply": delay, "levels": 3,
            "wall_seconds": wall, "sequential_would_be": delay * 9}


if __name__ == "__main__":
    import os
    os.environ.setdefault("CAP_HOME", tempfile.mkdtemp())
    server = ScriptedLLM()
    results = {"engine_overhead": engine_overhead(), "http_overhead": http_overhead(server),
               "ten_command_session": session_tokens(server),
               "sibling_hierarchy": sibling_hierarchy(server)}
    server.close()
    print(json.dumps(results, indent=1))
