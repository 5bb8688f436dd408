"""What a model's reply holds: the Python program in it, read as Markdown is read.

Fences open with ``` or ~~~ (three or more, any indentation, any info string) and close with
the same character repeated at least as often. Python is a fence labelled python, py, python3
or nothing; other languages are ignored, prose around code is dropped. A reply without fences
is taken as code when it parses as a program (its longest parsable span, prose trimmed).

Several Python blocks are one program when at most one of them acts (the others only define
functions, import or set constants); two blocks that both act are alternatives, and running
both would do the task twice, so the reply is refused with a request for one program. An
unclosed fence means the reply was cut off: it never runs.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from cap.errors import GenerationError

OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)[^`]*$")
PYTHON = {"", "python", "py", "python3", "py3", "pycon", "ipython"}


class TruncatedReply(GenerationError):
    """The reply was cut off (token limit, or a code fence never closed)."""


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int  # where the block starts in the reply (1-based)


def fenced_blocks(reply: str) -> list[Block]:
    """Every fenced block, in order; TruncatedReply when a fence is left open."""
    lines, blocks, i = reply.splitlines(), [], 0
    while i < len(lines):
        opening = OPENING.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"].expandtabs())
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body, j = [], i + 1
        while j < len(lines) and not closing.match(lines[j]):
            body.append(_dedent(lines[j], indent))
            j += 1
        if j == len(lines):
            raise TruncatedReply(f"the reply ends inside a code block opened on line {i + 1}; "
                                 "it was cut off")
        blocks.append(Block(opening["info"].lower(), "\n".join(body).strip("\n"), i + 1))
        i = j + 1
    return blocks


def _dedent(line: str, indent: int) -> str:
    """Remove up to `indent` columns of the fence's own indentation (a list item's)."""
    expanded = line.expandtabs()
    removable = len(expanded) - len(expanded.lstrip(" "))
    return expanded[min(indent, removable):]


def extract_code(reply: str) -> str:
    """The one Python program of a reply; GenerationError when it holds none or several."""
    blocks = fenced_blocks(reply)
    if blocks:
        python = [b for b in blocks if _is_python(b)]
        if not python:
            languages = ", ".join(sorted({b.language or "unlabelled" for b in blocks}))
            raise GenerationError(f"the reply's code blocks are not Python ({languages}); "
                                  "reply with one ```python block")
        return _one_program(_unique(python))
    code = _longest_program(reply)
    if code is None:
        raise GenerationError("the model's reply held no Python code: "
                              f"{reply.strip()[:200]!r}; reply with code only")
    return code


def _is_python(block: Block) -> bool:
    """Labelled Python (syntax errors are for the checks to name), or an unlabelled block
    that parses (an unlabelled block of output or prose is not a program)."""
    if not block.code.strip() or block.language not in PYTHON:
        return False
    return bool(block.language) or _is_code(block.code)


def _unique(blocks: list[Block]) -> list[Block]:
    seen, out = set(), []
    for block in blocks:
        if block.code not in seen:
            seen.add(block.code)
            out.append(block)
    return out


def _one_program(blocks: list[Block]) -> str:
    acting = [b for b in blocks if _acts(b.code)]
    if len(acting) > 1:
        starts = ", ".join(str(b.line) for b in acting)
        raise GenerationError(f"the reply holds {len(acting)} alternative programs (code blocks "
                              f"starting on lines {starts}); reply with exactly one program")
    return "\n\n".join(b.code for b in blocks)


def _acts(code: str) -> bool:
    """Whether a block does something when run, beyond defining functions and constants."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return True  # not ours to judge here: the checks will name the syntax error
    return any(not defines_only(node) for node in tree.body)


def defines_only(node: ast.stmt) -> bool:
    """A statement that only defines (a function, an import, a constant without calls)."""
    if isinstance(node, (ast.FunctionDef, ast.Import, ast.ImportFrom, ast.Pass)):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return True  # a docstring or a stray string
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        return not any(isinstance(n, ast.Call) for n in ast.walk(node.value))
    return False


def _longest_program(reply: str) -> str | None:
    """The longest run of lines that parses as a program (prose before and after dropped)."""
    lines = reply.strip("\n").splitlines()
    for length in range(len(lines), 0, -1):
        for start in range(0, len(lines) - length + 1):
            candidate = "\n".join(lines[start:start + length])
            if _is_code(candidate):
                return candidate.strip("\n")
    return None


def _is_code(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    return bool(tree.body) and all(not _is_prose(node) for node in tree.body)


def _is_prose(node: ast.stmt) -> bool:
    """A lone name or constant ("Sure", "Done.") or a bare annotation ("Note: blocks") is how
    a sentence of prose happens to parse; no program says these."""
    if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Name, ast.Constant)):
        return True
    return isinstance(node, ast.AnnAssign) and node.value is None
