"""`cap bench pickplace`: random pick-and-place trials judged from final simulator poses."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import numpy as np

from cap.api import PolicyAPI
from cap.errors import WRONG_FINAL_STATE, CapError, failure_class
from cap.perceivers import make_perceiver
from cap.progress import progress
from robots import errors as robot_errors
from sim.colors import COLORS
from perception.palette import BLOCK_SIZE
from sim.scene import SceneSpec
from sim.tabletop import Tabletop

KINDS = ("block_on_block", "block_in_bowl", "block_to_position", "bowl_to_position")


@dataclass(frozen=True)
class Trial:
    kind: str
    obj: str
    target: str | tuple[float, float]


def draw_trial(api: PolicyAPI, rng: np.random.Generator, kind: str) -> Trial:
    names = api.get_obj_names()
    blocks = [n for n in names if n.endswith("block")]
    bowls = [n for n in names if n.endswith("bowl")]
    if kind == "block_on_block":
        a, b = rng.choice(blocks, 2, replace=False)
        return Trial(kind, str(a), str(b))
    if kind == "block_in_bowl":
        return Trial(kind, str(rng.choice(blocks)), str(rng.choice(bowls)))
    obj = str(rng.choice(bowls if kind == "bowl_to_position" else blocks))
    return Trial(kind, obj, tuple(free_position(api, rng, obj)))


def footprint(name: str) -> float:
    return 0.075 if name.endswith("bowl") else 0.03


def free_position(api: PolicyAPI, rng, moving: str, tries: int = 500) -> np.ndarray:
    """A point on the table clear of every object other than the one moving."""
    radius = footprint(moving)
    others = [(api.get_obj_pos(n)[:2], footprint(n)) for n in api.get_obj_names() if n != moving]
    ws = api.workspace
    for _ in range(tries):
        xy = rng.uniform(ws.low + radius, np.array([ws.x_max, ws.y_max]) - radius)
        if all(np.linalg.norm(xy - o) > radius + r + 0.02 for o, r in others):
            return xy
    raise NoFreeSpot("no free position on the table")


class NoFreeSpot(RuntimeError):
    pass


def succeeded(table: Tabletop, trial: Trial) -> bool:
    pos = table.scene.positions()
    moved = pos[trial.obj]
    if trial.kind == "block_on_block":
        below = pos[trial.target]
        return bool(np.linalg.norm(moved[:2] - below[:2]) < BLOCK_SIZE / 2
                    and moved[2] > below[2] + BLOCK_SIZE * 0.8)
    if trial.kind == "block_in_bowl":
        return bool(np.linalg.norm(moved[:2] - pos[trial.target][:2]) < 0.05)
    return bool(np.linalg.norm(moved[:2] - np.array(trial.target)) < 0.03)


def setup_trial(table: Tabletop, api: PolicyAPI, seed: int) -> Trial:
    """A random scene of 3 blocks and 2 bowls and a task of the seed's kind on it."""
    rng = np.random.default_rng(seed)
    kind = KINDS[seed % len(KINDS)]
    while True:  # a scene with no room to place the object is drawn again
        blocks = tuple(map(str, rng.choice(list(COLORS), 3, replace=False)))
        bowls = tuple(map(str, rng.choice(list(COLORS), 2, replace=False)))
        table.reset(SceneSpec(blocks, bowls, int(rng.integers(2**31))))
        api.perceiver.forget()  # a new scene
        try:
            return draw_trial(api, rng, kind)
        except NoFreeSpot:
            continue


@dataclass(frozen=True)
class TrialResult:
    trial: Trial
    failure: str | None  # None on success
    wall: float  # seconds the pick-and-place took
    sim: float  # simulated seconds it took


def run_trial(table: Tabletop, api: PolicyAPI, seed: int) -> TrialResult:
    trial = setup_trial(table, api, seed)
    table.arm.resume()
    started, sim_started = time.perf_counter(), table.world.time
    failure = None
    try:
        api.put_first_on_second(trial.obj, trial.target)
    except (robot_errors.MotionError, CapError) as error:
        table.arm.stop()
        failure = failure_class(error)
    wall, sim = time.perf_counter() - started, table.world.time - sim_started
    if failure is None:
        table.world.run(0.3)  # let it come to rest before judging
        failure = None if succeeded(table, trial) else WRONG_FINAL_STATE
    return TrialResult(trial, failure, wall, sim)


def bench_pickplace(trials: int, seed: int, perception: str = "oracle") -> dict:
    table = Tabletop(SceneSpec(blocks=("red",), bowls=(), seed=seed))
    api = PolicyAPI(table.arm, make_perceiver(perception, table), table.workspace)
    failures: Counter[str] = Counter()
    examples: dict[str, list] = {}
    results: list[TrialResult] = []
    started = time.perf_counter()
    for i in progress(range(trials), trials, "trials"):
        result = run_trial(table, api, seed * 100_003 + i)
        results.append(result)
        if result.failure:
            failures[result.failure] += 1
            examples.setdefault(result.failure, []).append(
                {"seed": seed * 100_003 + i, **vars(result.trial)})
    wall = time.perf_counter() - started
    table.close()
    success = trials - sum(failures.values())
    return {
        "trials": trials, "success": success, "rate": success / trials if trials else 0.0,
        "seconds_per_trial": wall / max(1, trials),
        "seconds_per_pick_place": {"median": float(np.median([r.wall for r in results])),
                                   "p95": float(np.percentile([r.wall for r in results], 95))},
        "real_time_factor": sum(r.sim for r in results) / max(1e-9, sum(r.wall for r in results)),
        "failures": dict(failures), "failure_examples": {k: v[:5] for k, v in examples.items()},
        "perception": perception,
    }
