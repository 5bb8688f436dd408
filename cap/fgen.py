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
from cap.errors import CheckRefused
from cap.lmp import LMP
from cap.program import Program
from cap.skills import SkillLibrary


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
                for call in self._missing(source, known, parents):
                    wanted.setdefault(call.name, (call, parents))
            if not wanted:
                break
            if len(levels) >= self.max_depth:
                call, parents = next(iter(wanted.values()))
                raise CheckRefused(f"helper functions nest deeper than {self.max_depth} levels "
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
    def _missing(program: Program, known: set[str], parents: tuple[str, ...]
                 ) -> list[checks.CallSite]:
        """Functions `program` calls that do not exist; refuses plain undefined names and
        cycles."""
        calls, plain = program.missing(known - set(parents))
        if plain:
            names = ", ".join(repr(p.name) for p in plain)
            raise CheckRefused(f"line {plain[0].line}: undefined name(s) {names}; define them "
                               "before use or use the policy API")
        for call in calls:
            if call.name in parents:
                chain = " -> ".join((*parents, call.name))
                raise CheckRefused(f"helper functions call each other in a cycle ({chain}); "
                                   "write one function that does the work")
        return calls

    def _definition(self, call: checks.CallSite, api: dict[str, Callable]) -> Program:
        signature = signature_of(call)
        version = self.lmp.prompt.version
        code = self.library.get(call.name, signature, version) if self.library else None
        query = f"{signature} called as {call.source}"
        if code is None:
            code = self.lmp.generate(query)
            self.check_defines(code, call.name)
            if self.library:
                self.library.put(call.name, signature, version, code)
        if self.on_program:
            self.on_program("fgen", query, code)
        return Program.check(code, api)

    @staticmethod
    def check_defines(code: str, name: str) -> None:
        """Refuse a reply that does not define the function asked for."""
        tree = checks.parse(code)
        if not any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body):
            raise CheckRefused(f"the generated code does not define {name}(); "
                               f"got: {code[:120]!r}")
