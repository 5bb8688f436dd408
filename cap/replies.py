"""What a model's reply holds: the Python program in it, read as Markdown is read.

A reply runs whole or not at all: prose around the code, fences and explanations may be
dropped, never a statement of the program. Fences open with ``` or ~~~ (three or more, any
indentation, any info string) and close with the same character repeated at least as often,
on a line of their own or right after the last statement (`say("hi")````). Python is a fence
labelled python, py, python3 or nothing; other languages are ignored. A reply without fences
is code from its first line of code to its last: only prose before and after is dropped, so
a line that does not parse stays in and the checks refuse the program with its syntax error.

Several Python blocks are read by `cap.steps`: steps of one program run in order, blocks
that redo the same work are alternatives and refused. An unclosed fence means the reply was
cut off: it never runs.
"""
from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass

from cap.errors import GenerationError
from cap.steps import one_program

OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)[^`]*$")
PYTHON = {"", "python", "py", "python3", "py3", "pycon", "ipython"}
KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
STRINGS = re.compile(r"""[rbfuRBFU]{0,2}("[^"\n]*"|'[^'\n]*')""")
STATEMENT = re.compile(  # how a line of code starts: a call, an index, an assignment, a keyword
    r"^(?:[A-Za-z_][\w.]*[ \t]*(?:\(|\[|=(?!=)|[-+*/%|&]=)|(?:for|if|elif|else|while|with|"
    r"def|class|return|import|from|try|except|finally|raise|assert|del|pass|break|continue|"
    r"global|nonlocal|yield|async|await|lambda|match|case)\b)")
WORDS_IN_A_ROW = re.compile(r"(?=\b([A-Za-z_]\w*)[ \t]+([A-Za-z_]\w*)\b)")
LIST_ITEM = re.compile(r"^(\d+[.)]|[-*+\u2022>])[ \t]+(?=\S)")
LONE_WORD = re.compile(r"^[A-Za-z][\w'’-]*[.!?:]*$")


class TruncatedReply(GenerationError):
    """The reply was cut off (token limit, or a code fence never closed). `for_model`: what
    the repair request tells the model (the message itself is for the person)."""

    def __init__(self, message: str = "", reply: str | None = None,
                 for_model: str | None = None) -> None:
        super().__init__(message, reply)
        self.for_model = for_model


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int  # where the block starts in the reply (1-based)
    before: str = ""  # the prose between the previous fence and this one


def fenced_blocks(reply: str) -> list[Block]:
    """Every fenced block, in order; TruncatedReply when a fence is left open."""
    lines, blocks, i, prose = reply.splitlines(), [], 0, []
    while i < len(lines):
        opening = OPENING.match(lines[i])
        if not opening:
            prose.append(lines[i])
            i += 1
            continue
        body, j = _body(lines, i + 1, opening["fence"], len(opening["indent"].expandtabs()))
        if j == len(lines):
            raise TruncatedReply(f"the reply ends inside a code block opened on line {i + 1}; "
                                 "it was cut off")
        blocks.append(Block(opening["info"].lower(), "\n".join(body).strip("\n"), i + 1,
                            "\n".join(prose)))
        prose, i = [], j + 1
    return blocks


def _body(lines: list[str], start: int, fence: str, indent: int) -> tuple[list[str], int]:
    """The lines of a block and the index of its closing line (len(lines): never closed).
    A fence right after code on the same line closes the block too."""
    closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    trailing = re.compile(rf"^(?P<code>.*[^{re.escape(fence[0])}\s])[ \t]*"
                          rf"{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    body = []
    for j in range(start, len(lines)):
        if closing.match(lines[j]):
            return body, j
        last = trailing.match(lines[j])
        if last and not _is_code(lines[j].strip()):
            body.append(_dedent(last["code"], indent))
            return body, j
        body.append(_dedent(lines[j], indent))
    return body, len(lines)


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
        return one_program(_unique(python))
    code = unfenced_program(reply)
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


CUT_SHORT = ("never closed", "unexpected EOF", "expected an indented block", "unterminated")


def broken_before_the_cut(reply: str) -> str | None:
    """In a reply cut off at the token limit, a syntax error before its last line (`line N:
    what`): more room to write would not mend it. None when the code so far is whole."""
    lines = reply.splitlines()[:-1]
    fences = [opening["fence"] for opening in map(OPENING.match, lines) if opening]
    try:  # the code so far: its fence closed where the reply was cut
        blocks = [b for b in fenced_blocks("\n".join(lines + fences[-1:])) if _is_python(b)]
    except TruncatedReply:
        return None
    code = unfenced_program("\n".join(lines)) if not fences else \
        blocks[-1].code if blocks else None
    if not code:
        return None
    try:
        ast.parse(code)
    except SyntaxError as error:  # the cut line is left out: what remains is whole lines
        if not any(words in error.msg for words in CUT_SHORT):
            return f"line {error.lineno}: {error.msg}"
    return None


def unfenced_program(reply: str) -> str | None:
    """The program of a reply without fences: from its first line of code to its last, with
    the comments just above it (prose before and after dropped); None when it holds none."""
    lines = reply.strip("\n").splitlines()
    kinds = [_line_kind(line) for line in lines]
    code = [i for i, kind in enumerate(kinds) if kind == "code"]
    if not code:
        return None
    first, last = code[0], code[-1]
    while first > 0 and kinds[first - 1] == "comment":
        first -= 1
    return "\n".join(lines[first:last + 1])


def _line_kind(line: str) -> str:
    """"code", "prose", "comment" or "blank" for one line of an unfenced reply."""
    text = line.strip()
    if not text:
        return "blank"
    if text.startswith("#"):
        return "comment"
    return "prose" if _is_prose_line(line) else "code"


def _is_prose_line(line: str) -> bool:
    """A sentence, a heading or a list item of either: words in a row outside strings (no line
    of Python has them but around keywords), a lone word ("Sure", "Done.", "Steps:"), a lone
    name or a bare annotation ("Note: blocks") at the margin. A line that starts as a
    statement does (a call, an assignment, a keyword) is code, even when it does not parse
    alone."""
    text = line.strip()
    if item := LIST_ITEM.match(text):  # a list item is prose when what it says is
        text, line = text[item.end():], text[item.end():]
    if STATEMENT.match(text):
        return False
    try:
        tree = ast.parse(text)
    except SyntaxError:
        bare = STRINGS.sub(" ", text.split(" #")[0])
        lone_word = LONE_WORD.match(text) is not None and text.rstrip(".!?:") not in KEYWORDS
        return lone_word or any(a not in KEYWORDS and b not in KEYWORDS
                                for a, b in WORDS_IN_A_ROW.findall(bare))
    at_margin = line[:1] not in (" ", "\t")
    return at_margin and bool(tree.body) and all(_is_prose(node) for node in tree.body)


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
