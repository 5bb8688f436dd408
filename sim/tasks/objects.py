"""Tasks with objects that are not blocks or bowls ("put the rubber duck in the blue bowl").

Kept apart from the 22 Code as Policies categories (the paper has no rate for them); the
reference programs name objects as people do, so they need perception that names them (the
oracle, or a vision-language model); offline names ("yellow round object") cannot.
"""
from __future__ import annotations

from robots.workspace import CORNERS
from sim.catalog import CATALOG
from sim.scene import SceneSpec
from sim.tasks.base import ALL, IN_BOWL, Task, TaskInstance, place_xy, xy_distance
from sim.tasks.families import _free, _positions

NOUNS = tuple(n for n, m in CATALOG.items() if not m.container)
AT_PLACE = 0.05  # an object within this (xy) of a named place is there
OBJECT_CATEGORIES: dict[str, Task] = {}


def _register(name: str):
    def register(sample):
        OBJECT_CATEGORIES[name] = Task(name, name, "objects", sample, ALL, None)
        return sample
    return register


def _scene(rng, nouns, blocks, bowls) -> SceneSpec:
    return SceneSpec(tuple(blocks), tuple(bowls), int(rng.integers(2**31)), tuple(nouns))


def _draw(rng, a, nouns: int, blocks: int, bowls: int):
    picked = [str(n) for n in rng.choice(NOUNS, nouns, replace=False)]
    colors = [str(c) for c in rng.choice(a["colors"], blocks + bowls, replace=False)]
    return picked, colors[:blocks], colors[blocks:]


@_register("objects/in_bowl")
def object_in_bowl(rng, a):
    """The named object lies within the bowl's rim (its centre within 5 cm of the bowl's)."""
    nouns, blocks, bowls = _draw(rng, a, 2, 1, 2)
    noun, bowl = nouns[0], f"{bowls[0]} bowl"
    return TaskInstance("objects/in_bowl", f"put the {noun} in the {bowl}",
                        _scene(rng, nouns, blocks, bowls),
                        f"put_first_on_second('{noun}', '{bowl}')",
                        lambda before, after: xy_distance(after[noun], after[bowl]) < IN_BOWL)


@_register("objects/to_corner")
def object_to_corner(rng, a):
    """The named object stands within 5 cm of the corner, on the table."""
    nouns, blocks, bowls = _draw(rng, a, 2, 2, 1)
    noun, corner = nouns[0], str(rng.choice(list(CORNERS)))
    spec = _scene(rng, nouns, blocks, bowls)
    if not _free([place_xy(corner)], _positions(spec), ignore=[noun]):
        return None
    return TaskInstance("objects/to_corner", f"put the {noun} in the {corner}", spec,
                        f"put_first_on_second('{noun}', '{corner}')",
                        lambda before, after: xy_distance(after[noun], place_xy(corner))
                        < AT_PLACE and after[noun][2] < CATALOG[noun].height)


@_register("objects/two_bowls")
def objects_to_two_bowls(rng, a):
    """Each named object lies within the rim of the bowl it was sent to."""
    nouns, blocks, bowls = _draw(rng, a, 2, 1, 2)
    pairs = list(zip(nouns, (f"{b} bowl" for b in bowls)))
    reference = "\n".join(f"put_first_on_second('{n}', '{b}')" for n, b in pairs)
    return TaskInstance("objects/two_bowls",
                        " and ".join(f"put the {n} in the {b}" for n, b in pairs),
                        _scene(rng, nouns, blocks, bowls), reference,
                        lambda before, after: all(xy_distance(after[n], after[b]) < IN_BOWL
                                                  for n, b in pairs))
