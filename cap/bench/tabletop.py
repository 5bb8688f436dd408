"""`cap bench tabletop`: the task suite with reference programs (--oracle) or a model.

Every trial's scene and instruction come from (seed, category, trial), so the results are the
same whatever the number of workers.
"""
from __future__ import annotations

import csv
import json
import math
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cap.errors import WRONG_FINAL_STATE
from cap.progress import progress


@dataclass(frozen=True)
class TrialSpec:
    category: str
    trial: int
    seed: int
    llm: str | None  # None: run the category's reference program
    perception: str
    vision: dict | None = None  # a scripted vision model per trial: its noise, miss, seed


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a success rate (95 % by default)."""
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    spread = math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    half = z * spread / (1 + z * z / trials)
    return (max(0.0, centre - half), min(1.0, centre + half))


def run_trial(spec: TrialSpec) -> dict:
    """One trial in a fresh simulated session; returns plain data (it crosses processes)."""
    from cap.config import SessionConfig
    from cap.llm.registry import load_model
    from cap.session import Session
    from sim.tabletop import Tabletop
    from sim.tasks import ALL_CATEGORIES

    names = list(ALL_CATEGORIES)
    rng = np.random.default_rng([spec.seed, names.index(spec.category), spec.trial])
    instance = ALL_CATEGORIES[spec.category].instance(rng)
    model = load_model(spec.llm) if spec.llm else None
    cell = Tabletop(instance.scene)
    look = look_seconds(cell)
    vision = _serve_vision(cell, spec.vision) if spec.vision is not None else None
    started = time.perf_counter()
    try:
        with Session(SessionConfig(instance.scene, perception=spec.perception), model,
                     cell=cell) as session:
            before = cell.scene.positions()
            if model is None:
                outcome = session.exec_program(instance.reference, label="reference")
            else:
                outcome = session.command(instance.instruction)
            cell.settle(0.5)
            after = cell.scene.positions()
            usage = session.usage.as_dict()
    finally:
        requests = len(vision.requests) if vision else 0
        if vision:
            vision.close()
    failure = outcome.failure
    if outcome.ok and not instance.check(before, after):
        failure = WRONG_FINAL_STATE
    return {"category": spec.category, "trial": spec.trial, "instruction": instance.instruction,
            "success": failure is None, "failure": failure, "error": outcome.error,
            "llm": usage, "seconds": time.perf_counter() - started,
            "look_seconds": look, "vision_requests": requests}


def look_seconds(cell) -> float:
    """One look of the pixel perceiver at the trial's scene, rendering excluded (a camera
    delivers its frames): segmentation, the colour detector, the tracker."""
    from cap.perceivers import make_perceiver

    perceiver = make_perceiver("pixels", cell)
    frame, robot = cell.camera.render(), cell.arm.capsules()
    started = time.perf_counter()
    perceiver.tracker.update(perceiver.detector.detect(frame, robot))
    return time.perf_counter() - started


def _serve_vision(cell, options: dict):
    """A scripted vision model answering about this trial's table, as its camera sees it;
    the vision perceiver is pointed at it (each trial runs in its own process or in turn)."""
    import os

    from cap.llm.scripted_vision import ScriptedVision
    from sim.image_truth import objects_in_image

    size = (cell.camera.config.width, cell.camera.config.height)
    server = ScriptedVision(lambda: objects_in_image(cell.scene, cell.camera), size, **options)
    os.environ["CAP_VLM_BASE_URL"] = server.base_url
    return server


def _total(values) -> float | None:
    """A sum, unknown (None) when any value is (a server that gave no token counts)."""
    values = list(values)
    return None if None in values else sum(values)


def _per(total: float | None, count: int) -> float | None:
    return None if total is None else total / max(1, count)


def _fraction(percent: float | None) -> float | None:
    return None if percent is None else percent / 100


def _median_ms(values) -> float | None:
    values = [v for v in values if v is not None]
    return 1000 * float(np.median(values)) if values else None


def summarize(results: list[dict], categories: list[str]) -> dict:
    from sim.tasks import ALL_CATEGORIES

    tasks = {}
    for name in categories:
        rows = [r for r in results if r["category"] == name]
        successes = sum(r["success"] for r in rows)
        usage = {k: _total(r["llm"][k] for r in rows) for k in ("calls", "prompt_tokens",
                                                                 "completion_tokens", "seconds")}
        tasks[name] = {
            "split": ALL_CATEGORIES[name].split, "trials": len(rows), "successes": successes,
            "rate": successes / max(1, len(rows)), "ci95": list(wilson(successes, len(rows))),
            "paper_rate": _fraction(ALL_CATEGORIES[name].paper_rate),
            "failures": dict(Counter(r["failure"] for r in rows if r["failure"])),
            "llm": {"per_trial": {k: _per(v, len(rows)) for k, v in usage.items()},
                    "per_success": {k: _per(v, successes) for k, v in usage.items()}},
            "seconds": sum(r["seconds"] for r in rows) / max(1, len(rows)),
            "look_ms_median": _median_ms(r.get("look_seconds") for r in rows),
            "vision_requests": sum(r.get("vision_requests", 0) for r in rows),
        }
    total = sum(t["trials"] for t in tasks.values())
    won = sum(t["successes"] for t in tasks.values())
    overall = {"trials": total, "successes": won, "rate": won / max(1, total),
               "ci95": list(wilson(won, total)),
               "wrongly_reported": sum(r["failure"] == WRONG_FINAL_STATE for r in results)}
    return {"tasks": tasks, "overall": overall}


def bench_tabletop(categories: list[str], trials: int, seed: int, llm: str | None,
                   workers: int, perception: str, out_dir: Path,
                   ray_address: str | None = None, vision: dict | None = None) -> dict:
    """`vision`: serve each trial a scripted vision model with these options (noise, miss,
    seed) for `perception` vlm:MODEL."""
    specs = [TrialSpec(c, t, seed, llm, perception, vision) for c in categories
             for t in range(trials)]
    started = time.perf_counter()
    if ray_address:
        runner = _on_ray(ray_address)
    elif workers > 1:
        runner = _on_processes(workers)
    else:
        runner = map
    results = list(progress(runner(run_trial, specs), len(specs), "trials"))
    results.sort(key=lambda r: (categories.index(r["category"]), r["trial"]))
    report = summarize(results, categories) | {
        "seconds": time.perf_counter() - started, "workers": workers, "ray": ray_address,
        "seed": seed,
        "mode": f"llm:{llm}" if llm else "reference programs", "perception": perception,
        "scripted_vision": vision}
    report["files"] = _write(report, results, out_dir)
    return report


def _on_processes(workers: int):
    def run(function, specs):
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            yield from pool.imap_unordered(function, specs)
    return run


def _on_ray(address: str):
    """Trials as Ray tasks on a local ("auto" starts one when none runs) or existing cluster."""
    import ray

    if not ray.is_initialized():
        if address == "auto":
            try:
                ray.init(address="auto", log_to_driver=False)
            except ConnectionError:
                ray.init(log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    remote = ray.remote(run_trial)

    def run(function, specs):
        pending = [remote.remote(spec) for spec in specs]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    return run


def _write(report: dict, results: list[dict], out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"tabletop-{time.strftime('%Y%m%d-%H%M%S')}"
    Path(f"{stem}.json").write_text(json.dumps({"report": report, "trials": results}, indent=1))
    with open(f"{stem}.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["category", "split", "trials", "successes", "rate", "ci95_low",
                         "ci95_high", "paper_rate"])
        for name, t in report["tasks"].items():
            writer.writerow([name, t["split"], t["trials"], t["successes"], f"{t['rate']:.3f}",
                             f"{t['ci95'][0]:.3f}", f"{t['ci95'][1]:.3f}", t["paper_rate"]])
    from cap.bench.chart import rate_chart
    rate_chart(report["tasks"], Path(f"{stem}.png"))
    return {"json": f"{stem}.json", "csv": f"{stem}.csv", "chart": f"{stem}.png"}
