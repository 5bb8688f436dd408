"""A checked program: parsed once, refused or accepted by the static checks, and carrying
what it defines and what it uses. Function generation, the session and the sandbox all take
this object rather than source text."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable

from cap import checks, policy


@dataclass(frozen=True)
class Program:
    code: str
    tree: ast.Module
    defines: frozenset[str]  # every name it binds (variables, functions, imports)

    @classmethod
    def check(cls, code: str, api: dict[str, Callable]) -> "Program":
        """Parse `code` and apply the safety policy and the API signatures (CheckRefused)."""
        tree = checks.parse(code)
        policy.check_policy(tree)
        checks.check_api_calls(tree, api)
        return cls(code, tree, frozenset(checks.defined_names(tree)))

    def functions(self) -> frozenset[str]:
        """The functions it defines at its top level."""
        return frozenset(n.name for n in self.tree.body if isinstance(n, ast.FunctionDef))

    def missing(self, known: set[str]) -> tuple[list[checks.CallSite], list[checks.CallSite]]:
        """Names it uses that neither it nor `known` binds: (called, used as values)."""
        return checks.undefined_calls_and_names(self.tree, self.code, known)
