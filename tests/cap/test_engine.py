"""The LMP engine end to end against a real HTTP model server that answers by script."""
import numpy as np
import pytest

from cap.llm.cache import CachedModel
from cap.llm.openai_backend import OpenAIChat
from cap.config import SessionConfig, cap_home
from cap.session import Session
from sim.scene import SceneSpec

SCENE = SceneSpec(blocks=("red", "green"), bowls=("blue",), seed=4)


@pytest.fixture
def session(scripted_model):
    session = Session(SessionConfig(SCENE), scripted_model)
    yield session
    session.close()


def fgen_queries(server):
    return [r["messages"][-1]["content"] for r in server.requests
            if "Define the Python function" in r["messages"][0]["content"]]


def test_three_level_hierarchy_defines_children_before_parents(llm_server, session):
    llm_server.on("# say the magic number", "say(str(magic()))")
    llm_server.on("def magic(", "def magic():\n    return double(base()) + 1")
    llm_server.on("def double(", "def double(x):\n    return 2 * x")
    llm_server.on("def base(", "def base():\n    return leaf_value()")
    llm_server.on("def leaf_value(", "def leaf_value():\n    return 3")
    outcome = session.command("say the magic number")
    assert outcome.ok, outcome.error
    assert session.report()["said"] == ["7"]
    queries = fgen_queries(llm_server)
    assert queries[0].startswith("# def magic():")
    assert {q.split("(")[0] for q in queries} == {"# def magic", "# def double", "# def base",
                                                 "# def leaf_value"}
    assert [p["lmp"] for p in outcome.programs].count("fgen") == 4


def test_existing_functions_are_reused_in_session_and_from_the_library(llm_server, scripted_model):
    llm_server.on("# say the answer", "say(str(answer()))")
    llm_server.on("def answer(", "def answer():\n    return 42")
    first = Session(SessionConfig(SCENE), scripted_model)
    assert first.command("say the answer").ok
    assert first.command("say the answer").ok  # the session already has answer()
    first.close()
    assert len(fgen_queries(llm_server)) == 1
    with Session(SessionConfig(SCENE), scripted_model) as second:  # same CAP_HOME: the library
        outcome = second.command("say the answer")
    assert outcome.ok and outcome.said == ["42"]
    assert len(fgen_queries(llm_server)) == 1


def test_depth_limit_refuses_a_chain_too_deep(llm_server, scripted_model):
    llm_server.on("# go deep", "say(str(f0()))")
    for i in range(6):
        llm_server.on(f"def f{i}(", f"def f{i}():\n    return f{i + 1}()")
    session = Session(SessionConfig(SCENE, fgen_depth=3, max_repairs=0), scripted_model)
    outcome = session.command("go deep")
    session.close()
    assert not outcome.ok and outcome.error_kind == "check"
    assert "deeper than 3 levels" in outcome.error
    assert len(fgen_queries(llm_server)) == 3


def test_a_cycle_of_helpers_is_refused(llm_server, scripted_model):
    llm_server.on("# loop", "ping(3)")
    llm_server.on("def ping(", "def ping(n):\n    return pong(n - 1)")
    llm_server.on("def pong(", "def pong(n):\n    return ping(n - 1)")
    session = Session(SessionConfig(SCENE, max_repairs=0), scripted_model)
    outcome = session.command("loop")
    session.close()
    assert not outcome.ok and "cycle (ping -> pong -> ping)" in outcome.error


def test_a_self_recursive_definition_is_fine(llm_server, session):
    llm_server.on("# factorial", "say(str(fact(5)))")
    llm_server.on("def fact(", "def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)")
    assert session.command("factorial").ok
    assert session.report()["said"] == ["120"]


def test_siblings_are_generated_concurrently(llm_server, session):
    llm_server.on("# four", "say(str(s1() + s2() + s3() + s4()))")
    for i in range(1, 5):
        llm_server.on(f"def s{i}(", f"def s{i}():\n    return {i}")
    llm_server.delay = 0.3
    assert session.command("four").ok
    assert session.report()["said"] == ["10"]
    assert llm_server.max_in_flight >= 2  # the four definitions were requested side by side


def test_variables_persist_across_commands(llm_server, session):
    llm_server.on("# remember", "favourite = 'green block'\nsay('noted')")
    llm_server.on("# use it", "put_first_on_second(favourite, 'blue bowl')")
    assert session.command("remember the green block").ok
    assert session.command("use it").ok
    truth = {k: np.array(v) for k, v in session.ground_truth().items()}
    assert np.linalg.norm(truth["green block"][:2] - truth["blue bowl"][:2]) < 0.04
    last = llm_server.requests[-1]["messages"]
    assert any("favourite = 'green block'\nsay('noted')" == m["content"] for m in last)  # history


def test_history_is_bounded_by_its_token_budget(llm_server, scripted_model):
    llm_server.fallback = "say('ok')"
    session = Session(SessionConfig(SCENE, history_tokens=120), scripted_model)
    sizes = []
    for i in range(12):
        assert session.command(f"command number {i} please say ok").ok
        sizes.append(len(llm_server.requests[-1]["messages"]))
    session.close()
    assert max(sizes[4:]) == sizes[-1] and sizes[-1] < sizes[0] + 2 * 12
    assert "command number 11" in llm_server.requests[-1]["messages"][-1]["content"]
    assert not any("command number 0" in m["content"]
                   for m in llm_server.requests[-1]["messages"])


def test_repair_loop_restores_the_world_and_retries(llm_server, session):
    broken = ("put_first_on_second('red block', 'top left corner')\n"
              "put_first_on_second('purple block', 'blue bowl')")
    llm_server.on("# put the red block in the blue bowl", broken, times=1)
    llm_server.on("That program failed", "put_first_on_second('red block', 'blue bowl')")
    before = session.ground_truth()
    outcome = session.command("put the red block in the blue bowl")
    assert outcome.ok
    assert [p["code"] for p in outcome.programs] == [broken, "put_first_on_second('red block', 'blue bowl')"]
    repair_request = llm_server.requests[-1]["messages"][-1]["content"]
    assert "no object named 'purple block'; visible objects:" in repair_request
    assert repair_request.endswith("# put the red block in the blue bowl")
    truth = {k: np.array(v) for k, v in session.ground_truth().items()}
    assert np.linalg.norm(truth["red block"][:2] - truth["blue bowl"][:2]) < 0.04
    assert np.allclose(truth["green block"], before["green block"], atol=3e-3)


def test_a_reply_without_code_is_repaired(llm_server, session):
    llm_server.on("# wave", "Sure! I would be happy to help with that.", times=1)
    llm_server.on("That program failed", "```python\nsay('hi')\n```")
    outcome = session.command("wave")
    assert outcome.ok and session.report()["said"] == ["hi"]


def test_cache_answers_a_rerun_without_the_server(llm_server, scripted_model):
    llm_server.on("# say cached", "say('cached')")
    for _ in range(2):
        model = CachedModel(scripted_model, cap_home() / "cache.sqlite")
        session = Session(SessionConfig(SCENE), model)
        assert session.command("say cached").ok
        session.close()
    assert len(llm_server.requests) == 1
    assert session.usage.cache_hits == 1


def test_streaming_replies(llm_server):
    llm_server.on("# stream", "say('streamed reply of some length')")
    model = OpenAIChat("scripted", base_url=llm_server.base_url, api_key="k", stream=True)
    with Session(SessionConfig(SCENE), model) as session:
        outcome = session.command("stream")
    assert outcome.ok and outcome.said == ["streamed reply of some length"]
    assert llm_server.requests[-1]["stream"] is True
    assert session.usage.prompt_tokens > 0


@pytest.mark.parametrize("faults, ok, message", [
    ([500, 500], False, "HTTP 500"),
    ([429], True, None),
    (["malformed"], False, "malformed reply"),
    (["hang"], False, "timed out"),
])
def test_server_faults_end_in_a_clear_error_or_success(llm_server, faults, ok, message):
    llm_server.on("# hello", "say('hello')")
    llm_server.faults = list(faults)
    model = OpenAIChat("scripted", base_url=llm_server.base_url, api_key="k", timeout=1,
                       max_retries=1 if faults != ["hang"] else 0)
    session = Session(SessionConfig(SCENE), model)
    outcome = session.command("hello")
    session.close()
    assert outcome.ok is ok
    if message:
        assert outcome.error_kind == "generation" and message in outcome.error


def test_connection_refused_is_a_clear_error():
    model = OpenAIChat("m", base_url="http://127.0.0.1:9/v1", api_key="k", timeout=1,
                       max_retries=0)
    session = Session(SessionConfig(SCENE), model)
    outcome = session.command("hello")
    session.close()
    assert not outcome.ok and "cannot reach the model server" in outcome.error


@pytest.mark.parametrize("helper", [
    "@lru_cache(maxsize=goto_pos([0.1, 0.1, 0.2]))\ndef wiggle():\n    return 1",
    "def wiggle(at=put_first_on_second('red block', 'blue bowl')):\n    return at",
])
def test_defining_a_helper_never_moves_the_robot(llm_server, scripted_model, helper):
    llm_server.on("# wiggle", "wiggle()")
    llm_server.on("def wiggle(", helper)
    with Session(SessionConfig(SCENE, max_repairs=0), scripted_model) as session:
        before = session.ground_truth()
        outcome = session.command("wiggle")
        assert "when it is defined" in outcome.error
        assert session.ground_truth() == before
