"""The safety policy on a program's syntax tree: an allow-list of node types.

Every node type is known safe, checked (each name it carries as a plain string meets the rules
for names, attributes, bindings and imports), or refused with its line. A node type this module
does not know (a newer Python's syntax) is refused, and so is a string field of a known node
that no rule reads. Python's parser applies NFKC normalisation to identifiers, so a fullwidth
`ｏｐｅｎ` arrives here as `open` and meets the same rules.
"""
from __future__ import annotations

import ast
import string
from typing import Callable, Iterator

from cap.checks import SUGGEST, defined_names
from cap.errors import CheckRefused
from cap.safe_modules import ALLOWED_MODULES, surface_names

# builtins a program may never reach, even by a name it binds itself
DANGEROUS = frozenset("""
exec eval compile open getattr setattr delattr globals locals vars __import__ breakpoint
memoryview
""".split())
# builtins policy code does not get; a program may still bind these names as its own variables
UNAVAILABLE = DANGEROUS | frozenset("""
input dir type help object super classmethod staticmethod property exit quit id hasattr
""".split())
# attributes of interpreter internals: frames, code, generators, coroutines, tracebacks,
# Cython functions (func_globals, func_closure), closure cells
INTERNAL_PREFIXES = ("gi_", "cr_", "ag_", "f_", "tb_", "co_", "func_", "im_")
# files, processes, raw memory (pointers, C function pointers), states, string evaluation
FORBIDDEN_ATTRIBUTES = frozenset("""
cell_contents mro tofile dump dumps load save fromfile loadtxt savetxt genfromtxt memmap
DataSource f2py testing stride_tricks lib os sys subprocess
ctypes ctypeslib cffi capsule state_address data array_interface bit_generator state getstate
setstate get_state set_state evaluate evaluate_bound evaluate_constraints evaluate_default
evaluate_value
""".split())
GENERATORS = ("generators, async and await are not allowed in policy code; build and return a "
              "list instead")
MATCH = "match statements are not allowed in policy code; use if/elif"
TYPE_PARAMETERS = ("type parameters are not allowed in policy code; leave the function generic "
                   "or use typing.TypeVar")
REFUSED = {
    "ClassDef": "only plain functions (def) may be defined, no classes; use a dict or a tuple "
                "for data",
    **dict.fromkeys(["AsyncFunctionDef", "AsyncFor", "AsyncWith", "Await", "Yield", "YieldFrom"],
                    GENERATORS),
    **dict.fromkeys(["Match", "match_case", "MatchValue", "MatchSingleton", "MatchSequence",
                     "MatchStar", "MatchMapping", "MatchClass", "MatchAs", "MatchOr"], MATCH),
    "TypeAlias": "type aliases (type X = ...) are not allowed in policy code; assign the type "
                 "to a name",
    **dict.fromkeys(["TypeVar", "ParamSpec", "TypeVarTuple"], TYPE_PARAMETERS),
    **dict.fromkeys(["TemplateStr", "Interpolation"],
                    "template strings (t-strings) are not allowed in policy code; use an f-string"),
    **dict.fromkeys(["Interactive", "Expression", "FunctionType", "TypeIgnore"],
                    "this is not a policy program"),
}
# node types that carry no name as a string and cannot reach anything by themselves
SAFE = frozenset("""
Module Expr Pass Break Continue Return Delete Assign AugAssign AnnAssign For While If With Raise
Try TryStar Assert BoolOp BinOp UnaryOp Lambda IfExp Dict Set ListComp SetComp DictComp
GeneratorExp Compare Call FormattedValue JoinedStr Constant Subscript Starred List Tuple Slice
NamedExpr arguments withitem Load Store Del And Or Add Sub Mult MatMult Div Mod Pow LShift
RShift BitOr BitXor BitAnd FloorDiv Invert Not UAdd USub Eq NotEq Lt LtE Gt GtE Is IsNot In NotIn
""".split())
# the field holding the names each binding node binds (an import alias binds its first part)
BINDING_FIELDS = {"Global": "names", "Nonlocal": "names", "FunctionDef": "name", "arg": "arg",
                  "ExceptHandler": "name"}
# the string fields of known nodes; each is read by a rule below or is data (a constant)
STRING_FIELDS = {
    "Name": {"id"}, "Attribute": {"attr"}, "FunctionDef": {"name", "type_comment"},
    "arg": {"arg", "type_comment"}, "keyword": {"arg"}, "alias": {"name", "asname"},
    "ImportFrom": {"module"}, "Global": {"names"}, "Nonlocal": {"names"},
    "ExceptHandler": {"name"}, "Constant": {"value", "kind"}, "Assign": {"type_comment"},
    "For": {"type_comment"}, "With": {"type_comment"},
}


def check_policy(tree: ast.AST) -> None:
    """Refuse what is not known to be safe: syntax outside the allow-list, dunder names,
    private and internal attributes, dangerous builtins, imports beyond the allowed modules.
    Names the program binds are its own."""
    bound = defined_names(tree)
    for node, line in _nodes(tree):
        problem = _problem(node, bound)
        if problem:
            raise CheckRefused(f"line {line}: {problem}")


def _nodes(tree: ast.AST) -> Iterator[tuple[ast.AST, int | str]]:
    """Every node, depth first in source order, with its line (or its nearest ancestor's:
    operators, comprehensions and other parts have none)."""
    todo = [(tree, "?")]
    while todo:
        node, line = todo.pop()
        line = getattr(node, "lineno", None) or line
        yield node, line
        todo.extend((child, line) for child in reversed(list(ast.iter_child_nodes(node))))


def _problem(node: ast.AST, bound: set[str]) -> str | None:
    kind = type(node).__name__
    if kind in REFUSED:
        return REFUSED[kind]
    if kind not in SAFE and kind not in RULES:
        return (f"{kind} syntax is not known to the policy checker, so it is refused; "
                "write plain Python")
    unread = [field for field, value in ast.iter_fields(node) if _has_string(value)
              and field not in STRING_FIELDS.get(kind, ())]
    if unread:
        return f"{kind}.{unread[0]} carries a name the policy checker does not read; refused"
    return RULES[kind](node, bound) if kind in RULES else None


def _has_string(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, list)
                                      and any(isinstance(v, str) for v in value))


def _check_name(node: ast.Name, bound: set[str]) -> str | None:
    if node.id == "__name__" and isinstance(node.ctx, ast.Load):
        return None  # reads "__main__": the `if __name__ == "__main__":` guard runs its body
    if problem := _identifier(node.id):
        return problem
    if node.id in DANGEROUS or (node.id in UNAVAILABLE and node.id not in bound):
        hint = f"; use {SUGGEST[node.id]} instead" if node.id in SUGGEST else ""
        return f"{node.id!r} is not available to policy code{hint}"
    return None


def _check_attribute(node: ast.Attribute, bound: set[str]) -> str | None:
    """Attribute access, the one way policy code reaches into objects."""
    name = node.attr
    if name.startswith("_"):
        return (f"attribute {name!r}: attributes starting with an underscore are not allowed; "
                "use the public API")
    if name in FORBIDDEN_ATTRIBUTES or name.startswith(INTERNAL_PREFIXES):
        return (f"attribute {name!r} is not allowed in policy code (no files, memory, pointers "
                "or interpreter internals)")
    if name in ("format", "format_map") and not _plain_format_string(node.value):
        return ("str.format is allowed only on a string literal whose fields are plain ({}, {0}, "
                "{name}, {:.2f}); use an f-string")
    return None


def _plain_format_string(value: ast.expr) -> bool:
    """A literal format string whose fields reach no attribute or item ("{0.x}", "{a[k]}")."""
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return False
    try:
        fields = [(name, spec) for _, name, spec, _ in string.Formatter().parse(value.value)
                  if name is not None]
    except ValueError:
        return False
    return all((name == "" or name.isdigit() or name.isidentifier()) and "{" not in spec
               for name, spec in fields)


def _identifier(name: str) -> str | None:
    if name.startswith("__"):
        return f"names starting with two underscores ({name!r}) are not allowed"
    return None


def _binding(name: str) -> str | None:
    """A name the program binds (argument, function, import alias, global, exception)."""
    if name in DANGEROUS:
        return f"{name!r} is not available to policy code, not even as a name of its own"
    return _identifier(name)


def _check_bindings(node: ast.AST, bound: set[str]) -> str | None:
    if isinstance(node, ast.alias):
        names = [node.asname or node.name.split(".")[0]]
    else:
        value = getattr(node, BINDING_FIELDS[type(node).__name__])
        names = value if isinstance(value, list) else [value]
    return next((problem for problem in map(_binding, filter(None, names)) if problem), None)


def _check_keyword(node: ast.keyword, bound: set[str]) -> str | None:
    return _identifier(node.arg) if node.arg else None


def _check_comprehension(node: ast.comprehension, bound: set[str]) -> str | None:
    return GENERATORS if node.is_async else None


def _check_import(node: ast.Import | ast.ImportFrom, bound: set[str]) -> str | None:
    allowed = ", ".join(sorted(ALLOWED_MODULES))
    if isinstance(node, ast.Import):
        return next((f"import of {alias.name!r} is not allowed; allowed modules: {allowed}"
                     for alias in node.names if alias.name not in ALLOWED_MODULES), None)
    if node.module == "__future__":
        if any(alias.name != "annotations" for alias in node.names):
            return "only 'from __future__ import annotations' is allowed"
        return None
    if node.level or node.module not in ALLOWED_MODULES:
        return f"import of {node.module!r} is not allowed; allowed modules: {allowed}"
    names = surface_names(node.module)
    return next((f"cannot import {alias.name!r} from {node.module}; it is not among the allowed "
                 f"names (import {node.module} and use what it offers, or write it yourself)"
                 for alias in node.names if alias.name != "*" and alias.name not in names), None)


RULES: dict[str, Callable[[ast.AST, set[str]], str | None]] = {
    "Name": _check_name, "Attribute": _check_attribute, "keyword": _check_keyword,
    "Import": _check_import, "ImportFrom": _check_import, "comprehension": _check_comprehension,
    **dict.fromkeys(["Global", "Nonlocal", "FunctionDef", "arg", "ExceptHandler", "alias"],
                    _check_bindings),
}
