"""Runs checked policy code with only the policy API, safe builtins and safe libraries in scope.

This executor runs in the calling process: the static policy (cap.checks) is its only barrier.
See docs/threat-model.md for what that does and does not defend.
"""
from __future__ import annotations

import io
import traceback
import types
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from typing import Callable

from cap import checks
from cap.errors import CapError, ExecutionError, PolicyError
from cap.safe_modules import library_names, module_surfaces
from robots.errors import MotionError

POLICY_FILE = "<policy>"


@dataclass
class Namespace:
    """What a program sees: API functions, libraries, and the session's own variables."""

    api: dict[str, Callable]
    variables: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.surfaces = module_surfaces()
        self.libraries = library_names(self.surfaces)

    def known(self) -> set[str]:
        return set(self.api) | set(self.libraries) | set(self.variables)

    def globals(self) -> dict[str, object]:
        scope_builtins = checks.safe_builtins()
        scope_builtins["__import__"] = self._import
        return {"__builtins__": scope_builtins, "__name__": "policy",
                **self.libraries, **self.api, **self.variables}

    def _import(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level or name not in self.surfaces:
            raise ImportError(f"import of {name!r} is not allowed")
        if fromlist:
            return self.surfaces[name]
        return self.surfaces[name.split(".")[0]]


def run(code: str, namespace: Namespace, persist: bool = True,
        printed: list[str] | None = None) -> dict[str, object]:
    """Check and execute `code`; returns the program's resulting global variables.

    Raises CheckRefused before anything runs, or an error whose message is the policy-code
    traceback. New top-level variables persist in the namespace when `persist` is set.
    """
    tree = checks.parse(code)
    checks.check_policy(tree)
    checks.check_api_calls(tree, namespace.api)
    scope = namespace.globals()
    before = set(scope)
    buffer = io.StringIO()
    try:
        with redirect_stdout(buffer):
            exec(compile(tree, POLICY_FILE, "exec"), scope)  # noqa: S102 (checked above)
    except (CapError, MotionError) as error:
        raise type(error)(f"{error}\n{policy_traceback(error)}") from None
    except Exception as error:  # the program's own bug: report it to the repair loop
        raise ExecutionError(f"{type(error).__name__}: {error}\n{policy_traceback(error)}") \
            from None
    finally:
        if printed is not None and buffer.getvalue():
            printed.append(buffer.getvalue())
    results = {k: v for k, v in scope.items()
               if not k.startswith("__") and (k not in before or k in namespace.variables)}
    if persist:
        namespace.variables.update(
            {k: v for k, v in results.items() if not isinstance(v, types.ModuleType)})
    return results


def policy_traceback(error: BaseException) -> str:
    """The traceback cut to the policy code's own lines."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == POLICY_FILE]
    return "".join(f"  policy line {f.lineno}, in {f.name}\n" for f in frames).rstrip()
