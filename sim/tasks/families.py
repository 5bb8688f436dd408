"""The 14 instruction families of the Code as Policies tabletop evaluation.

Each sampler draws attributes and a scene, and returns the instruction, a reference program
written against the policy API, and the success check (documented in its docstring). A draw
that cannot pose the task (no unique answer, no room) returns None and is drawn again.
"""
from __future__ import annotations

import numpy as np

from sim.scene import layout
from sim.tasks.base import (
    BLOCK_SIZE, DIRECTIONS, IN_BOWL, NEAR, WORKSPACE, TaskInstance, blocks_of, category, one_stack,
    place_xy, scene, xy_distance,
)


def _colors(rng, attributes, n):
    return [str(c) for c in rng.choice(attributes["colors"], n, replace=False)]


def _positions(spec) -> dict[str, np.ndarray]:
    return {spot.name: spot.xy for spot in layout(spec, WORKSPACE)}


def _free(spots, positions, ignore=()) -> bool:
    """No object (but those ignored) stands where a block is to be put."""
    return all(xy_distance(s, p) > (0.12 if name.endswith("bowl") else 0.055)
               for s in spots for name, p in positions.items() if name not in ignore)


def _inside(xy, margin=0.03) -> bool:
    return WORKSPACE.contains(xy, -margin)


PUT_ALL = """names = [n for n in get_obj_names() if 'block' in n]
{body}"""


@category("pick_place", (100, 100))
def pick_place(rng, a):
    """The block ends on the target block (stacked) or in the target bowl."""
    blocks, bowls = _colors(rng, a, 3), _colors(rng, a, 2)
    block = f"{blocks[0]} block"
    target = f"{blocks[1]} block" if rng.random() < 0.5 else f"{bowls[0]} bowl"

    def check(before, after):
        if target.endswith("bowl"):
            return xy_distance(after[block], after[target]) < IN_BOWL
        return xy_distance(after[block], after[target]) < 0.025 and \
            abs(after[block][2] - after[target][2] - BLOCK_SIZE) < 0.01
    return TaskInstance("pick_place", f"pick up the {block} and place it on the {target}",
                        scene(rng, blocks, bowls),
                        f"put_first_on_second('{block}', '{target}')", check)


@category("stack_all", (94, 100))
def stack_all(rng, a):
    """All blocks stand in one column on the table."""
    blocks, bowls = _colors(rng, a, 3), _colors(rng, a, 1)
    reference = PUT_ALL.format(body="for below, above in zip(names, names[1:]):\n"
                                    "    put_first_on_second(above, below)")
    return TaskInstance("stack_all", "stack all the blocks", scene(rng, blocks, bowls), reference,
                        lambda before, after: one_stack(after, blocks_of(after)))


# blocks in a row from a place toward the middle: 6.3 cm apart, room for two blocks turned
# any way plus the placement margin (cap refuses spots without room)
ROW_START, ROW_SPACING = 0.01, 0.063


def _spots_toward_middle(place: str, count: int) -> list[np.ndarray]:
    start = place_xy(place)
    inward = -start / max(np.linalg.norm(start), 1e-9)
    start = start + inward * ROW_START
    return [start + inward * ROW_SPACING * i for i in range(count)]


@category("all_to_place", (92, 100))
def all_to_place(rng, a):
    """Every block lies within 15 cm of the named place, on the table."""
    blocks, bowls = _colors(rng, a, 3), _colors(rng, a, 1)
    place = str(rng.choice(a["places"]))
    spec = scene(rng, blocks, bowls)
    if not _free(_spots_toward_middle(place, 3), _positions(spec)):
        return None
    body = (f"corner = get_obj_pos('{place}')[:2]\ninward = -corner / np.linalg.norm(corner)\n"
            "for i, name in enumerate(names):\n"
            f"    put_first_on_second(name, corner + inward * ({ROW_START} + {ROW_SPACING} * i))")

    def check(before, after):
        return all(xy_distance(after[b], place_xy(place)) < 0.15 and after[b][2] < 0.03
                   for b in blocks_of(after))
    return TaskInstance("all_to_place", f"put all the blocks on the {place}", spec,
                        PUT_ALL.format(body=body), check)


@category("all_in_bowl", (100, 96))
def all_in_bowl(rng, a):
    """Every block is inside the bowl's rim (blocks may pile up in it)."""
    blocks, bowls = _colors(rng, a, 3), _colors(rng, a, 2)
    bowl = f"{bowls[0]} bowl"
    body = f"for name in names:\n    put_first_on_second(name, '{bowl}')"
    return TaskInstance("all_in_bowl", f"put all the blocks in the {bowl}",
                        scene(rng, blocks, bowls), PUT_ALL.format(body=body),
                        lambda before, after: all(xy_distance(after[b], after[bowl]) < IN_BOWL
                                                  for b in blocks_of(after)))


@category("matching_bowls", (100, 92))
def matching_bowls(rng, a):
    """Each block is in the bowl of its own colour."""
    colors = _colors(rng, a, 3)
    body = ("for name in names:\n    bowl = f'{get_color(name)} bowl'\n"
            "    if is_obj_visible(bowl):\n        put_first_on_second(name, bowl)")
    return TaskInstance(
        "matching_bowls", "put the blocks in their matching colored bowls",
        scene(rng, colors, colors), PUT_ALL.format(body=body),
        lambda before, after: all(xy_distance(after[f"{c} block"], after[f"{c} bowl"]) < IN_BOWL
                                  for c in colors))


def _block_to_place(family: str, instruction: str, spec, reference: str, target: str,
                    place: str) -> TaskInstance:
    """A task whose success is one particular block ending at a named place."""
    return TaskInstance(family, instruction, spec, reference,
                        lambda before, after: xy_distance(after[target], place_xy(place)) < NEAR,
                        {"target": target})


def _in_cone(offset, direction) -> bool:
    """Within 45 degrees of the direction."""
    offset = np.asarray(offset)
    return float(offset @ direction) > np.linalg.norm(offset) * np.cos(np.pi / 4)


@category("direction_of_bowl", (72, 60))
def direction_of_bowl(rng, a):
    """The one block lying in the direction (within 45 degrees) of the bowl ends at the place."""
    blocks, bowls = _colors(rng, a, 3), _colors(rng, a, 1)
    direction, place = str(rng.choice(a["directions"])), str(rng.choice(a["places"]))
    spec, bowl = scene(rng, blocks, bowls), f"{bowls[0]} bowl"
    positions = _positions(spec)
    unit = np.array(DIRECTIONS[direction])
    inside = [f"{b} block" for b in blocks if _in_cone(positions[f"{b} block"] - positions[bowl],
                                                       unit)]
    if len(inside) != 1 or not _free([place_xy(place)], positions, ignore=inside):
        return None
    target = inside[0]
    reference = (f"bowl = get_obj_pos('{bowl}')[:2]\ndirection = np.array({list(unit)})\n"
                 "names = [n for n in get_obj_names() if 'block' in n]\n"
                 "def alignment(name):\n    offset = get_obj_pos(name)[:2] - bowl\n"
                 "    return offset @ direction / np.linalg.norm(offset)\n"
                 f"put_first_on_second(max(names, key=alignment), '{place}')")
    return _block_to_place(
        "direction_of_bowl",
        f"pick up the block to the {direction} of the {bowl} and place it on the {place}",
        spec, reference, target, place)


@category("distance_to_bowl", (98, 100))
def distance_to_bowl(rng, a):
    """The block closest (farthest) to the bowl ends at the place."""
    blocks, bowls = _colors(rng, a, 3), _colors(rng, a, 1)
    distance, place = str(rng.choice(a["distances"])), str(rng.choice(a["places"]))
    spec, bowl = scene(rng, blocks, bowls), f"{bowls[0]} bowl"
    positions = _positions(spec)
    gaps = sorted((xy_distance(positions[f"{b} block"], positions[bowl]), f"{b} block")
                  for b in blocks)
    if gaps[1][0] - gaps[0][0] < 0.02 or gaps[2][0] - gaps[1][0] < 0.02:
        return None  # no clear answer
    target = gaps[0][1] if distance == "closest" else gaps[-1][1]
    if not _free([place_xy(place)], positions, ignore=[target]):
        return None
    pick = "min" if distance == "closest" else "max"
    reference = (f"bowl = get_obj_pos('{bowl}')[:2]\n"
                 "names = [n for n in get_obj_names() if 'block' in n]\n"
                 f"name = {pick}(names, key=lambda n: np.linalg.norm(get_obj_pos(n)[:2] - bowl))\n"
                 f"put_first_on_second(name, '{place}')")
    return _block_to_place(
        "distance_to_bowl",
        f"pick up the block {distance} to the {bowl} and place it on the {place}", spec,
        reference, target, place)


NTH = {"first": 0, "second": 1, "third": 2, "fourth": 3}


@category("nth_from_direction", (98, 60))
def nth_from_direction(rng, a):
    """The nth block counted from the named edge ends at the place."""
    blocks, bowls = _colors(rng, a, 4), _colors(rng, a, 1)
    nth, direction = str(rng.choice(a["nths"])), str(rng.choice(a["directions"]))
    place = str(rng.choice(a["places"]))
    spec = scene(rng, blocks, bowls)
    positions = _positions(spec)
    unit = np.array(DIRECTIONS[direction])
    order = sorted((float(-positions[f"{b} block"] @ unit), f"{b} block") for b in blocks)
    if min(b[0] - a_[0] for a_, b in zip(order, order[1:])) < 0.02:
        return None
    target = order[NTH[nth]][1]
    if not _free([place_xy(place)], positions, ignore=[target]):
        return None
    reference = (f"direction = np.array({list(unit)})\n"
                 "names = [n for n in get_obj_names() if 'block' in n]\n"
                 "names.sort(key=lambda n: -(get_obj_pos(n)[:2] @ direction))\n"
                 f"put_first_on_second(names[{NTH[nth]}], '{place}')")
    return _block_to_place(
        "nth_from_direction",
        f"pick up the {nth} block from the {direction} and place it on the {place}", spec,
        reference, target, place)
