"""Static checks on a program before it runs: syntax, API signatures, names it leaves undefined.
The safety policy on the syntax tree is `cap.policy`."""
from __future__ import annotations

import ast
import builtins
import difflib
import inspect
from dataclasses import dataclass
from typing import Callable, Iterable

from cap.errors import CheckRefused

SAFE_BUILTINS = """
abs all any bool dict divmod enumerate filter float frozenset int isinstance issubclass len list
map max min next print range reversed round set slice sorted str sum tuple zip True False None
pow repr iter ord chr hex oct bin ascii callable hash format complex bytes NotImplemented
Ellipsis BaseException Exception ValueError TypeError KeyError IndexError RuntimeError
ZeroDivisionError AssertionError StopIteration ArithmeticError LookupError NotImplementedError
AttributeError NameError OverflowError UnboundLocalError FloatingPointError TimeoutError
RecursionError UserWarning Warning
""".split()
SUGGEST = {"type": "isinstance(x, float)", "dir": "the policy API names",
           "input": "parse_question or a fixed value", "getattr": "the attribute by name",
           "open": "nothing: policy code has no files", "eval": "plain Python",
           "exec": "plain Python", "hasattr": "isinstance"}


NEAR = 0.85  # a called name this similar to an API name is a misspelling, not a new helper
API_ALIASES = {  # keyword names models write -> the documented parameter
    "follow_traj": {"positions": "points", "traj": "points", "trajectory": "points",
                    "path": "points", "pts": "points", "waypoints": "points"},
    "goto_pos": {"position": "pos", "xyz": "pos", "target": "pos", "point": "pos",
                 "pt": "pos"},
    "put_first_on_second": {"obj_name": "obj", "pick_obj": "obj", "first": "obj",
                            "target_name": "target", "place": "target", "second": "target",
                            "place_target": "target"},
    "get_obj_pos": {"obj": "name", "obj_name": "name", "object_name": "name"},
    "get_bbox": {"obj": "name", "obj_name": "name", "object_name": "name"},
    "get_color": {"obj": "name", "obj_name": "name", "object_name": "name"},
    "is_obj_visible": {"obj": "name", "obj_name": "name", "object_name": "name"},
    "say": {"msg": "message", "text": "message"},
    "denormalize_xy": {"pos": "xy", "normalized_xy": "xy", "pos_normalized": "xy"},
    "get_corner_name": {"position": "pos", "xy": "pos"},
    "get_side_name": {"position": "pos", "xy": "pos"},
    "parse_obj_name": {"query": "description", "desc": "description", "ctx": "context"},
    "parse_position": {"query": "description", "desc": "description", "ctx": "context"},
    "parse_question": {"query": "question", "ctx": "context"},
    "transform_shape_pts": {"query": "description", "pts": "shape_pts", "points": "shape_pts"},
}


def refuse(node: ast.AST, rule: str) -> CheckRefused:
    line = getattr(node, "lineno", "?")
    return CheckRefused(f"line {line}: {rule}")


def parse(code: str) -> ast.Module:
    try:
        return ast.parse(code, filename="<policy>")
    except SyntaxError as error:
        raise CheckRefused(f"line {error.lineno}: syntax error: {error.msg}") from None


@dataclass(frozen=True)
class CallSite:
    name: str
    line: int
    source: str  # the call's source text, for function generation


def defined_names(tree: ast.AST) -> set[str]:
    """Every name the program binds anywhere (assignments, defs, imports, loop targets, args)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def undefined_calls_and_names(tree: ast.AST, code: str, known: set[str]
                              ) -> tuple[list[CallSite], list[CallSite]]:
    """Names used but bound nowhere: (called as functions, used as plain values)."""
    bound = defined_names(tree) | known | set(SAFE_BUILTINS) | {"__name__"}
    called: dict[str, CallSite] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id not in bound and node.func.id not in called:
                called[node.func.id] = CallSite(node.func.id, node.lineno,
                                                ast.get_source_segment(code, node) or "")
    plain: dict[str, CallSite] = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                and node.id not in bound and node.id not in called and node.id not in plain):
            plain[node.id] = CallSite(node.id, node.lineno, node.id)
    return list(called.values()), list(plain.values())


def check_api_calls(tree: ast.AST, api: dict[str, Callable]) -> None:
    """Refuse calls to API functions whose arguments do not fit their signatures (keyword
    names as documented, or a common variant of them: `API_ALIASES`)."""
    shadowed = defined_names(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        name = node.func.id
        if name not in api or name in shadowed:
            continue
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords):
            continue
        keywords = canonical_keywords(name, {k.arg: None for k in node.keywords})
        try:
            inspect.signature(api[name]).bind(*[None] * len(node.args), **keywords)
        except TypeError as error:
            raise refuse(node, f"{name}{inspect.signature(api[name])}: {error}") from None


def canonical_keywords(function: str, keywords: dict) -> dict:
    """Keyword arguments under their documented names (`positions=` -> `points=`)."""
    aliases = API_ALIASES.get(function, {})
    return {aliases.get(key, key): value for key, value in keywords.items()}


def refuse_unwritable(calls: list[CallSite], api: Iterable[str]) -> None:
    """Calls no helper should be generated for: a near miss of an API name, or a Python
    builtin policy code does not get."""
    for call in calls:
        if call.name in vars(builtins):
            hint = f"; use {SUGGEST[call.name]} instead" if call.name in SUGGEST else ""
            raise CheckRefused(f"line {call.line}: {call.name}() is a Python builtin that policy "
                               f"code does not get{hint}")
        near = [n for n in api if difflib.SequenceMatcher(None, call.name, n).ratio() >= NEAR]
        if near:
            raise CheckRefused(f"line {call.line}: no function {call.name}(); did you mean "
                               f"{near[0]}()?")


def safe_builtins() -> dict[str, object]:
    return {name: getattr(builtins, name) for name in SAFE_BUILTINS}
