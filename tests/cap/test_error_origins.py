"""An error names the program it comes from (the command's program, a sub-program, a helper)
with that program's own line, and a sub-program whose reply failed is written again, not
served from the response cache."""
import pytest

from cap.config import SessionConfig, cap_home
from cap.llm.cache import CachedModel
from cap.session import Session
from sim.scene import SceneSpec

SCENE = SceneSpec(("red",), ("blue",), seed=1)


def session_for(model, repairs=0):
    return Session(SessionConfig(SCENE, perception="oracle", max_repairs=repairs), model)


@pytest.mark.parametrize("program, replies, words", [
    ("x = 1\nsay(str(helper(2)))",
     {"def helper(": "def helper(n):\n    y = n\n    return y / 0"},
     ["ZeroDivisionError", "  at line 2 of the command's program\n"
                           "  at line 3 of helper helper()"]),
    ("x = 1\np = parse_position('the spot')\nsay(str(p))",
     {"# the spot": "a = 1\nret_val = 1 / 0"},
     ["  at line 2 of the command's program\n  at line 2 of the parse_position program"]),
    ("p = parse_question('how many', 'objects = []')\nsay(str(p))",
     {"# how many": "n = 3"},
     ["the parse_question program assigned no ret_val\n"
      "  at line 1 of the command's program"]),
    ("p = parse_position('the bad spot')\nsay(str(p))",
     {"# the bad spot": "x = 1\nimport os\nret_val = 1"},
     ["line 2 of the parse_position program: import of 'os'",
      "at line 1 of the command's program"]),
    ("say(str(hc(1)))", {"def hc(": "def hc(n):\n    return n + n_per_side"},
     ["line 2 of helper hc(): undefined name(s) 'n_per_side'"]),
    ("tidy_up()", {"def tidy_up(": "I'm not sure what tidy up means here."},
     ["helper tidy_up(): the model's reply held no Python code"]),
    ("def twice(n):\n    return n * undefined_value\nsay(str(twice(2)))", {},
     ["line 2: undefined name(s) 'undefined_value'"]),
])
def test_the_error_names_its_program_and_that_programs_line(llm_server, scripted_model,
                                                             program, replies, words):
    llm_server.on("# go", program)
    for contains, reply in replies.items():
        llm_server.on(contains, reply)
    with session_for(scripted_model) as session:
        outcome = session.command("go")
    assert not outcome.ok and "policy line" not in outcome.error
    for text in words:
        assert text in outcome.error


def test_a_failing_sub_program_is_written_again_not_replayed_from_the_cache(llm_server,
                                                                            scripted_model):
    program = "p = parse_question('how many blocks', f'objects = {objects}')\nsay(str(p))"
    llm_server.on("# count them", program)
    llm_server.on("# how many blocks", "n = len(objects)", times=1)
    llm_server.on("# how many blocks", "ret_val = len([o for o in objects if 'block' in o])")
    model = CachedModel(scripted_model, cap_home() / "cache.sqlite")
    with session_for(model, repairs=1) as session:
        outcome = session.command("count them")
    assert outcome.ok and outcome.said == ["1"]
    asked = [r["messages"] for r in llm_server.requests
             if r["messages"][-1]["content"].endswith("# how many blocks")]
    assert len(asked) == 2  # the second was asked of the model, not answered from disk
    assert asked[1][-2] == {"role": "assistant", "content": "n = len(objects)"}
    assert "assigned no ret_val" in asked[1][-1]["content"]
