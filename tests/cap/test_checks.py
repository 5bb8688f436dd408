"""Static checks: what policy code may and may not say, and the messages a model acts on."""
import ast
import sys

import pytest

from cap import policy
from cap.api import API_FUNCTIONS
from cap.checks import check_api_calls, parse, undefined_calls_and_names
from cap.errors import CheckRefused
from cap.policy import check_policy

REFUSED = {
    "import os": "import of 'os' is not allowed",
    "from subprocess import run": "import of 'subprocess'",
    "open('/etc/passwd')": "'open' is not available",
    "eval('1+1')": "'eval' is not available",
    "x = ().__class__": "underscore",
    "__secret = 1": "two underscores",
    "def f(__x): pass": "two underscores",
    "x = say._private": "underscore",
    "if __name__ == '__main__':\n    __name__ = 'x'": "two underscores",
    "g = (i for i in []); g.gi_frame": "attribute 'gi_frame'",
    "def gen():\n    yield 1": "generators",
    "np.load('x.npy')": "attribute 'load'",
    "np.ctypeslib": "attribute 'ctypeslib'",
    "'{0.__class__}'.format(1)": "use an f-string",
    "'{a[0]}'.format(a=[1])": "use an f-string",
    "template = '{}'\ntemplate.format(1)": "use an f-string",
    "type = 3\nexec('x')": "'exec' is not available",
    "from collections import namedtuple": "allowed names",
    "class A: pass": "no classes",
    "ｏｐｅｎ('x')": "'open' is not available",  # fullwidth letters normalise to open
    "from typing import get_type_hints": "allowed names",
    "getattr(np, 'load')": "'getattr' is not available",
    "type(1)": "'type' is not available",
    # pattern matching carries attribute names and bindings as strings: refused, with its line
    "x = 1\ny = 2\nmatch x:\n    case 1:\n        pass":
        "line 3: match statements are not allowed in policy code",
    "match say:\n    case object(__globals__=g):\n        pass": "line 1: match statements",
    "def f(s):\n    match s:\n        case str(format=f):\n            return f":
        "line 2: match statements",
    "match {}:\n    case {**rest}:\n        pass": "match statements",
    # every other name carried as a string: bindings and keyword names
    "import math as open": "'open' is not available to policy code, not even as a name",
    "from math import pi as __name__": "two underscores",
    "try:\n    pass\nexcept Exception as __builtins__:\n    pass": "two underscores",
    "global __builtins__": "two underscores",
    "def f():\n    def g():\n        nonlocal __x\n    return g": "two underscores",
    "say(__class__=1)": "two underscores",
    "def eval(x):\n    return x": "'eval' is not available",
    "x = [i async for i in y]": "line 1: generators, async and await",
    # pointer-giving and interpreter-internal attributes
    "x = np.random.default_rng().bit_generator": "attribute 'bit_generator'",
    "x = rng.cffi": "attribute 'cffi'",
    "x = np.random.default_rng.func_globals": "attribute 'func_globals'",
    "x = f.func_closure[0].cell_contents": "attribute 'cell_contents'",
    "x = a.ctypes.data_as": "attribute 'ctypes'",
}


@pytest.mark.parametrize("code, message", REFUSED.items())
def test_policy_refuses_with_a_rule_a_model_can_act_on(code, message):
    with pytest.raises(CheckRefused, match=message.replace("(", r"\(").replace("*", r"\*")):
        check_policy(parse(code))


@pytest.mark.parametrize("code", [
    "import numpy as np\nx = np.linalg.norm(np.array([3, 4]))",
    "from shapely.geometry import Point\np = Point(0, 0).buffer(1)",
    "import math\ny = math.cos(0)",
    "names = [n for n in get_obj_names() if 'block' in n]",
    "def helper(a, b=2):\n    return a + b",
    "for _ in range(3):\n    say('hi')",
    "from typing import List\nfrom __future__ import annotations",
    "import itertools, random, functools\nfrom collections import Counter, defaultdict",
    "from shapely.geometry import *",
    "def _center(names):\n    return names[0]",
    "if __name__ == '__main__':\n    say('hi')",
    "try:\n    x = 1\nexcept (TypeError, AttributeError):\n    pass",
    "for object in get_obj_names():\n    say(object)",
    "for type in ['a']:\n    dir = type\n    input = dir",
    "x = pow(2, 3) + ord('a') + len(repr(1)) + next(iter([1]))",
    "d = 3.0\nsay('{:.0f} cm'.format(d))",
    "say('{name} at {0}'.format(1, name='x'))",
    "x = np.r_[1, 2]\ny = isinstance(x[0], np.integer)",
    "match = 3\ncase = [match]\nsay(str(case))",  # soft keywords as plain names
    "with np.errstate(all='ignore'):\n    y = 1 / np.zeros(1)",
    "def f(*args, **kwargs):\n    return args, kwargs\ng = lambda a, *b, c=1, **d: a",
    "try:\n    x = 1\nexcept* ValueError:\n    pass",
    "count = 0\ndef bump():\n    global count\n    count += 1",
    "x: int = 3\ny = (z := 3) + 1\nassert y, 'm'\ndel y",
    "s = f'{x!r:>10} {x:.{2}f}'\nd = {**{'a': 1}}\nt = {i: i for i in range(3) if i}",
    "import numpy.linalg as la\nfrom numpy import *\nfrom math import pi as PI",
    "rng = np.random.default_rng(0)\nx = rng.normal(size=3)\nok = isinstance(x, np.ndarray)",
])
def test_ordinary_policy_code_passes(code):
    check_policy(parse(code))


def test_syntax_errors_name_the_line():
    with pytest.raises(CheckRefused, match="line 2: syntax error"):
        parse("x = 1\nx = = 2")


def test_api_calls_are_checked_against_signatures():
    api = {name: (lambda obj, target: None) for name in ["put_first_on_second"]}
    with pytest.raises(CheckRefused, match="put_first_on_second"):
        check_api_calls(parse("put_first_on_second('red block')"), api)
    with pytest.raises(CheckRefused, match="unexpected keyword"):
        check_api_calls(parse("put_first_on_second('a', 'b', speed=3)"), api)
    check_api_calls(parse("put_first_on_second('a', target='b')"), api)
    assert "put_first_on_second" in API_FUNCTIONS


def test_undefined_functions_and_plain_names_are_told_apart():
    code = "pts = make_circle(center, r=0.1)\nfor p in pts:\n    goto_pos(p)\ndef local(): pass\nlocal()"
    calls, plain = undefined_calls_and_names(parse(code), code, {"goto_pos"})
    assert [c.name for c in calls] == ["make_circle"]
    assert calls[0].source == "make_circle(center, r=0.1)"
    assert [p.name for p in plain] == ["center"]


DEPRECATED = {"Num", "Str", "Bytes", "NameConstant", "Ellipsis", "Index", "ExtSlice", "Suite",
              "AugLoad", "AugStore", "Param"}  # never produced by the parser; refused if seen
ABSTRACT = {"AST", "mod", "stmt", "expr", "expr_context", "boolop", "operator", "unaryop", "cmpop",
            "excepthandler", "pattern", "type_ignore", "type_param", "slice"}


def test_every_node_type_of_this_python_is_safe_checked_or_refused():
    concrete = {c.__name__ for c in vars(ast).values() if isinstance(c, type)
                and issubclass(c, ast.AST)} - DEPRECATED - ABSTRACT
    classified = policy.SAFE | set(policy.RULES) | set(policy.REFUSED)
    assert concrete <= classified, concrete - classified


def test_syntax_the_checker_does_not_know_is_refused():
    class Lazy(ast.stmt):  # what a future Python might add
        _fields = ()
    tree = parse("x = 1")
    tree.body.append(Lazy(lineno=2, col_offset=0))
    with pytest.raises(CheckRefused, match="line 2: Lazy syntax is not known"):
        check_policy(tree)


def test_a_string_field_no_rule_reads_is_refused():
    tree = parse("x = 1\nsay(x)")
    call = tree.body[1].value
    call._fields = (*ast.Call._fields, "attr_name")  # a future field naming an attribute
    call.attr_name = "__globals__"
    with pytest.raises(CheckRefused, match="line 2: Call.attr_name carries a name"):
        check_policy(tree)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type parameters arrived in Python 3.12")
@pytest.mark.parametrize("code", ["type Point = tuple[float, float]", "def f[T](x: T) -> T:\n"
                                  "    return x"])
def test_type_parameter_syntax_is_refused(code):
    with pytest.raises(CheckRefused, match="line 1: type"):
        check_policy(parse(code))


@pytest.mark.skipif(sys.version_info < (3, 14), reason="template strings arrived in Python 3.14")
def test_template_strings_are_refused():
    with pytest.raises(CheckRefused, match="line 1: template strings"):
        check_policy(parse("x = t'{say}'"))
