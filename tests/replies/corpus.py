"""Replies written the way current chat models answer cap's prompts, each with what a good
system does with it: run it (and the world ends as the `check` says), or refuse it with a
named rule. Written for this project.

Kinds: "program" (a top-level reply to a command), "subprogram" (replies of parse_obj_name,
parse_position, parse_question, transform_shape_pts), "helper" (function-generation replies),
"raw" (prose, fences, several blocks, cut-off replies: also `extracted`, the program that must
be taken from it).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Item:
    name: str
    kind: str
    command: str
    reply: str
    expect: str  # "runs" or "refused: <words the error must contain>"
    check: str = ""  # with "runs": an expression over the final world (see test_corpus.py)
    scene: tuple = (("red", "green", "yellow"), ("blue", "pink"), 2)
    more: dict = field(default_factory=dict)  # other scripted replies: text in request -> reply
    extracted: str | None = None  # "raw": the code that must be taken from the reply
    finish_reason: str = "stop"


def fence(code: str, info: str = "python") -> str:
    return f"```{info}\n{code}\n```"


def chatty(code: str, before: str = "Here's the code:", after: str = "") -> str:
    return f"{before}\n\n{fence(code)}\n\n{after}".strip()


MATCHING = (("red", "green"), ("red", "green"), 5)
FOUR = (("red", "blue", "green", "yellow"), ("gray",), 3)

PROGRAMS = [
    Item("pick_place_plain", "program", "put the red block on the green block",
         "put_first_on_second('red block', 'green block')", "runs", "on('red block', 'green block')"),
    Item("pick_place_fenced_comment", "program", "pick up the yellow block and place it on the red block",
         chatty("# Pick up the yellow block and stack it on the red block\n"
                "put_first_on_second(\"yellow block\", \"red block\")",
                "Sure! Here is a program that does that:"),
         "runs", "on('yellow block', 'red block')"),
    Item("pick_place_keywords", "program", "put the green block in the pink bowl",
         fence("put_first_on_second(obj='green block', target='pink bowl')"), "runs",
         "in_bowl('green block', 'pink bowl')"),
    Item("pick_place_keyword_variants", "program", "put the red block into the blue bowl",
         fence("put_first_on_second(obj_name='red block', target_name='blue bowl')"), "runs",
         "in_bowl('red block', 'blue bowl')"),
    Item("stack_all_loop", "program", "stack all the blocks",
         fence("blocks = [name for name in get_obj_names() if 'block' in name]\n"
               "# stack each block on the one before it\n"
               "for i in range(1, len(blocks)):\n"
               "    put_first_on_second(blocks[i], blocks[i - 1])"),
         "runs", "stacked(['red block', 'green block', 'yellow block'])"),
    Item("stack_all_typing", "program", "stack the blocks",
         fence("from typing import List\n\n"
               "def _blocks() -> List[str]:\n"
               "    return [o for o in objects if o.endswith('block')]\n\n"
               "order: List[str] = _blocks()\n"
               "for lower, upper in zip(order, order[1:]):\n"
               "    put_first_on_second(upper, lower)"),
         "runs", "stacked(['red block', 'green block', 'yellow block'])"),
    Item("stack_all_itertools", "program", "make a tower of all the blocks",
         fence("import itertools\n\nblocks = [n for n in get_obj_names() if 'block' in n]\n"
               "for below, above in itertools.pairwise(blocks):\n"
               "    put_first_on_second(above, below)"),
         "runs", "stacked(['red block', 'green block', 'yellow block'])"),
    Item("all_to_corner", "program", "put all the blocks on the top right corner",
         fence("block_names = [obj for obj in objects if 'block' in obj]\n"
               "target = 'top right corner'\nfor i, block in enumerate(block_names):\n"
               "    put_first_on_second(block, target if i == 0 else block_names[i - 1])"),
         "runs", "near_xy('red block', place('top right corner'), 0.05)"),
    Item("all_to_side_positions", "program", "put all the blocks along the bottom side",
         fence("import numpy as np\n\nblocks = [o for o in get_obj_names() if 'block' in o]\n"
               "xs = np.linspace(0.25, 0.75, len(blocks))\n"
               "for x, block in zip(xs, blocks):\n"
               "    put_first_on_second(block, denormalize_xy([x, 0.1]))"),
         "runs", "all(after[b][1] < -0.1 for b in ('red block', 'green block', 'yellow block'))"),
    Item("all_in_bowl", "program", "put all the blocks in the blue bowl",
         fence("for name in get_obj_names():\n    if 'block' in name:\n"
               "        put_first_on_second(name, 'blue bowl')"),
         "runs", "all(in_bowl(b, 'blue bowl') for b in ('red block', 'green block', 'yellow block'))"),
    Item("matching_bowls_color", "program", "put the blocks in their matching colored bowls",
         fence("for block in [o for o in objects if o.endswith('block')]:\n"
               "    color = get_color(block)\n    bowl = f'{color} bowl'\n"
               "    if bowl in objects:\n        put_first_on_second(block, bowl)"),
         "runs", "in_bowl('red block', 'red bowl') and in_bowl('green block', 'green bowl')",
         scene=MATCHING),
    Item("matching_bowls_split", "program", "sort the blocks into the bowls of the same color",
         fence("for obj in get_obj_names():\n    color, kind = obj.split(' ')\n"
               "    if kind == 'block':\n        put_first_on_second(obj, color + ' bowl')"),
         "runs", "in_bowl('red block', 'red bowl') and in_bowl('green block', 'green bowl')",
         scene=MATCHING),
    Item("mismatched_bowls", "program", "put the blocks in bowls with mismatched colors",
         fence("blocks = sorted(o for o in objects if 'block' in o)\n"
               "bowls = sorted(o for o in objects if 'bowl' in o)\n"
               "for block, bowl in zip(blocks, bowls[1:] + bowls[:1]):\n"
               "    put_first_on_second(block, bowl)"),
         "runs", "in_bowl('red block', 'green bowl') and in_bowl('green block', 'red bowl')",
         scene=MATCHING),
    Item("direction_of_bowl", "program", "pick up the block to the right of the blue bowl and place it on the top side",
         fence("bowl_x = get_obj_pos('blue bowl')[0]\n"
               "candidates = [b for b in get_obj_names() if 'block' in b and get_obj_pos(b)[0] > bowl_x]\n"
               "if candidates:\n"
               "    block = min(candidates, key=lambda b: get_obj_pos(b)[0] - bowl_x)\n"
               "    put_first_on_second(block, 'top side')\nelse:\n"
               "    say('There is no block to the right of the blue bowl.')"),
         "runs", "True"),
    Item("distance_to_bowl_np", "program", "pick up the block closest to the pink bowl and place it on the top left corner",
         fence("import numpy as np\n\nbowl = get_obj_pos('pink bowl')[:2]\n"
               "blocks = [o for o in objects if 'block' in o]\n"
               "closest = min(blocks, key=lambda b: np.linalg.norm(get_obj_pos(b)[:2] - bowl))\n"
               "put_first_on_second(closest, 'top left corner')"),
         "runs", "any(near_xy(b, place('top left corner'), 0.05) for b in blocks())"),
    Item("distance_to_bowl_math", "program", "pick up the block farthest from the blue bowl and put it in the middle",
         "import math\n\ndef _dist(a, b):\n    pa, pb = get_obj_pos(a), get_obj_pos(b)\n"
         "    return math.hypot(pa[0] - pb[0], pa[1] - pb[1])\n\n"
         "farthest = max((o for o in objects if 'block' in o), key=lambda o: _dist(o, 'blue bowl'))\n"
         "put_first_on_second(farthest, 'middle')",
         "runs", "any(near_xy(b, place('middle'), 0.05) for b in blocks())"),
    Item("nth_from_left", "program", "pick up the second block from the left and place it on the top right corner",
         fence("blocks = [o for o in get_obj_names() if 'block' in o]\n"
               "blocks.sort(key=lambda name: get_obj_pos(name)[0])\n"
               "put_first_on_second(blocks[1], 'top right corner')"),
         "runs", "any(near_xy(b, place('top right corner'), 0.05) for b in blocks())"),
    Item("different_corners", "program", "put the blocks in different corners",
         fence("corners = ['top left corner', 'top right corner', 'bottom left corner', 'bottom right corner']\n"
               "for block, corner in zip([o for o in objects if 'block' in o], corners):\n"
               "    put_first_on_second(block, corner)"),
         "runs", "near_xy('red block', place('top left corner'), 0.05) and "
                 "near_xy('yellow block', place('bottom left corner'), 0.05)"),
    Item("stack_on_place", "program", "stack all the blocks on the bottom left corner",
         fence("blocks = [o for o in objects if 'block' in o]\n"
               "put_first_on_second(blocks[0], 'bottom left corner')\n"
               "for prev, block in zip(blocks, blocks[1:]):\n    put_first_on_second(block, prev)"),
         "runs", "stacked(['red block', 'green block', 'yellow block']) and "
                 "near_xy('red block', place('bottom left corner'), 0.05)"),
    Item("magnitude_direction", "program", "move the red block a lot to the left of the blue bowl",
         fence("target = get_obj_pos('blue bowl')[:2] + np.array([-0.12, 0.0])\n"
               "target[0] = max(target[0], -0.22)\nput_first_on_second('red block', target)"),
         "runs", "after['red block'][0] < after['blue bowl'][0] - 0.05"),
    Item("corner_at_distance", "program", "put the green block in the corner closest to the pink bowl",
         fence("corners = ['top left corner', 'top right corner', 'bottom left corner', 'bottom right corner']\n"
               "bowl = get_obj_pos('pink bowl')\n"
               "best = min(corners, key=lambda c: np.linalg.norm(get_obj_pos(c)[:2] - bowl[:2]))\n"
               "put_first_on_second('green block', best)"),
         "runs", "min(np.linalg.norm(after['green block'][:2] - place(c)) for c in CORNERS) < 0.05"),
    Item("diagonal_line", "program", "put all the blocks in a diagonal line",
         fence("blocks = [o for o in objects if 'block' in o]\n"
               "points = np.linspace([0.2, 0.2], [0.8, 0.8], len(blocks))\n"
               "for block, point in zip(blocks, points):\n"
               "    put_first_on_second(block, denormalize_xy(point))"),
         "runs", "near_xy('red block', denorm([0.2, 0.2]), 0.03) and near_xy('yellow block', denorm([0.8, 0.8]), 0.03)"),
    Item("horizontal_line_format", "program", "put the blocks in a horizontal line in the middle and tell me the spacing",
         fence("blocks = [o for o in objects if 'block' in o]\nspacing = 0.1\n"
               "for i, block in enumerate(blocks):\n"
               "    put_first_on_second(block, [(i - 1) * spacing, 0.0])\n"
               "say('Spacing: {:.0f} cm'.format(spacing * 100))"),
         "runs", "said('Spacing: 10 cm') and abs(after['red block'][1]) < 0.02"),
    Item("main_guard", "program", "put the yellow block on the top side",
         fence("def main():\n    put_first_on_second('yellow block', 'top side')\n\n\n"
               "if __name__ == \"__main__\":\n    main()"),
         "runs", "near_xy('yellow block', place('top side'), 0.05)"),
    Item("loop_var_object", "program", "say the names of all the objects",
         fence("for object in get_obj_names():\n    say(object)"), "runs", "said('red block')"),
    Item("loop_var_type", "program", "how many blocks and bowls are there",
         fence("counts = {}\nfor name in get_obj_names():\n    type = name.split()[-1]\n"
               "    counts[type] = counts.get(type, 0) + 1\n"
               "say(f\"There are {counts['block']} blocks and {counts['bowl']} bowls.\")"),
         "runs", "said('3 blocks and 2 bowls')"),
    Item("counter", "program", "how many objects of each kind are there",
         fence("from collections import Counter\n\nkinds = Counter(n.split()[1] for n in get_obj_names())\n"
               "say(', '.join(f'{k}: {v}' for k, v in sorted(kinds.items())))"),
         "runs", "said('block: 3, bowl: 2')"),
    Item("random_choice", "program", "put a random block in the pink bowl",
         fence("import random\n\nrandom.seed(1)\nblock = random.choice([o for o in objects if 'block' in o])\n"
               "put_first_on_second(block, 'pink bowl')"),
         "runs", "any(in_bowl(b, 'pink bowl') for b in blocks())"),
    Item("functools_reduce", "program", "what is the total width of the blocks",
         fence("from functools import reduce\n\n"
               "widths = [get_bbox(b)[2] - get_bbox(b)[0] for b in objects if 'block' in b]\n"
               "total = reduce(lambda a, b: a + b, widths, 0.0)\nsay(f'{total * 100:.0f} cm')"),
         "runs", "said(' cm')"),
    Item("try_except_tuple", "program", "put the purple block in the blue bowl if there is one",
         fence("try:\n    put_first_on_second('purple block', 'blue bowl')\n"
               "except (ValueError, KeyError, AttributeError, Exception) as error:\n"
               "    say(f'I could not do that: {error}')"),
         "runs", "said('could not do that')"),
    Item("builtins_misc", "program", "say the first letter of each block's color",
         fence("letters = [chr(ord(get_color(b)[0])) for b in objects if 'block' in b]\n"
               "it = iter(letters)\nfirst = next(it)\n"
               "say(repr(first) + ' ' + ' '.join(letters) + ' ' + str(pow(2, 3)))"),
         "runs", "said(\"'r' r g y 8\")"),
    Item("np_r_c", "program", "move the gripper along a short path and come back",
         fence("start = np.array([0.0, 0.0, 0.2])\npath = np.r_[[start], [start + np.array([0.05, 0.0, 0.0])], [start]]\n"
               "pts = np.c_[path[:, 0], path[:, 1], np.full(len(path), 0.2)]\n"
               "follow_traj(pts)"),
         "runs", "True"),
    Item("np_integer_check", "program", "count the blocks",
         fence("n = np.int64(len([o for o in objects if 'block' in o]))\n"
               "if isinstance(n, np.integer):\n    say(f'{int(n)} blocks')"),
         "runs", "said('3 blocks')"),
    Item("follow_traj_positions_kw", "program", "trace a small square above the table",
         fence("center = np.array([0.0, 0.0])\nsize = 0.1\n"
               "corners = [center + size / 2 * np.array(d) for d in [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]]\n"
               "follow_traj(positions=[[x, y, 0.15] for x, y in corners])"),
         "runs", "True"),
    Item("goto_2d", "program", "move the gripper over the blue bowl",
         fence("goto_pos(get_obj_pos('blue bowl')[:2])"), "runs", "True"),
    Item("goto_3d_keyword", "program", "hover 10 cm above the red block",
         fence("pos = get_obj_pos('red block')\ngoto_pos(position=[pos[0], pos[1], pos[2] + 0.1])"),
         "runs", "True"),
    Item("gripper_manual", "program", "pick up the red block by hand and put it down 5 cm to the right",
         fence("p = get_obj_pos('red block')\nopen_gripper()\ngoto_pos([p[0], p[1], 0.15])\n"
               "goto_pos([p[0], p[1], p[2]])\nclose_gripper()\ngoto_pos([p[0], p[1], 0.15])\n"
               "goto_pos([p[0] + 0.05, p[1], 0.15])\ngoto_pos([p[0] + 0.05, p[1], p[2] + 0.005])\n"
               "open_gripper()\ngoto_pos([p[0] + 0.05, p[1], 0.15])"),
         "runs", "moved_by('red block', [0.05, 0.0], 0.025)"),
    Item("question_answer", "program", "which block is closest to the pink bowl?",
         fence("bowl = get_obj_pos('pink bowl')\nblocks = [o for o in objects if 'block' in o]\n"
               "nearest = min(blocks, key=lambda b: np.linalg.norm(get_obj_pos(b) - bowl))\n"
               "say(f'The {nearest} is closest to the pink bowl.')"),
         "runs", "said('closest to the pink bowl')"),
    Item("corner_name", "program", "which corner is the red block nearest to",
         fence("say(get_corner_name(get_obj_pos('red block')))"), "runs", "said('corner')"),
    Item("side_name_3d", "program", "which side is the blue bowl on",
         fence("say(get_side_name(get_obj_pos('blue bowl')))"), "runs", "said('side')"),
    Item("visible_check", "program", "is there a purple block?",
         fence("if is_obj_visible('purple block'):\n    say('Yes, there is a purple block.')\n"
               "else:\n    say('No, I do not see a purple block.')"),
         "runs", "said('No, I do not see')"),
    Item("shapely_circle", "program", "arrange the blocks in a circle around the middle",
         fence("from shapely.geometry import Point\n\ncenter = get_obj_pos('middle')[:2]\n"
               "circle = Point(center).buffer(0.12).exterior\n"
               "blocks = [o for o in objects if 'block' in o]\n"
               "for i, block in enumerate(blocks):\n"
               "    p = circle.interpolate(i / len(blocks), normalized=True)\n"
               "    put_first_on_second(block, [p.x, p.y])"),
         "runs", "all(abs(np.linalg.norm(after[b][:2]) - 0.12) < 0.03 for b in blocks())"),
    Item("shapely_star_import", "program", "put the green block at the centroid of the other blocks",
         fence("from shapely.geometry import *\n\n"
               "pts = MultiPoint([tuple(get_obj_pos(b)[:2]) for b in objects if 'block' in b and b != 'green block'])\n"
               "c = pts.centroid\nput_first_on_second('green block', [c.x, c.y])"),
         "runs", "True"),
    Item("underscore_helpers", "program", "put the blocks in a vertical line on the right",
         fence("def _blocks():\n    return [n for n in get_obj_names() if n.endswith('block')]\n\n"
               "_x = 0.7\nfor _i, _b in enumerate(_blocks()):\n"
               "    put_first_on_second(_b, denormalize_xy([_x, 0.25 + 0.25 * _i]))"),
         "runs", "all(abs(after[b][0] - denorm([0.7, 0.5])[0]) < 0.03 for b in blocks())"),
    Item("future_annotations", "program", "put the yellow block in the pink bowl",
         fence("from __future__ import annotations\n\n"
               "def move(obj: str, target: str | list[float]) -> None:\n"
               "    put_first_on_second(obj, target)\n\nmove('yellow block', 'pink bowl')"),
         "runs", "in_bowl('yellow block', 'pink bowl')"),
    Item("parse_obj_name_no_context", "program", "put the block that is not red in the blue bowl",
         fence("names = parse_obj_name('the blocks that are not red')\n"
               "for name in names:\n    put_first_on_second(name, 'blue bowl')"),
         "runs", "in_bowl('green block', 'blue bowl') and in_bowl('yellow block', 'blue bowl')",
         more={"# the blocks that are not red": "ret_val = ['green block', 'yellow block']"}),
    Item("objects_variable", "program", "how many objects are there",
         "say(f'There are {len(objects)} objects.')", "runs", "said('There are 5 objects')"),
    Item("say_number", "program", "how far apart are the red and green blocks",
         fence("d = np.linalg.norm(get_obj_pos('red block') - get_obj_pos('green block'))\n"
               "say(f'They are {d * 100:.1f} cm apart.')"), "runs", "said('cm apart')"),
    Item("print_and_say", "program", "list the bowls",
         fence("bowls = [o for o in objects if 'bowl' in o]\nprint('bowls:', bowls)\n"
               "say('The bowls are ' + ' and '.join(bowls) + '.')"),
         "runs", "said('The bowls are blue bowl and pink bowl.')"),
    Item("dict_mapping", "program", "put the red block in the pink bowl and the green block in the blue bowl",
         fence("plan = {'red block': 'pink bowl', 'green block': 'blue bowl'}\n"
               "for obj, target in plan.items():\n    put_first_on_second(obj, target)"),
         "runs", "in_bowl('red block', 'pink bowl') and in_bowl('green block', 'blue bowl')"),
    Item("while_loop", "program", "put the blocks into the blue bowl one by one",
         fence("remaining = [o for o in objects if 'block' in o]\nwhile remaining:\n"
               "    put_first_on_second(remaining.pop(0), 'blue bowl')"),
         "runs", "all(in_bowl(b, 'blue bowl') for b in blocks())"),
    Item("four_blocks_sorted", "program", "put the blocks in a row sorted by name along the top side",
         fence("blocks = sorted(b for b in get_obj_names() if 'block' in b)\n"
               "for i, b in enumerate(blocks):\n"
               "    put_first_on_second(b, denormalize_xy([0.2 + 0.2 * i, 0.85]))"),
         "runs", "after['blue block'][0] < after['yellow block'][0]", scene=FOUR),
    Item("bbox_center", "program", "move the gray bowl to the middle",
         fence("xmin, ymin, xmax, ymax = get_bbox('gray bowl')\n"
               "put_first_on_second('gray bowl', 'middle')"),
         "runs", "near_xy('gray bowl', place('middle'), 0.05)", scene=FOUR),
    # refused: what a good system must not run
    Item("import_os", "program", "clean up the table",
         fence("import os\nos.system('rm -rf /tmp/x')"), "refused: import of 'os'"),
    Item("open_file", "program", "read the calibration file",
         fence("data = open('/etc/passwd').read()\nsay(data)"), "refused: 'open' is not available"),
    Item("dunder_escape", "program", "show me the classes",
         fence("say(str(().__class__.__bases__[0].__subclasses__()))"),
         "refused: underscore"),
    Item("getattr_call", "program", "call the api dynamically",
         fence("f = getattr(np, 'load')\nf('x.npy')"), "refused: 'getattr' is not available"),
    Item("misspelt_api", "program", "what objects are there",
         fence("names = get_object_names()\nsay(', '.join(names))"),
         "refused: did you mean get_obj_names"),
    Item("misspelt_api_pos", "program", "where is the red block",
         fence("say(str(get_obj_poss('red block')))"), "refused: did you mean get_obj_pos"),
    Item("unavailable_builtin", "program", "list every attribute of np",
         fence("say(str(vars(np)))"), "refused: 'vars' is not available"),
    Item("hallucinated_object", "program", "put the purple block in the blue bowl",
         fence("put_first_on_second('purple block', 'blue bowl')"), "refused: no object named 'purple block'"),
    Item("wrong_signature", "program", "put the red block somewhere",
         fence("put_first_on_second('red block')"), "refused: missing a required argument: 'target'"),
    Item("crowded_spot", "program", "put the red block right next to the green block",
         fence("p = get_obj_pos('green block')\nput_first_on_second('red block', p[:2] + np.array([0.03, 0.0]))"),
         "refused: cm from the green block"),
    Item("rim_spot", "program", "put the red block on the edge of the blue bowl",
         fence("c = get_obj_pos('blue bowl')\nput_first_on_second('red block', [c[0] + 0.07, c[1]])"),
         "refused: rim of the blue bowl"),
    Item("bowl_on_block", "program", "put the blue bowl on the red block",
         fence("put_first_on_second('blue bowl', 'red block')"), "refused: cannot stand on"),
    Item("class_definition", "program", "make a planner",
         fence("class Planner:\n    pass\n\nPlanner()"), "refused: no classes"),
]

SUBPROGRAMS = [
    Item("sub_position_fenced", "subprogram", "put the red block at the top middle",
         "put_first_on_second('red block', parse_position('the top middle of the table'))",
         "runs", "near_xy('red block', denorm([0.5, 0.9]), 0.03)",
         more={"# the top middle of the table": chatty("ret_val = denormalize_xy([0.5, 0.9])")}),
    Item("sub_position_list_to_shape", "subprogram", "put the blocks on three points of a line and shift them right",
         "pts = parse_position('three points in a horizontal line in the middle')\n"
         "pts = transform_shape_pts('move the points 5 cm to the right', pts)\n"
         "for b, p in zip([o for o in objects if 'block' in o], pts):\n    put_first_on_second(b, p)",
         "runs", "near_xy('red block', [-0.05, 0.0], 0.03) and near_xy('yellow block', [0.15, 0.0], 0.03)",
         more={"# three points in a horizontal line": "ret_val = [np.array([x, 0.0]) for x in (-0.1, 0.0, 0.1)]",
               "# move the points 5 cm to the right": "ret_val = shape_pts + np.array([0.05, 0.0])"}),
    Item("sub_position_with_context", "subprogram", "put the green block left of the blue bowl",
         "put_first_on_second('green block', parse_position('12 cm left of the blue bowl', f'objects = {objects}'))",
         "runs", "near_xy('green block', after['blue bowl'][:2] - [0.12, 0.0], 0.03)",
         more={"# 12 cm left of the blue bowl": "ret_val = get_obj_pos('blue bowl')[:2] + np.array([-0.12, 0.0])"}),
    Item("sub_obj_name_prose", "subprogram", "put the leftmost block in the pink bowl",
         "name = parse_obj_name('the leftmost block', f'objects = {get_obj_names()}')\n"
         "put_first_on_second(name, 'pink bowl')",
         "runs", "any(in_bowl(b, 'pink bowl') for b in blocks())",
         more={"# the leftmost block": "To find the leftmost block I compare x coordinates.\n\n"
               + fence("blocks = [o for o in objects if 'block' in o]\n"
                       "ret_val = min(blocks, key=lambda b: get_obj_pos(b)[0])")}),
    Item("sub_obj_name_list", "subprogram", "put the warm colored blocks in the blue bowl",
         "for n in parse_obj_name('the warm colored blocks', f'objects = {objects}'):\n"
         "    put_first_on_second(n, 'blue bowl')",
         "runs", "in_bowl('red block', 'blue bowl') and in_bowl('yellow block', 'blue bowl')",
         more={"# the warm colored blocks": "ret_val = ['red block', 'yellow block']"}),
    Item("sub_question", "subprogram", "how many blocks are to the left of the middle?",
         "say(str(parse_question('how many blocks are left of the middle', f'objects = {objects}')))",
         "runs", "said('')",
         more={"# how many blocks are left of the middle": fence(
             "ret_val = sum(1 for o in objects if 'block' in o and get_obj_pos(o)[0] < 0)")}),
    Item("sub_question_no_context", "subprogram", "is the red block in a bowl",
         "answer = parse_question('is the red block inside any of the bowls')\nsay(f'{answer}')",
         "runs", "said('no')",
         more={"# is the red block inside any of the bowls": "ret_val = 'no'"}),
    Item("sub_shape_list_input", "subprogram", "rotate the square corners by 45 degrees",
         "square = [[0.05, 0.05], [-0.05, 0.05], [-0.05, -0.05], [0.05, -0.05]]\n"
         "new = transform_shape_pts('rotate by 45 degrees', square)\n"
         "say(f'{new.shape[0]} points, mean {new.mean():.2f}')",
         "runs", "said('4 points, mean 0.00')",
         more={"# rotate by 45 degrees": "import math\nt = math.radians(45)\n"
               "R = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])\n"
               "ret_val = shape_pts @ R.T"}),
    Item("sub_shape_keyword", "subprogram", "scale a triangle up",
         "tri = np.array([[0, 0], [0.1, 0], [0.05, 0.08]])\n"
         "big = transform_shape_pts(description='make it twice as big', shape_pts=tri)\n"
         "say(f'{big.max():.2f}')",
         "runs", "said('0.20')",
         more={"# make it twice as big": "ret_val = shape_pts * 2"}),
    Item("sub_position_3d_target", "subprogram", "put the yellow block above the middle",
         "p = parse_position('the middle, on the table')\nput_first_on_second('yellow block', p)",
         "runs", "near_xy('yellow block', place('middle'), 0.03)",
         more={"# the middle, on the table": "ret_val = np.array([*get_obj_pos('middle')[:2], 0.0])"}),
    Item("sub_position_tuple_list", "subprogram", "put the blocks on the corners of a small triangle",
         "pts = parse_position('a small triangle around the middle')\n"
         "for b, p in zip([o for o in objects if 'block' in o], pts):\n    put_first_on_second(b, p)",
         "runs", "near_xy('red block', [0.0, 0.08], 0.03)",
         more={"# a small triangle around the middle": "ret_val = [(0.0, 0.08), (-0.07, -0.05), (0.07, -0.05)]"}),
    Item("sub_reply_example_usage", "subprogram", "put the green block in the right bowl",
         "name = parse_obj_name('the bowl on the right', f'objects = {objects}')\n"
         "put_first_on_second('green block', name)",
         "runs", "in_bowl('green block', 'blue bowl') or in_bowl('green block', 'pink bowl')",
         more={"# the bowl on the right": fence(
             "bowls = [o for o in objects if 'bowl' in o]\n"
             "ret_val = max(bowls, key=lambda b: get_obj_pos(b)[0])")}),
    Item("sub_refused_import", "subprogram", "put the red block where the file says",
         "put_first_on_second('red block', parse_position('the position in the file'))",
         "refused: import of 'json'",
         more={"# the position in the file": "import json\nret_val = json.load(open('p.json'))"}),
    Item("sub_no_ret_val", "subprogram", "put the red block in the upper half",
         "put_first_on_second('red block', parse_position('somewhere in the upper half'))",
         "refused: assigned no ret_val",
         more={"# somewhere in the upper half": "position = denormalize_xy([0.5, 0.75])"}),
]

HELPERS = [
    Item("helper_plain", "helper", "put the blocks in a circle",
         "pts = get_pts_on_circle(get_obj_pos('middle')[:2], 0.12, 3)\n"
         "for b, p in zip([o for o in objects if 'block' in o], pts):\n    put_first_on_second(b, p)",
         "runs", "all(abs(np.linalg.norm(after[b][:2]) - 0.12) < 0.03 for b in blocks())",
         more={"def get_pts_on_circle(": fence(
             "def get_pts_on_circle(center, radius, n):\n"
             "    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)\n"
             "    return np.array([center + radius * np.array([np.cos(a), np.sin(a)]) for a in angles])")}),
    Item("helper_example_usage_moves_other", "helper", "put the red block in the blue bowl",
         "put_block_in_bowl('red block', 'blue bowl')", "runs",
         "in_bowl('red block', 'blue bowl') and unmoved('yellow block')",
         more={"def put_block_in_bowl(": chatty(
             "def put_block_in_bowl(block, bowl):\n    put_first_on_second(block, bowl)\n\n\n"
             "# Example usage:\nput_block_in_bowl('yellow block', 'pink bowl')\n"
             "put_first_on_second('yellow block', 'top left corner')\nprint('done')",
             "Here's the helper:", "This moves the block into the bowl.")}),
    Item("helper_example_in_main_guard", "helper", "stack the green block on the red block",
         "stack_on('green block', 'red block')", "runs",
         "on('green block', 'red block') and unmoved('yellow block')",
         more={"def stack_on(": "def stack_on(top, bottom):\n    put_first_on_second(top, bottom)\n\n"
               "if __name__ == '__main__':\n    stack_on('yellow block', 'green block')"}),
    Item("helper_docstring_typehints", "helper", "say how far the red block is from the blue bowl",
         "say(f'{distance_between(\"red block\", \"blue bowl\") * 100:.0f} cm')", "runs", "said(' cm')",
         more={"def distance_between(": fence(
             "import numpy as np\nfrom typing import Union\n\n\n"
             "def distance_between(a: str, b: str) -> float:\n"
             "    \"\"\"Distance in metres between the centres of two objects.\"\"\"\n"
             "    return float(np.linalg.norm(get_obj_pos(a)[:2] - get_obj_pos(b)[:2]))\n\n\n"
             "print(distance_between('red block', 'blue bowl'))")}),
    Item("helper_with_constant_and_subhelper", "helper", "put the yellow block slightly right of the green block",
         "put_first_on_second('yellow block', right_of('green block'))", "runs",
         "after['yellow block'][0] > after['green block'][0] + 0.03",
         more={"def right_of(": fence(
             "OFFSET = 0.07\n\ndef _shift(pos, dx):\n    return pos[:2] + np.array([dx, 0.0])\n\n"
             "def right_of(name):\n    return _shift(get_obj_pos(name), OFFSET)\n\n"
             "target = right_of('green block')\nput_first_on_second('red block', target)")}),
    Item("helper_calls_new_helper", "helper", "put the blocks in a line",
         "for b, p in zip([o for o in objects if 'block' in o], line_points(3)):\n"
         "    put_first_on_second(b, p)", "runs", "abs(after['red block'][1] - after['green block'][1]) < 0.02",
         more={"def line_points(": "def line_points(n):\n    return [denormalize_xy(p) for p in even_spacing(n)]",
               "def even_spacing(": "```python\ndef even_spacing(n):\n    return [[x, 0.5] for x in np.linspace(0.25, 0.75, n)]\n```\n\nUsage: `even_spacing(3)`"}),
    Item("helper_recursive", "helper", "say the factorial of the number of blocks",
         "say(str(fact(len([o for o in objects if 'block' in o]))))", "runs", "said('6')",
         more={"def fact(": "def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\n\nprint(fact(5))"}),
    Item("helper_lru_cache", "helper", "say the tenth fibonacci number",
         "say(str(fib(10)))", "runs", "said('55')",
         more={"def fib(": fence("from functools import lru_cache\n\n@lru_cache(maxsize=None)\n"
                                 "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)")}),
    Item("helper_default_numpy", "helper", "say the offset",
         "say(str(offset_point()))", "runs", "said('0.1')",
         more={"def offset_point(": "def offset_point(base=np.zeros(2), dx=0.1):\n    return float((base + dx)[0])"}),
    Item("helper_two_defs_one_requested", "helper", "put the red block on the biggest free spot",
         "put_first_on_second('red block', free_spot())", "runs", "True",
         more={"def free_spot(": fence(
             "def distance_to_nearest(p):\n    return min(np.linalg.norm(get_obj_pos(o)[:2] - p) for o in get_obj_names())\n\n"
             "def free_spot():\n    candidates = [denormalize_xy([u, v]) for u in (0.2, 0.5, 0.8) for v in (0.2, 0.5, 0.8)]\n"
             "    return max(candidates, key=distance_to_nearest)")}),
    Item("helper_default_calls_robot", "helper", "wave the gripper",
         "wave()", "refused: wave() calls a function when it is defined",
         more={"def wave(": "def wave(start=get_ee_pos()):\n    goto_pos(start)"}),
    Item("helper_decorator_refused", "helper", "do the dance",
         "dance()", "refused: decorator on dance() is not allowed",
         more={"def dance(": "@put_first_on_second('red block', 'blue bowl')\ndef dance():\n    pass"}),
    Item("helper_without_definition", "helper", "tidy up",
         "tidy_up()", "refused: held no Python",
         more={"def tidy_up(": "I'm not sure what tidy up means here; could you be more specific?"}),
    Item("helper_misspelt_api_inside", "helper", "say the red block height",
         "say(str(height_of('red block')))", "refused: did you mean get_obj_pos",
         more={"def height_of(": "def height_of(name):\n    return get_obj_poss(name)[2]"}),
    Item("helper_only_example_block", "helper", "move the green block up a bit",
         "nudge('green block', [0, 0.05])", "runs", "moved_by('green block', [0.0, 0.05], 0.03)",
         more={"def nudge(": "```python\ndef nudge(name, delta):\n    p = get_obj_pos(name)[:2]\n"
               "    put_first_on_second(name, p + np.asarray(delta))\n```\n\nExample:\n\n"
               "```python\nnudge('red block', [0.05, 0])\n```"}),
    Item("helper_with_import_random", "helper", "pick a random bowl and put the red block in it",
         "put_first_on_second('red block', random_bowl())", "runs",
         "in_bowl('red block', 'blue bowl') or in_bowl('red block', 'pink bowl')",
         more={"def random_bowl(": "import random\n\ndef random_bowl():\n"
               "    return random.choice([o for o in get_obj_names() if o.endswith('bowl')])\n\n"
               "bowl = random_bowl()\nsay(bowl)"}),
    Item("helper_keyword_call_site", "helper", "put the blocks around the pink bowl",
         "pts = points_around(get_obj_pos('pink bowl'), radius=0.115, count=3)\n"
         "for b, p in zip([o for o in objects if 'block' in o], pts):\n    put_first_on_second(b, p)",
         "runs", "True",
         more={"def points_around(": "def points_around(center, radius, count):\n"
               "    angles = np.linspace(0, 2 * np.pi, count, endpoint=False)\n"
               "    pts = [np.asarray(center)[:2] + radius * np.array([np.cos(a), np.sin(a)]) for a in angles]\n"
               "    return [np.clip(p, [-0.22, -0.19], [0.22, 0.19]) for p in pts]"}),
    Item("helper_type_shadow", "helper", "say the kinds of objects",
         "say(', '.join(kinds_of(objects)))", "runs", "said('block')",
         more={"def kinds_of(": "def kinds_of(names):\n    out = []\n    for name in names:\n"
               "        type = name.split()[-1]\n        if type not in out:\n            out.append(type)\n"
               "    return out"}),
    Item("helper_blank_and_comments", "helper", "say hello politely",
         "greet('friend')", "runs", "said('Hello, friend!')",
         more={"def greet(": "# A friendly greeting\n\ndef greet(name):\n    # say it aloud\n"
               "    say(f'Hello, {name}!')\n\n\n# Test\ngreet('world')"}),
    Item("helper_refuses_open", "helper", "load the saved positions",
         "p = load_positions()", "refused: 'open' is not available",
         more={"def load_positions(": "def load_positions():\n    return open('positions.txt').read()"}),
    Item("helper_cycle", "helper", "ping pong",
         "ping(3)", "refused: cycle",
         more={"def ping(": "def ping(n):\n    return pong(n - 1)",
               "def pong(": "def pong(n):\n    return ping(n - 1)"}),
    Item("helper_bash_then_python", "helper", "tell me the bowl count",
         "say(str(count_bowls()))", "runs", "said('2')",
         more={"def count_bowls(": "You can run it with:\n\n```bash\npython policy.py\n```\n\n"
               "```python\ndef count_bowls():\n    return sum(1 for o in get_obj_names() if 'bowl' in o)\n```"}),
]


def _raw(name: str, reply: str, extracted: str, expect: str = "runs", check: str = "True",
         finish_reason: str = "stop") -> Item:
    return Item(name, "raw", f"raw reply {name.replace('_', ' ')}", reply, expect, check,
                extracted=extracted, finish_reason=finish_reason)


PUT = "put_first_on_second('red block', 'blue bowl')"
SAFER = "if is_obj_visible('red block'):\n    " + PUT
IN = "in_bowl('red block', 'blue bowl')"
RAW = [
    _raw("plain_code", PUT, PUT, check=IN),
    _raw("fenced_python", fence(PUT), PUT, check=IN),
    _raw("fenced_py", fence(PUT, "py"), PUT, check=IN),
    _raw("fenced_python3", fence(PUT, "python3"), PUT, check=IN),
    _raw("fenced_Python_caps", fence(PUT, "Python"), PUT, check=IN),
    _raw("fenced_unlabelled", fence(PUT, ""), PUT, check=IN),
    _raw("tilde_fence", f"~~~python\n{PUT}\n~~~", PUT, check=IN),
    _raw("tilde_fence_unlabelled", f"~~~\n{PUT}\n~~~", PUT, check=IN),
    _raw("four_backticks", f"````python\n{PUT}\n````", PUT, check=IN),
    _raw("info_string_attributes", f"```python title=policy.py\n{PUT}\n```", PUT, check=IN),
    _raw("prose_before_and_after", f"Sure! I'll move it for you.\n\n{fence(PUT)}\n\n"
         "This picks up the red block and drops it into the blue bowl.", PUT, check=IN),
    _raw("indented_in_list", f"1. First, the program:\n\n    ```python\n    {PUT}\n    ```\n\n"
         "2. Then it is done.", PUT, check=IN),
    _raw("indented_three_spaces", f"- Code:\n   ```python\n   x = 1\n   {PUT}\n   ```",
         f"x = 1\n{PUT}", check=IN),
    _raw("bash_before_python", f"Install nothing, then:\n\n```bash\npip install cap\n```\n\n{fence(PUT)}",
         PUT, check=IN),
    _raw("json_after_python", f"{fence(PUT)}\n\nThe plan as data:\n\n```json\n{{\"pick\": \"red block\"}}\n```",
         PUT, check=IN),
    _raw("text_block_and_python", f"```text\nred block -> blue bowl\n```\n{fence(PUT)}", PUT, check=IN),
    _raw("note_line_prose", f"Note: blocks are picked from the top.\n{PUT}", PUT, check=IN),
    _raw("sure_prefix_unfenced", f"Sure\n{PUT}\nDone.", PUT, check=IN),
    _raw("here_is_prefix_unfenced", f"Here is the code:\n{PUT}", PUT, check=IN),
    _raw("defs_block_then_usage_block",
         "First a helper:\n\n```python\ndef move(a, b):\n    put_first_on_second(a, b)\n```\n\n"
         "Then call it:\n\n```python\nmove('red block', 'blue bowl')\n```",
         "def move(a, b):\n    put_first_on_second(a, b)\n\nmove('red block', 'blue bowl')", check=IN),
    _raw("constants_block_then_program",
         "```python\nTARGET = 'blue bowl'\n```\n```python\nput_first_on_second('red block', TARGET)\n```",
         "TARGET = 'blue bowl'\n\nput_first_on_second('red block', TARGET)", check=IN),
    _raw("duplicate_blocks", f"{fence(PUT)}\n\nAgain, the full program:\n\n{fence(PUT)}", PUT, check=IN),
    _raw("two_alternatives",
         f"Option 1:\n{fence(PUT)}\n\nOption 2 (safer):\n" + fence(SAFER),
         "", expect="refused: alternative programs"),
    _raw("three_alternatives", "\n".join(fence(f"put_first_on_second('red block', '{t}')")
                                         for t in ("blue bowl", "pink bowl", "middle")),
         "", expect="refused: alternative programs"),
    _raw("only_bash", "```bash\ncap run 'put the red block in the blue bowl'\n```", "",
         expect="refused: not Python"),
    _raw("no_code_at_all", "I'm sorry, I can't help with moving blocks.", "",
         expect="refused: held no Python"),
    _raw("unclosed_fence", f"```python\n{PUT}\nput_first_on_second('green", "",
         expect="refused: cut off"),
    _raw("finish_reason_length", fence(PUT), "", expect="refused: cut off",
         finish_reason="length"),
    _raw("truncated_unfenced", "blocks = [o for o in get_obj_names() if 'block' in o]\n"
         "for b in blocks:\n    put_first_on_second(b, 'blue", "", expect="refused: cut off",
         finish_reason="length"),
    _raw("python_comment_only_prose", f"```python\n# This moves the red block\n{PUT}\n```", 
         f"# This moves the red block\n{PUT}", check=IN),
    _raw("trailing_whitespace_fence", f"```python   \n{PUT}\n```   ", PUT, check=IN),
    _raw("crlf_line_endings", f"```python\r\n{PUT}\r\n```\r\n", PUT, check=IN),
    _raw("code_with_blank_lines", "```python\nx = 'red block'\n\n\ny = 'blue bowl'\n\n"
         "put_first_on_second(x, y)\n```",
         "x = 'red block'\n\n\ny = 'blue bowl'\n\nput_first_on_second(x, y)", check=IN),
    _raw("inline_code_in_prose", f"Use `put_first_on_second` like this:\n\n{fence(PUT)}", PUT,
         check=IN),
    _raw("pycon_block", f"```pycon\n{PUT}\n```", PUT, check=IN),
    _raw("markdown_heading_and_list", f"## Plan\n- pick the red block\n- drop it in the bowl\n\n"
         f"## Code\n{fence(PUT)}", PUT, check=IN),
    _raw("yaml_then_python", f"```yaml\nsteps: 1\n```\n\n{fence(PUT)}", PUT, check=IN),
    _raw("nested_fence_in_string", "````python\nnote = '```'\nput_first_on_second('red block', 'blue bowl')\n````",
         "note = '```'\nput_first_on_second('red block', 'blue bowl')", check=IN),
    _raw("explanation_after_unfenced", f"{PUT}\n\nExplanation: this moves the block.",
         PUT, check=IN),
    _raw("numbered_steps_unfenced", "Steps:\n1) pick\n2) place\n" + PUT, PUT, check=IN),
    _raw("python_then_shell_output", f"{fence(PUT)}\n\nOutput:\n```\n(no output)\n```",
         PUT, check=IN),
    _raw("tabs_indented_fence", f"\t```python\n\t{PUT}\n\t```", PUT, check=IN),
    _raw("unsafe_in_fence", fence("import subprocess\nsubprocess.run(['ls'])"),
         "import subprocess\nsubprocess.run(['ls'])", expect="refused: import of 'subprocess'"),
    _raw("alternative_is_not_python", f"{fence(PUT)}\n\nOr from the shell:\n\n```sh\ncap run 'put it'\n```",
         PUT, check=IN),
    _raw("say_and_move_blocks", "```python\nsay('Moving the red block.')\n```\n```python\n"
         + PUT + "\n```", "", expect="refused: alternative programs"),
    _raw("empty_python_block_then_code", f"```python\n```\n\n{fence(PUT)}", PUT, check=IN),
    _raw("html_details_wrapper", f"<details>\n<summary>code</summary>\n\n{fence(PUT)}\n\n</details>",
         PUT, check=IN),
    _raw("think_tags_before_code", f"<think>The user wants the red block moved.</think>\n\n{fence(PUT)}",
         PUT, check=IN),
]

GREEN_ON_RED = "put_first_on_second('green block', 'red block')"
STEPS = [  # several fences and the ways models close them (issue 25, issue 30)
    _raw("steps_second_uses_first",
         "To do this, first find where the bowl is:\n\n```python\nbowl_xy = get_obj_pos('blue bowl')"
         "[:2]\nsay('The blue bowl is at ' + str(bowl_xy))\n```\n\nThen place the block "
         "there:\n\n```python\nput_first_on_second('red block', bowl_xy)\n```",
         "bowl_xy = get_obj_pos('blue bowl')[:2]\nsay('The blue bowl is at ' + str(bowl_xy))"
         "\n\nput_first_on_second('red block', bowl_xy)", check=IN),
    _raw("steps_in_a_numbered_list",
         "Here's how:\n\n1. Put the red block in the bowl:\n   ```python\n   " + PUT + "\n   ```"
         "\n2. Stack the green block on it:\n   ```python\n   " + GREEN_ON_RED + "\n   ```",
         PUT + "\n\n" + GREEN_ON_RED, check=IN + " and on('green block', 'red block')"),
    _raw("steps_bold_headings",
         "**Step 1: announce**\n```python\nsay('Moving the red block')\n```\n"
         "**Step 2: move**\n```python\n" + PUT + "\n```",
         "say('Moving the red block')\n\n" + PUT, check=IN + " and said('Moving')"),
    _raw("steps_then_the_whole_program",
         "Step 1:\n```python\nbowl = 'blue bowl'\nsay('found ' + bowl)\n```\nStep 2:\n"
         "```python\nput_first_on_second('red block', bowl)\n```\nPutting it together:\n"
         "```python\nbowl = 'blue bowl'\nsay('found ' + bowl)\n"
         "put_first_on_second('red block', bowl)\n```",
         "bowl = 'blue bowl'\nsay('found ' + bowl)\nput_first_on_second('red block', bowl)",
         check=IN),
    _raw("closing_fence_after_the_last_statement", f"```python\n{PUT}```", PUT, check=IN),
    _raw("closing_fence_after_the_last_statement_with_prose",
         f"Sure thing!\n```python\nsay(\"hello\")\n{PUT}```\nLet me know if you need more.",
         f"say(\"hello\")\n{PUT}", check=IN + " and said('hello')"),
    _raw("numbered_alternatives",
         "1. With a loop:\n```python\nfor name in objects:\n    if 'block' in name:\n"
         "        put_first_on_second(name, 'blue bowl')\n```\n2. With a list:\n```python\n"
         "for block in [o for o in objects if 'block' in o]:\n"
         "    put_first_on_second(block, 'blue bowl')\n```",
         "", expect="refused: alternative programs"),
    _raw("alternatively_a_safer_version",
         f"{fence(PUT)}\n\nAlternatively, to be safe:\n\n```python\nif 'red block' in objects:\n"
         f"    say('moving it')\n    {PUT}\n```", "", expect="refused: alternative programs"),
    _raw("unfenced_act_with_junk_after_it",
         "red_block_pos = get_obj_pos('blue bowl')[:2]\nput_first_on_second(red_block_pos, 'red "
         "block', red_block_pos)ElementChild\nElementChild\nElementChild", "",
         expect="refused: line 2: syntax error"),
    _raw("unfenced_read_then_broken_act",
         "Sure\npos = get_obj_pos('red block')\nput_first_on_second('blue bowl' pos)\nDone!", "",
         expect="refused: line 2: syntax error"),
]

# scenes where these tasks have room (found by trying seeds; crowded targets are refused,
# see crowded_spot and rim_spot)
ROOMY = {"distance_to_bowl_math": 4, "diagonal_line": 4, "horizontal_line_format": 8,
         "shapely_circle": 12, "shapely_star_import": 1, "underscore_helpers": 8,
         "bbox_center": 2, "sub_position_fenced": 3, "sub_position_list_to_shape": 25,
         "sub_position_3d_target": 4, "sub_position_tuple_list": 14, "helper_plain": 8,
         "helper_calls_new_helper": 12, "helper_keyword_call_site": 7}
CORPUS = [replace(i, scene=(*i.scene[:2], ROOMY[i.name])) if i.name in ROOMY else i
          for i in PROGRAMS + SUBPROGRAMS + HELPERS + RAW + STEPS]
