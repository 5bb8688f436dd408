"""Hierarchical function generation: define every helper a program calls but nobody wrote.

Each new definition is analysed the same way, so a helper's own helpers are generated too, down
to a depth limit; all definitions run before the program, so children exist before their
parents run. Every level's functions are generated concurrently.
"""
from __future__ import annotations

import ast
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from cap import checks
from cap.errors import CheckRefused, GenerationError, ModelUnavailable
from cap.lmp import LMP
from cap.origins import located, relabelled
from cap.program import Program
from cap.steps import defines_only
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
class Helper:
    """A generated function: where it came from, and what keys it in the skill library."""

    name: str
    signature: str
    version: int
    code: str
    from_library: bool

    @property
    def label(self) -> str:
        return f"helper {self.name}()" + (" from the skill library" if self.from_library else "")


@dataclass
class FunctionGenerator:
    """Writes missing helpers. The skill library serves verified ones and keeps a new one
    only when `verified` says the command that used it succeeded; `reject` forgets a helper
    that failed and has the next definition of it repair it."""

    lmp: LMP
    library: SkillLibrary | None = None
    max_depth: int = 4
    on_program: Callable[..., None] | None = None  # (lmp, query, code, **details)

    def __post_init__(self) -> None:
        self.helpers: dict[str, Helper] = {}  # every helper this session wrote or took
        self._pending: set[str] = set()  # written for the command under way, not yet verified
        self._failed: dict[str, tuple[str, str]] = {}  # name -> (code, error) to repair
        self._lock = threading.Lock()

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
            definitions = self._define_all([c for c, _ in wanted.values()], api)
            known |= set(wanted)
            levels.append(definitions)
            frontier = [(d, (*parents, name))
                        for d, (name, (_, parents)) in zip(definitions, wanted.items())]
        return [d for level in reversed(levels) for d in level]

    def _define_all(self, calls: list[checks.CallSite], api: dict[str, Callable]
                    ) -> list[Program]:
        """One level's helpers, side by side; a stop abandons the others' model calls."""
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            try:
                return list(pool.map(lambda c: self._definition(c, api), calls))
            except BaseException:
                self.lmp.watch.abandon_all()
                raise

    def begin(self) -> None:
        """A new attempt at a command: nothing it writes is verified yet."""
        self._pending.clear()

    def verified(self) -> None:
        """The command succeeded: keep the helpers it wrote in the library."""
        for helper in (self.helpers[name] for name in sorted(self._pending) if self.library):
            self.library.put(helper.name, helper.signature, helper.version, helper.code)
        self._pending.clear()

    def reject(self, name: str, error: str, reply: str | None = None) -> None:
        """A helper failed: out of the library, and the next definition of it repairs it
        (shown `reply`, the model's reply, or else the helper's code)."""
        helper = self.helpers.get(name)
        if helper is None:
            return
        if helper.from_library and self.library:
            self.library.forget(helper.name, helper.signature, helper.version)
        with self._lock:
            self._failed[name] = (reply or helper.code, error)

    def label(self, name: str) -> str | None:
        """How an error names a helper of this session ("helper f() from the skill library")."""
        helper = self.helpers.get(name)
        return helper.label if helper else None

    def _missing(self, program: Program, known: set[str], parents: tuple[str, ...],
                 api: dict[str, Callable]) -> list[checks.CallSite]:
        """Functions `program` calls that do not exist; refuses plain undefined names and
        cycles (an error in a helper names the helper)."""
        try:
            return self._missing_calls(program, known, parents, api)
        except CheckRefused as error:
            if not parents:
                raise
            self.reject(parents[-1], str(error))
            raise CheckRefused(located(str(error), self.label(parents[-1]))) from None

    @staticmethod
    def _missing_calls(program: Program, known: set[str], parents: tuple[str, ...],
                       api: dict[str, Callable]) -> list[checks.CallSite]:
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
        signature, version = signature_of(call), self.lmp.prompt.version
        query = f"{signature} called as {call.source}"
        with self._lock:
            failed = self._failed.pop(call.name, None)
        stored = self.library.get(call.name, signature, version) \
            if self.library and failed is None else None
        helper = Helper(call.name, signature, version, stored or "", stored is not None)
        try:
            # a stored definition is cut again: it may predate dropping example usage
            helper.code = definition_only(stored or self.lmp.generate(query, failed=failed),
                                          call.name)
            program = Program.check(helper.code, api)
        except (GenerationError, CheckRefused) as error:
            if isinstance(error, ModelUnavailable):
                raise
            with self._lock:
                self.helpers[call.name] = helper
            self.reject(call.name, str(error), getattr(error, "reply", None))
            raise relabelled(error, helper.label) from None
        with self._lock:
            self.helpers[call.name] = helper
            if not helper.from_library:
                self._pending.add(call.name)
        if self.on_program:
            self.on_program("fgen", query, helper.code, library=helper.from_library)
        return program
