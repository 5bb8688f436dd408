"""Static checks on a program before it runs: syntax, the safety policy, API signatures, names.

Python's parser already applies NFKC normalisation to identifiers, so a fullwidth `ｏｐｅｎ`
arrives here as `open` and meets the same rules.
"""
from __future__ import annotations

import ast
import builtins
import inspect
from dataclasses import dataclass
from typing import Callable

from cap.errors import CheckRefused

FORBIDDEN_CALLS = frozenset("""
exec eval compile open input getattr setattr delattr globals locals vars dir type __import__
breakpoint help memoryview object super classmethod staticmethod property exit quit
""".split())
FORBIDDEN_ATTRIBUTES = frozenset("""
gi_frame gi_code gi_yieldfrom cr_frame cr_code cr_await ag_frame ag_code f_back f_globals
f_locals f_builtins f_code tb_frame tb_next co_code func_globals mro format format_map tofile
dump dumps ctypes data load save fromfile loadtxt savetxt genfromtxt memmap lib ctypeslib f2py
stride_tricks DataSource testing os sys subprocess
""".split())
ALLOWED_MODULES = frozenset("""
numpy numpy.linalg numpy.random math shapely shapely.geometry shapely.affinity shapely.ops
""".split())
SAFE_BUILTINS = """
abs all any bool dict divmod enumerate filter float frozenset int isinstance len list map max min
next print range reversed round set slice sorted str sum tuple zip True False None
Exception ValueError TypeError KeyError IndexError RuntimeError ZeroDivisionError
AssertionError StopIteration ArithmeticError LookupError NotImplementedError
""".split()


def refuse(node: ast.AST, rule: str) -> CheckRefused:
    line = getattr(node, "lineno", "?")
    return CheckRefused(f"line {line}: {rule}")


def parse(code: str) -> ast.Module:
    try:
        return ast.parse(code, filename="<policy>")
    except SyntaxError as error:
        raise CheckRefused(f"line {error.lineno}: syntax error: {error.msg}") from None


def check_policy(tree: ast.AST) -> None:
    """Refuse private names, introspection, dangerous builtins and disallowed imports."""
    for node in ast.walk(tree):
        _check_node(node)


def _check_node(node: ast.AST) -> None:
    if isinstance(node, ast.Name):
        if node.id != "_":  # the throwaway variable is only a name
            _check_identifier(node, node.id)
        if node.id in FORBIDDEN_CALLS:
            raise refuse(node, f"{node.id!r} is not available to policy code")
    elif isinstance(node, ast.Attribute):
        _check_identifier(node, node.attr)
        if node.attr in ("format", "format_map"):
            raise refuse(node, "str.format is not allowed; use an f-string")
        if node.attr in FORBIDDEN_ATTRIBUTES:
            raise refuse(node, f"attribute {node.attr!r} is not allowed in policy code")
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        _check_import(node)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        _check_identifier(node, node.name)
        if not isinstance(node, ast.FunctionDef):
            raise refuse(node, "only plain functions (def) may be defined, no classes or async")
    elif isinstance(node, ast.arg):
        _check_identifier(node, node.arg)
    elif isinstance(node, ast.keyword) and node.arg:
        _check_identifier(node, node.arg)
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        for name in node.names:
            _check_identifier(node, name)
    elif isinstance(node, (ast.AsyncFor, ast.AsyncWith, ast.Await, ast.Yield, ast.YieldFrom)):
        raise refuse(node, "generators, async and await are not allowed in policy code")


def _check_identifier(node: ast.AST, name: str) -> None:
    if name.startswith("_"):
        raise refuse(node, f"names starting with an underscore ({name!r}) are not allowed")


def _check_import(node: ast.Import | ast.ImportFrom) -> None:
    if isinstance(node, ast.ImportFrom):
        if node.level or node.module not in ALLOWED_MODULES:
            raise refuse(node, f"import of {node.module!r} is not allowed; "
                         f"allowed modules: {', '.join(sorted(ALLOWED_MODULES))}")
        for alias in node.names:
            if alias.name == "*":
                raise refuse(node, "'from ... import *' is not allowed; import names explicitly")
            _check_identifier(node, alias.name)
        return
    for alias in node.names:
        if alias.name not in ALLOWED_MODULES:
            raise refuse(node, f"import of {alias.name!r} is not allowed; "
                         f"allowed modules: {', '.join(sorted(ALLOWED_MODULES))}")


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
    bound = defined_names(tree) | known | set(SAFE_BUILTINS)
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
    """Refuse calls to API functions whose arguments do not fit their signatures."""
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
        fake_args = [None] * len(node.args)
        fake_kwargs = {k.arg: None for k in node.keywords}
        try:
            inspect.signature(api[name]).bind(*fake_args, **fake_kwargs)
        except TypeError as error:
            raise refuse(node, f"{name}{inspect.signature(api[name])}: {error}") from None


def safe_builtins() -> dict[str, object]:
    return {name: getattr(builtins, name) for name in SAFE_BUILTINS}
