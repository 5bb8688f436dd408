"""Static checks: what policy code may and may not say, and the messages a model acts on."""
import pytest

from cap.api import API_FUNCTIONS
from cap.checks import check_api_calls, parse, undefined_calls_and_names
from cap.policy import check_policy
from cap.errors import CheckRefused

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
