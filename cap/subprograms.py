"""The language sub-programs policy code calls (parse_obj_name, parse_position, parse_question,
transform_shape_pts): each call has its own LMP write code that the worker runs, returning
its `ret_val`. A sub-program whose reply failed is repaired when the command asks the same
question again (its reply and error shown to the model), never served again from the cache."""
from __future__ import annotations

from typing import Callable

import numpy as np

from cap.errors import CheckRefused, ExecutionError, GenerationError, ModelUnavailable
from cap.fgen import FunctionGenerator
from cap.lmp import LMP
from cap.origins import relabelled
from cap.program import Program
from cap.sandbox.controller import Subprogram


class LanguageFunctions:
    """`context()`: the objects on the table as a program is shown them; `record(lmp, query,
    code)`: hears of each sub-program written."""

    def __init__(self, context: Callable[[], str], record: Callable[..., None]) -> None:
        self._context, self._record = context, record
        self._lmps: dict[str, LMP] | None = None
        self.ran: list[tuple[str, tuple, str]] = []  # (lmp, key, code) in this attempt
        self._failures: dict[tuple, tuple[str, str]] = {}  # key -> (reply, error)

    def connect(self, lmps: dict[str, LMP], fgen: FunctionGenerator, signatures: dict,
                builtin_names: set[str]) -> None:
        """The model's LMPs and helpers (without them, calls fail: no language model)."""
        self._lmps, self._fgen = lmps, fgen
        self._signatures, self._builtin_names = signatures, builtin_names

    def begin_command(self) -> None:
        self._failures.clear()

    def failed(self, lmp: str, error: str) -> None:
        """The last `lmp` sub-program that ran failed: the next one asked the same repairs it."""
        ran = [(key, code) for name, key, code in self.ran if name == lmp]
        if ran:
            self._failures.setdefault(ran[-1][0], (ran[-1][1], error))

    def functions(self) -> dict[str, Callable]:
        """The sub-programs; a context left out is the objects on the table, as the
        top-level program was shown them."""
        def parse_obj_name(description: str, context: str = ""):
            return self._generate("parse_obj_name", description, context or self._context())

        def parse_position(description: str, context: str = ""):
            return self._generate("parse_position", description, context)

        def parse_question(question: str, context: str = ""):
            return self._generate("parse_question", question, context or self._context())

        def transform_shape_pts(description: str, shape_pts):
            return self._generate("transform_shape_pts", description,
                                  shape_pts=np.asarray(shape_pts, dtype=float))

        return {f.__name__: f for f in (parse_obj_name, parse_position, parse_question,
                                        transform_shape_pts)}

    def _generate(self, name: str, query, context: str = "", **variables) -> Subprogram:
        """Generate a sub-program for the worker to run; it returns its `ret_val`."""
        if self._lmps is None:
            raise ExecutionError(f"{name} needs a language model; run with --llm")
        lmp, key = self._lmps[name], (name, str(query), str(context))
        code = ""
        try:
            code = lmp.generate(str(query), str(context), failed=self._failures.pop(key, None))
            self._record(name, str(query), code)
            self.ran.append((name, key, code))
            program = Program.check(code, self._signatures)
        except (GenerationError, CheckRefused) as error:
            if isinstance(error, ModelUnavailable):
                raise
            self._failures[key] = (getattr(error, "reply", None) or code, str(error))
            raise relabelled(error, f"the {name} program") from None
        context = str(context) if lmp.prompt.exec_context else ""
        known = self._builtin_names | set(variables)
        if context:
            known |= Program.check(context, self._signatures).defines
        definitions = self._fgen.ensure(program, known, self._signatures)
        return Subprogram(name, code, [d.code for d in definitions], context, variables,
                          lmp.prompt.return_var)
