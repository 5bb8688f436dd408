"""Hierarchical function generation: define every helper a program calls but nobody wrote.

Each new definition is analysed the same way, so a helper's own helpers are generated too, down
to a depth limit; all definitions run before the program, so children exist before their
parents run. Every level's functions are generated concurrently.
"""
from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from cap import checks
from cap.errors import CheckRefused, GenerationError
from cap.lmp import LMP
from cap.program import Program
from cap.replies import defines_only
from cap.skills import SkillLibrary

DECORATORS = {"lru_cache", "cache"}  # the only decorators a helper may carry (functools)
DEFAULT_CALL_MODULES = {"np", "numpy", "math"}  # default values may call these, nothing else


def definition_only(code: str, name: str) -> str:
    """The requested function from a helper reply, with the imports, other functions and
    constants it may need. Calls, prints and example usage at the top level are dropped, so
    defining a helper never runs anything; a decorator or default value that could act
    (anything but numpy, math and pure builtins) is refused."""
    tree = checks.parse(code)
    kept = [node for node in tree.body if defines_only(node)]
    if not any(isinstance(n, ast.FunctionDef) and n.name == name for n in kept):
        raise GenerationError(f"the reply does not define {name}(); got: {code[:120]!r}")
    for node in kept:
        if isinstance(node, ast.FunctionDef):
            _check_definition_time(node)
    lines = code.splitlines()
    return "\n\n".join("\n".join(lines[_first_line(node) - 1:node.end_lineno]) for node in kept)


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _check_definition_time(function: ast.FunctionDef) -> None:
    """What runs when a def runs: its decorators (only functools' caches), their arguments
    and its default values (calls to numpy, math and pure builtins only)."""
    evaluated = function.args.defaults + [d for d in function.args.kw_defaults if d]
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        label = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if label not in DECORATORS:
            raise checks.refuse(decorator, f"decorator on {function.name}() is not allowed "
                                "(only functools.lru_cache); call the function plainly")
        if isinstance(decorator, ast.Call):
            evaluated += decorator.args + [k.value for k in decorator.keywords]
    for call in (n for d in evaluated for n in ast.walk(d) if isinstance(n, ast.Call)):
        func = call.func
        pure = (isinstance(func, ast.Name) and func.id in checks.SAFE_BUILTINS) or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id in DEFAULT_CALL_MODULES)
        if not pure:
            raise checks.refuse(call, f"{function.name}() calls a function when it is defined "
                                "(in a default value or a decorator's arguments); use None as "
                                "the default and compute the value in the body")


def signature_of(call: checks.CallSite) -> str:
    """`def name(a, b, key):` from a call site: names for plain arguments, keywords as given."""
    node = ast.parse(call.source, mode="eval").body if call.source else None
    params: list[str] = []
    if isinstance(node, ast.Call):
        for i, arg in enumerate(node.args):
            params.append(arg.id if isinstance(arg, ast.Name) and arg.id not in params
                          else f"arg{i}")
        params += [k.arg for k in node.keywords if k.arg]
    return f"def {call.name}({', '.join(params)}):"


@dataclass
class FunctionGenerator:
    lmp: LMP
    library: SkillLibrary | None = None
    max_depth: int = 4
    on_program: Callable[[str, str, str], None] | None = None  # (lmp, query, code)

    def ensure(self, program: Program, known: set[str], api: dict[str, Callable]
               ) -> list[Program]:
        """Checked definitions of every function `program` needs that is not in `known`,
        deepest first.

        Level by level: all missing functions of one level are generated concurrently, then
        their own missing callees. `known` grows by the names defined; running the returned
        definitions in order (all before the program) makes it whole.
        """
        frontier: list[tuple[Program, tuple[str, ...]]] = [(program, ())]
        levels: list[list[Program]] = []
        while frontier:
            wanted: dict[str, tuple[checks.CallSite, tuple[str, ...]]] = {}
            for source, parents in frontier:
                for call in self._missing(source, known, parents, api):
                    wanted.setdefault(call.name, (call, parents))
            if not wanted:
                break
            if len(levels) >= self.max_depth:
                call, parents = next(iter(wanted.values()))
                raise CheckRefused(f"line {call.line}: helper functions nest deeper than "
                                   f"{self.max_depth} levels "
                                   f"({' -> '.join((*parents, call.name))}); simplify the program")
            with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
                definitions = list(pool.map(lambda c: self._definition(c, api),
                                            [c for c, _ in wanted.values()]))
            known |= set(wanted)
            levels.append(definitions)
            frontier = [(d, (*parents, name))
                        for d, (name, (_, parents)) in zip(definitions, wanted.items())]
        return [d for level in reversed(levels) for d in level]

    @staticmethod
    def _missing(program: Program, known: set[str], parents: tuple[str, ...],
                 api: dict[str, Callable]) -> list[checks.CallSite]:
        """Functions `program` calls that do not exist; refuses plain undefined names and
        cycles."""
        calls, plain = program.missing(known - set(parents))
        checks.refuse_unwritable(calls, api)
        if plain:
            names = ", ".join(repr(p.name) for p in plain)
            raise CheckRefused(f"line {plain[0].line}: undefined name(s) {names}; define them "
                               "before use or use the policy API")
        for call in calls:
            if call.name in parents:
                chain = " -> ".join((*parents, call.name))
                raise CheckRefused(f"line {call.line}: helper functions call each other in a "
                                   f"cycle ({chain}); write one function that does the work")
        return calls

    def _definition(self, call: checks.CallSite, api: dict[str, Callable]) -> Program:
        signature = signature_of(call)
        version = self.lmp.prompt.version
        code = self.library.get(call.name, signature, version) if self.library else None
        query = f"{signature} called as {call.source}"
        if code is None:
            code = definition_only(self.lmp.generate(query), call.name)
            if self.library:
                self.library.put(call.name, signature, version, code)
        else:  # stored by an older version, perhaps with example usage
            code = definition_only(code, call.name)
        if self.on_program:
            self.on_program("fgen", query, code)
        return Program.check(code, api)

