"""Where an error came from, in words: the command's program, a language sub-program or a
helper function, each with its own line numbers.

The worker compiles every program under one file name, so its tracebacks read `policy line N,
in NAME`, and a sub-program's frames come before those of the program that called it: each
program's frames start at its `<module>`. `Origins.explain` turns them into `at line N of the
parse_position program` and says which helpers and which sub-program the error passed through,
so the session can have exactly those written again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from cap.errors import CapError

FRAME = re.compile(r"^\s*policy line (\d+), in (\S+)$")
LINE = re.compile(r"^line (\d+): ")
NAMED_PROGRAM = re.compile(r"\bthe (\w+) program\b")


def located(message: str, where: str | None) -> str:
    """`line 3: ...` becomes `line 3 of WHERE: ...`; another message gets `WHERE: ` before it."""
    if where is None:
        return message
    if line := LINE.match(message):
        return f"line {line[1]} of {where}: {message[line.end():]}"
    return f"{where}: {message}"


def relabelled(error: CapError, where: str) -> CapError:
    """The same error (its reply too), its message saying which program it comes from."""
    named = type(error)(located(str(error), where))
    named.__dict__.update({k: v for k, v in vars(error).items() if k not in vars(named)
                           or vars(named)[k] is None})
    return named


@dataclass
class Explained:
    message: str
    helpers: set[str] = field(default_factory=set)  # helpers the error passed through
    subprogram: str | None = None  # the sub-program (its LMP's name) the error came from


@dataclass
class Origins:
    """What ran in one attempt: the main program's name, the sub-programs generated in order,
    and how the session names a helper (None: not a helper)."""

    main: str
    subprograms: list[str]
    helper_label: Callable[[str], str | None]

    def explain(self, message: str) -> Explained:
        lines = message.split("\n")
        head = len(lines)
        while head > 0 and FRAME.match(lines[head - 1]):
            head -= 1
        groups: list[list[tuple[str, str]]] = []  # innermost program first
        for frame in (FRAME.match(line) for line in lines[head:]):
            if frame[2] == "<module>" or not groups:
                groups.append([])
            groups[-1].append((frame[1], frame[2]))
        groups.reverse()
        labels = [self.main] + [self._subprogram(len(groups) - g) for g in range(1, len(groups))]
        explained = Explained("")
        trace = [line for label, group in zip(labels, groups)
                 for line in self._lines(label, group, explained.helpers)]
        explained.message = "\n".join(lines[:head] + trace)
        innermost = labels[-1] if len(groups) > 1 else lines[0]
        if named := NAMED_PROGRAM.search(innermost):
            explained.subprogram = named[1] if named[1] in self.subprograms else None
        return explained

    def _subprogram(self, depth: int) -> str:
        """The label of the sub-program `depth` levels from the innermost (1: innermost)."""
        if depth <= len(self.subprograms):
            return f"the {self.subprograms[-depth]} program"
        return "a sub-program"

    def _lines(self, label: str, group: list[tuple[str, str]], helpers: set[str]) -> list[str]:
        out, current = [], label
        for line, name in group:
            helper = None if name.startswith("<") else self.helper_label(name)
            if helper:
                current = helper
                helpers.add(name)
            elif name == "<module>":
                current = label
            elif not name.startswith("<"):  # a function the program defines itself
                current = f"{label} (in {name}())"
            out.append(f"  at line {line} of {current}")
        return out
