"""Hierarchical function generation: define every helper a program calls but nobody wrote.

Depth first: a definition's own missing helpers are generated and defined before it is, so
children exist before their parents run. Siblings are generated concurrently.
"""
from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from cap import checks
from cap.errors import CheckRefused
from cap.executor import check
from cap.lmp import LMP
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

    def ensure(self, code: str, known: set[str], api: dict[str, Callable],
               depth: int = 0, parents: tuple[str, ...] = ()) -> list[str]:
        """Definitions of every function `code` calls that is not in `known`, children first.

        `known` grows by the names defined; running the definitions in order makes `code` whole.
        """
        tree = check(code, api)
        calls, plain = checks.undefined_calls_and_names(tree, code, known)
        if plain:
            names = ", ".join(repr(p.name) for p in plain)
            raise CheckRefused(f"line {plain[0].line}: undefined name(s) {names}; define them "
                               "before use or use the policy API")
        for call in calls:
            if call.name in parents:
                chain = " -> ".join((*parents, call.name))
                raise CheckRefused(f"helper functions call each other in a cycle ({chain}); "
                                   "write one function that does the work")
        if calls and depth >= self.max_depth:
            raise CheckRefused(f"helper functions nest deeper than {self.max_depth} levels "
                               f"({' -> '.join((*parents, calls[0].name))}); simplify the program")
        with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
            definitions = list(pool.map(self._definition, calls))
        ordered: list[str] = []
        for call, definition in zip(calls, definitions):
            ordered += self.ensure(definition, known, api, depth + 1, (*parents, call.name))
            ordered.append(definition)
            known.add(call.name)
        return ordered

    def _definition(self, call: checks.CallSite) -> str:
        signature = signature_of(call)
        version = self.lmp.prompt.version
        code = self.library.get(call.name, signature, version) if self.library else None
        query = f"{signature} called as {call.source}"
        if code is None:
            code = self.lmp.generate(query)
            self._check_defines(code, call.name)
            if self.library:
                self.library.put(call.name, signature, version, code)
        if self.on_program:
            self.on_program("fgen", query, code)
        return code

    @staticmethod
    def _check_defines(code: str, name: str) -> None:
        tree = checks.parse(code)
        if not any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body):
            raise CheckRefused(f"the generated code does not define {name}(); "
                               f"got: {code[:120]!r}")
