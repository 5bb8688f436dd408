"""Several Python blocks in one reply: steps of one program, or alternatives.

Blocks that only define (functions, imports, constants) join the program. Of the blocks that
act, a later one is a step after the earlier ones when it uses a name they bind, or when the
blocks sit in a list of steps ("1.", "Step 2", "Then"); it is an alternative when it redoes
their work (the same action on the same object, or the same call written again) or the prose
calls it one ("Option 2", "Alternatively"). A block that repeats every statement of the others
is the whole program written out again and is taken alone. Anything else is refused: running
both could do the task twice, running one could leave it half done.
"""
from __future__ import annotations

import ast
import re

from cap.checks import defined_names
from cap.errors import GenerationError

ACTIONS = {"put_first_on_second", "goto_pos", "follow_traj", "open_gripper", "close_gripper",
           "say"}
MOVES_ITS_FIRST_ARGUMENT = {"put_first_on_second"}
ALTERNATIVE = re.compile(
    r"\b(options?|alternative(ly|s)?|another (way|approach|version|option)|instead|"
    r"or you (can|could)|if you prefer|variant|(safer|simpler|shorter|more robust|more concise)"
    r" (version|way|approach)|(version|approach) \d)\b", re.IGNORECASE)
NUMBERED = re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?\s*(?:step\s*(\d+)|(\d+)[.)]\s)", re.IGNORECASE)
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
SEQUENCING = re.compile(r"^\s*(?:\*\*)?\s*(then|next|finally|after that|afterwards|now)\b",
                        re.IGNORECASE)
ORDINAL = re.compile(r"^\s*(?:\*\*)?\s*(first|second|third|fourth|fifth)(ly)?\b", re.IGNORECASE)


def defines_only(node: ast.stmt) -> bool:
    """A statement that only defines (a function, an import, a constant without calls)."""
    if isinstance(node, (ast.FunctionDef, ast.Import, ast.ImportFrom, ast.Pass)):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return True  # a docstring or a stray string
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        return not any(isinstance(n, ast.Call) for n in ast.walk(node.value))
    return False


def one_program(blocks: list) -> str:
    """The program the Python blocks of a reply make (each block with its `code`, its first
    `line` and the prose `before` it); GenerationError for alternatives."""
    trees = [_parse(b.code) for b in blocks]
    acting = [i for i, tree in enumerate(trees) if tree is None or not _defines_only(tree)]
    if len(acting) <= 1:
        return "\n\n".join(b.code for b in blocks)
    whole = _recap(trees)
    if whole is not None:
        return blocks[whole].code
    verdicts = [_relation(blocks, trees, acting[:k], acting[k]) for k in range(1, len(acting))]
    if all(v == "step" for v in verdicts):
        return "\n\n".join(b.code for b in blocks)
    starts = ", ".join(str(blocks[i].line) for i in acting)
    if "alternative" in verdicts:
        raise GenerationError(f"the reply holds {len(acting)} alternative programs (code blocks "
                              f"starting on lines {starts}); reply with exactly one program")
    raise GenerationError(f"the reply holds {len(acting)} programs (code blocks starting on "
                          f"lines {starts}) and does not say whether they are steps of one "
                          "program or alternative programs; reply with exactly one program")


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except SyntaxError:
        return None  # not ours to judge here: the checks will name the syntax error


def _defines_only(tree: ast.Module) -> bool:
    return all(defines_only(node) for node in tree.body)


def _recap(trees: list[ast.Module | None]) -> int | None:
    """The block that repeats every statement of every other block, if one does."""
    if any(tree is None for tree in trees):
        return None
    statements = [[ast.dump(node) for node in tree.body] for tree in trees]
    for i, own in enumerate(statements):
        if all(set(other) <= set(own) for j, other in enumerate(statements) if j != i):
            return i
    return None


def _relation(blocks: list, trees: list, earlier: list[int], later: int) -> str:
    """"step", "alternative" or "unclear": how block `later` stands to the acting blocks
    before it."""
    if trees[later] is None or any(trees[i] is None for i in earlier):
        return "unclear"
    if any(_work(trees[later]) & _work(trees[i]) for i in earlier):
        return "alternative"
    if ALTERNATIVE.search(blocks[later].before):
        return "alternative"
    bound = set().union(*(defined_names(trees[i]) for i in range(later)))
    if _free_names(trees[later]) & bound:
        return "step"
    return "step" if _listed_after(blocks[later].before, blocks[earlier[-1]].before) \
        else "unclear"


def _work(tree: ast.Module) -> set[tuple]:
    """What a block does, to compare with another: each action call with its literal
    arguments, and the object each place moves when it is named."""
    keys: set[tuple] = set()
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) \
                and call.func.id in ACTIONS:
            args = [_literal(a) for a in call.args] + [_literal(k.value) for k in call.keywords]
            keys.add((call.func.id, tuple(args)))
            if call.func.id in MOVES_ITS_FIRST_ARGUMENT and args and args[0] != "*":
                keys.add((call.func.id, "moves", args[0]))
    return keys


def _literal(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else "*"


def _free_names(tree: ast.Module) -> set[str]:
    """Names a block reads but binds nowhere itself."""
    read = {n.id for n in ast.walk(tree)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return read - defined_names(tree)


def _listed_after(prose: str, earlier_prose: str) -> bool:
    """Whether the prose before a block marks it as a later step than the earlier block
    ("2." after "1.", "Step 3" after "Step 2", "Then ...", "Second, ...")."""
    marker = _step_marker(prose)
    if marker is None:
        return False
    if marker == "then":
        return True
    before = _step_marker(earlier_prose)
    return isinstance(before, int) and marker > before


def _step_marker(prose: str) -> int | str | None:
    """The step number of the line that introduces a block, "then" for a sequencing word."""
    for line in reversed(prose.splitlines()):
        if numbered := NUMBERED.match(line):
            return int(numbered[1] or numbered[2])
        if ordinal := ORDINAL.match(line):
            return ORDINALS[ordinal[1].lower()]
        if SEQUENCING.match(line):
            return "then"
    return None
