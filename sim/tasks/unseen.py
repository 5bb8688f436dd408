"""The six instruction families the original evaluated only as unseen instructions."""
from __future__ import annotations

import numpy as np

from robots.workspace import CORNERS
from sim.tasks.base import (
    DIRECTIONS, IN_BOWL, NEAR, TaskInstance, blocks_of, category, one_stack, place_xy,
    scene, xy_distance,
)
from sim.tasks.families import PUT_ALL, _colors, _free, _inside, _positions


@category("different_corners", 98, unseen_only=True)
def different_corners(rng, a):
    """Each block sits at a different corner (within 4 cm)."""
    blocks, bowls = _colors(rng, a, 3), _colors(rng, a, 1)
    spec = scene(rng, blocks, bowls)
    if not _free([place_xy(c) for c in CORNERS], _positions(spec)):
        return None
    body = ("corners = ['top left corner', 'top right corner', 'bottom left corner', "
            "'bottom right corner']\nfor name, corner in zip(names, corners):\n"
            "    put_first_on_second(name, corner)")

    def check(before, after):
        corners = [min(CORNERS, key=lambda c: xy_distance(after[b], place_xy(c)))
                   for b in blocks_of(after)]
        return len(set(corners)) == len(corners) and all(
            xy_distance(after[b], place_xy(c)) < NEAR for b, c in zip(blocks_of(after), corners))
    return TaskInstance("different_corners", "put the blocks in different corners", spec,
                        PUT_ALL.format(body=body), check)


@category("mismatched_bowls", 60, unseen_only=True)
def mismatched_bowls(rng, a):
    """Every block is in a bowl of another colour, one block per bowl."""
    colors = _colors(rng, a, 3)
    # both lists in colour order, each block to the next colour's bowl: never its own colour
    body = ("names.sort(key=get_color)\n"
            "bowls = sorted([n for n in get_obj_names() if 'bowl' in n], key=get_color)\n"
            "for i, name in enumerate(names):\n"
            "    put_first_on_second(name, bowls[(i + 1) % len(bowls)])")

    def check(before, after):
        homes = []
        for c in colors:
            inside = [k for k in colors if xy_distance(after[f"{c} block"], after[f"{k} bowl"])
                      < IN_BOWL]
            homes.append(inside[0] if inside and inside[0] != c else None)
        return None not in homes and len(set(homes)) == len(homes)
    return TaskInstance("mismatched_bowls", "put the blocks in bowls with mismatched colors",
                        scene(rng, colors, colors), PUT_ALL.format(body=body), check)


@category("stack_on_place", 82, unseen_only=True)
def stack_on_place(rng, a):
    """All blocks stand in one column whose base is within 4 cm of the place."""
    blocks, bowls = _colors(rng, a, 3), _colors(rng, a, 1)
    place = str(rng.choice(a["places"]))
    spec = scene(rng, blocks, bowls)
    if not _free([place_xy(place)], _positions(spec)):
        return None
    body = (f"put_first_on_second(names[0], '{place}')\n"
            "for below, above in zip(names, names[1:]):\n    put_first_on_second(above, below)")

    def check(before, after):
        names = blocks_of(after)
        base = min(names, key=lambda n: after[n][2])
        return one_stack(after, names) and xy_distance(after[base], place_xy(place)) < NEAR
    return TaskInstance("stack_on_place", f"stack all the blocks on the {place}", spec,
                        PUT_ALL.format(body=body), check)


MAGNITUDES = {"a little": (0.08, 0.14, 0.11), "a lot": (0.16, 0.28, 0.21)}  # min, max, aim


@category("magnitude_direction", 38, unseen_only=True)
def magnitude_direction(rng, a):
    """The block ends in the direction of the bowl (within 4 cm of that ray) at a distance from
    its centre of 8-14 cm for "a little" or 16-28 cm for "a lot"."""
    blocks, bowls = _colors(rng, a, 3), _colors(rng, a, 1)
    magnitude, direction = str(rng.choice(a["magnitudes"])), str(rng.choice(a["directions"]))
    spec, block, bowl = scene(rng, blocks, bowls), f"{blocks[0]} block", f"{bowls[0]} bowl"
    positions = _positions(spec)
    unit = np.array(DIRECTIONS[direction])
    low, high, aim = MAGNITUDES[magnitude]
    goal = positions[bowl] + unit * aim
    if not _inside(goal) or not _free([goal], positions, ignore=[block]):
        return None
    reference = (f"target = get_obj_pos('{bowl}')[:2] + np.array({list(unit)}) * {aim}\n"
                 f"put_first_on_second('{block}', target)")

    def check(before, after):
        offset = after[block][:2] - after[bowl][:2]
        along = float(offset @ unit)
        return low <= along <= high and abs(float(offset @ unit[::-1])) < NEAR
    return TaskInstance(
        "magnitude_direction",
        f"pick up the {block} and place it {magnitude} to the {direction} of the {bowl}",
        spec, reference, check)


@category("corner_at_distance", 58, unseen_only=True)
def corner_at_distance(rng, a):
    """The block sits at (within 4 cm of) the corner closest (farthest) to the bowl."""
    blocks, bowls = _colors(rng, a, 3), _colors(rng, a, 1)
    distance = str(rng.choice(a["distances"]))
    spec, block, bowl = scene(rng, blocks, bowls), f"{blocks[0]} block", f"{bowls[0]} bowl"
    positions = _positions(spec)
    ranked = sorted(CORNERS, key=lambda c: xy_distance(place_xy(c), positions[bowl]))
    corner = ranked[0] if distance == "closest" else ranked[-1]
    gap = [xy_distance(place_xy(c), positions[bowl]) for c in ranked]
    if min(gap[1] - gap[0], gap[-1] - gap[-2]) < 0.03 or \
            not _free([place_xy(corner)], positions, ignore=[block]):
        return None
    pick = "min" if distance == "closest" else "max"
    reference = ("corners = ['top left corner', 'top right corner', 'bottom left corner', "
                 "'bottom right corner']\n"
                 f"bowl = get_obj_pos('{bowl}')[:2]\n"
                 f"corner = {pick}(corners,\n"
                 "             key=lambda c: np.linalg.norm(get_obj_pos(c)[:2] - bowl))\n"
                 f"put_first_on_second('{block}', corner)")
    return TaskInstance("corner_at_distance",
                        f"put the {block} in the corner {distance} to the {bowl}", spec,
                        reference, lambda before, after:
                        xy_distance(after[block], place_xy(corner)) < NEAR)


LINES = {"horizontal": ((-0.15, 0.0), (0.15, 0.0)), "vertical": ((0.0, -0.15), (0.0, 0.15)),
         "diagonal": ((-0.13, -0.13), (0.13, 0.13))}


@category("line", 90, unseen_only=True)
def line(rng, a):
    """The blocks lie on one line of the named kind: spread over 10 cm or more, each within
    2 cm of the line through them, which runs horizontally, vertically or at 30-60 degrees."""
    blocks, bowls = _colors(rng, a, 3), _colors(rng, a, 1)
    kind = str(rng.choice(a["lines"]))
    spec = scene(rng, blocks, bowls)
    start, end = map(np.array, LINES[kind])
    spots = [start + (end - start) * t for t in (0.0, 0.5, 1.0)]
    if not _free(spots, _positions(spec)):
        return None
    body = (f"start, end = np.array({list(start)}), np.array({list(end)})\n"
            "for name, t in zip(names, np.linspace(0, 1, len(names))):\n"
            "    put_first_on_second(name, start + (end - start) * t)")
    return TaskInstance("line", f"put all the blocks in a {kind} line", spec,
                        PUT_ALL.format(body=body),
                        lambda before, after: on_line(after, kind))


def on_line(truth, kind: str) -> bool:
    points = np.array([truth[b][:2] for b in blocks_of(truth)])
    centred = points - points.mean(axis=0)
    _, _, axes = np.linalg.svd(centred)
    direction, normal = axes[0], axes[1]
    spread = np.ptp(centred @ direction)
    angle = np.degrees(np.arctan2(abs(direction[1]), abs(direction[0])))
    fits = {"horizontal": angle < 10, "vertical": angle > 80, "diagonal": 30 <= angle <= 60}
    return bool(spread > 0.1 and np.max(np.abs(centred @ normal)) < 0.02 and fits[kind])
