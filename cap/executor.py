"""Runs checked policy code with only the policy API, safe builtins and safe libraries in scope.

This executor runs in the calling process: the static policy (cap.policy) and the curated scope
are its only barriers; the worker process (cap.sandbox) adds the operating system's. See
docs/threat-model.md for what that does and does not defend.
"""
from __future__ import annotations

import __future__
import ast
import builtins
import io
import sys
import traceback
from contextlib import redirect_stdout
from typing import Callable

from cap import checks
from cap.errors import CapError, CheckRefused, ExecutionError, LimitExceeded
from cap.program import Program
from cap.safe_modules import library_names, module_surfaces
from robots.errors import MotionError

POLICY_FILE = "<policy>"
MODULES = "__cap_modules__"  # a name policy code cannot spell (dunder names are refused)
LAZY_IMPORTERS = ("numpy", "shapely")  # libraries whose C code imports their own modules late


class Namespace:
    """One program scope: API functions, safe libraries and builtins, and the program's variables.

    A session keeps one Namespace for its top-level programs, so variables and generated
    functions persist across commands; each language sub-program gets a fresh one.
    """

    def __init__(self, api: dict[str, Callable]) -> None:
        self.api = api
        self.surfaces = module_surfaces()
        scope_builtins = checks.safe_builtins()
        scope_builtins["__import__"] = _import_for_libraries
        # __name__ is "__main__", so a program's `if __name__ == "__main__":` guard runs
        self.scope: dict[str, object] = {"__builtins__": scope_builtins, "__name__": "__main__",
                                         MODULES: self.surfaces,
                                         **library_names(self.surfaces), **api}
        self._fixed = set(self.scope)

    @property
    def variables(self) -> dict[str, object]:
        """What programs defined: variables and functions, not the API or libraries."""
        return {k: v for k, v in self.scope.items() if k not in self._fixed}

    def set(self, **values: object) -> None:
        self.scope.update(values)


def _import_for_libraries(name: str, _globals=None, _locals=None, fromlist=(), level=0) -> None:
    """numpy's C code imports lazily through its caller's builtins (policy code's, then) and
    reads the module from sys.modules afterwards: this imports library modules and hands
    nothing back, so a program that reached it would get no module."""
    if name not in sys.modules and name.partition(".")[0] not in LAZY_IMPORTERS:
        raise ImportError(f"policy code cannot import {name!r}")
    builtins.__import__(name, None, None, fromlist, level)


class _ImportRewriter(ast.NodeTransformer):
    """`import numpy as np` becomes `np = <safe numpy surface>`: no import machinery runs."""

    def __init__(self, surfaces: dict) -> None:
        self.surfaces = surfaces

    def _module(self, key: str) -> ast.expr:
        return ast.Subscript(ast.Name(MODULES, ast.Load()), ast.Constant(key), ast.Load())

    def visit_Import(self, node: ast.Import) -> list[ast.stmt]:
        out = []
        for alias in node.names:
            key = alias.name if alias.asname else alias.name.split(".")[0]
            target = alias.asname or key
            out.append(ast.Assign([ast.Name(target, ast.Store())], self._module(key)))
        return [ast.copy_location(n, node) for n in out]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> list[ast.stmt]:
        if node.module == "__future__":
            return []  # policy code is always compiled with postponed annotations
        surface = self.surfaces[node.module]
        names = node.names
        if [alias.name for alias in names] == ["*"]:  # every allowed name of the module
            names = [ast.alias(name) for name in vars(surface) if not name.startswith("_")]
        out = []
        for alias in names:
            if not hasattr(surface, alias.name):
                raise CheckRefused(f"line {node.lineno}: cannot import {alias.name!r} from "
                                   f"{node.module}; it is not among the allowed names")
            value = ast.Attribute(self._module(node.module), alias.name, ast.Load())
            out.append(ast.Assign([ast.Name(alias.asname or alias.name, ast.Store())], value))
        return [ast.copy_location(n, node) for n in out]


def _rewrite(tree: ast.Module, namespace: Namespace) -> ast.Module:
    return ast.fix_missing_locations(_ImportRewriter(namespace.surfaces).visit(tree))


def run(code: str, namespace: Namespace, printed: list[str] | None = None) -> None:
    """Check and execute `code` in the namespace's scope.

    Raises CheckRefused before anything runs, or an error whose message ends with the
    policy-code traceback. Whatever the program printed is appended to `printed`.
    """
    tree = _rewrite(Program.check(code, namespace.api).tree, namespace)
    buffer = io.StringIO()
    try:
        with redirect_stdout(buffer):
            code_object = compile(tree, POLICY_FILE, "exec", flags=__future__.annotations.compiler_flag,
                                  dont_inherit=True)
            exec(code_object, namespace.scope)  # noqa: S102 (checked)
    except (CapError, MotionError) as error:
        raise type(error)(_with_trace(str(error), error)) from None
    except MemoryError:
        raise LimitExceeded("the program ran out of memory (the worker's memory limit); "
                            "use smaller data") from None
    except RecursionError as error:
        raise LimitExceeded(_with_trace("the program recursed too deeply", error)) from None
    except Exception as error:  # the program's own bug: report it to the repair loop
        raise ExecutionError(_with_trace(f"{type(error).__name__}: {error}", error)) from None
    finally:
        if printed is not None and buffer.getvalue():
            printed.append(buffer.getvalue())


def _with_trace(message: str, error: BaseException) -> str:
    trace = policy_traceback(error)
    return f"{message}\n{trace}" if trace else message


def policy_traceback(error: BaseException) -> str:
    """The traceback cut to the policy code's own lines."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == POLICY_FILE]
    return "".join(f"  policy line {f.lineno}, in {f.name}\n" for f in frames).rstrip()
