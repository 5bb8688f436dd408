"""What a task category is: instructions sampled with their scene, a reference program written
against the policy API, and a success check on simulator ground truth."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from perception.palette import BLOCK_SIZE, PALETTE
from robots.workspace import CORNERS, SIDES, Workspace
from sim.scene import SceneError, SceneSpec

SEEN = {
    "colors": ("blue", "red", "green", "orange", "yellow"),
    "places": ("left side", "top left corner", "top side", "top right corner"),
    "directions": ("top", "left"), "distances": ("closest",), "magnitudes": ("a little",),
    "nths": ("first", "second"), "lines": ("horizontal", "vertical"),
}
UNSEEN = {
    "colors": ("pink", "cyan", "brown", "gray", "purple"),
    "places": ("bottom right corner", "bottom side", "bottom left corner", "right side"),
    "directions": ("bottom", "right"), "distances": ("farthest",), "magnitudes": ("a lot",),
    "nths": ("third", "fourth"), "lines": ("diagonal",),
}
ALL = {k: SEEN[k] + UNSEEN[k] for k in SEEN}
DIRECTIONS = {"top": (0.0, 1.0), "bottom": (0.0, -1.0), "left": (-1.0, 0.0), "right": (1.0, 0.0)}
WORKSPACE = Workspace()
assert set(ALL["colors"]) == set(PALETTE)
assert set(ALL["places"]) == set(CORNERS) | set(SIDES)

Truth = dict[str, np.ndarray]  # object name -> ground-truth centre


@dataclass(frozen=True)
class TaskInstance:
    category: str
    instruction: str
    scene: SceneSpec
    reference: str  # a policy program that does the task
    check: Callable[[Truth, Truth], bool]  # (before, after) -> success
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    """One category: a family of instructions with seen or unseen attributes."""

    name: str
    family: str
    split: str  # "seen", "unseen attributes", "unseen instructions" or "objects"
    sample: Callable[[np.random.Generator, dict], TaskInstance | None]
    attributes: dict
    paper_rate: float | None  # the original paper's success rate (Table VI), percent

    def instance(self, rng: np.random.Generator, tries: int = 100) -> TaskInstance:
        """A task instance; a draw whose scene cannot pose the task, or where it is done
        already, is drawn again."""
        for _ in range(tries):
            try:
                found = self.sample(rng, self.attributes)
                if found is not None and not found.check(*[initial_truth(found.scene)] * 2):
                    return found
            except SceneError:  # the drawn objects do not fit on the table
                continue
        raise RuntimeError(f"{self.name}: no valid instance in {tries} draws")


def initial_truth(spec: SceneSpec) -> Truth:
    """Where a scene's objects stand before anything moves (from its layout, no physics)."""
    from sim.catalog import CATALOG
    from sim.objects import BOWL_HEIGHT
    from sim.scene import layout

    heights = {"block": BLOCK_SIZE, "bowl": BOWL_HEIGHT} | {n: m.height for n, m in CATALOG.items()}
    return {spot.name: np.array([*spot.xy, heights[spot.kind] / 2])
            for spot in layout(spec, WORKSPACE)}


CATEGORIES: dict[str, Task] = {}


def category(family: str, paper: tuple[float, float] | float, unseen_only: bool = False):
    """Register a family as its seen and unseen-attribute categories (or one unseen one)."""
    def register(sample):
        if unseen_only:
            CATEGORIES[family] = Task(family, family, "unseen instructions", sample, ALL, paper)
        else:
            seen_rate, unseen_rate = paper
            CATEGORIES[f"{family}/seen"] = Task(f"{family}/seen", family, "seen", sample, SEEN,
                                                seen_rate)
            CATEGORIES[f"{family}/unseen"] = Task(f"{family}/unseen", family,
                                                  "unseen attributes", sample, UNSEEN,
                                                  unseen_rate)
        return sample
    return register


# --- geometry the checks share ----------------------------------------------------------
NEAR = 0.04  # a block within this (xy) of a target is on it
IN_BOWL = 0.05


def xy_distance(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a)[:2] - np.asarray(b)[:2]))


def place_xy(place: str) -> np.ndarray:
    return WORKSPACE.place(place)


def blocks_of(truth: Truth) -> list[str]:
    return [n for n in truth if n.endswith("block")]


def one_stack(truth: Truth, names: list[str]) -> bool:
    """The named blocks stand in one column, each on the one below."""
    column = sorted(names, key=lambda n: truth[n][2])
    return all(xy_distance(truth[a], truth[b]) < 0.025 and
               abs(truth[b][2] - truth[a][2] - BLOCK_SIZE) < 0.01 for a, b in zip(column, column[1:])) \
        and truth[column[0]][2] < BLOCK_SIZE

def scene(rng: np.random.Generator, blocks, bowls) -> SceneSpec:
    return SceneSpec(tuple(blocks), tuple(bowls), int(rng.integers(2**31)))
