"""Model errors keep their reason and the model's time is the command's time, against the
real scripted OpenAI-compatible server: context windows, slow replies, streams, retries."""
import threading
import time

import pytest

from cap.config import ModelSettings, SessionConfig, cap_home
from cap.llm.cache import CachedModel
from cap.llm.openai_backend import OpenAIChat
from cap.llm.registry import load_model
from cap.sandbox.controller import Limits
from cap.session import Session
from sim.scene import SceneSpec

SCENE = SceneSpec(("red", "green"), ("blue",), seed=4)


def model_for(server, **options):
    return OpenAIChat("scripted", base_url=server.base_url, api_key="k",
                      **{"timeout": 5, "max_retries": 0} | options)


def session_for(model, repairs=0, seconds=300.0):
    return Session(SessionConfig(SCENE, perception="oracle", max_repairs=repairs,
                                 limits=Limits(wall_seconds=seconds)), model)


@pytest.mark.parametrize("stream", [False, True])
def test_a_prompt_larger_than_the_context_says_the_numbers_and_what_to_do(llm_server, stream):
    """A stream llama-cpp-python breaks off empty is asked again whole to learn why."""
    llm_server.on("# hello", "say('hello')")
    llm_server.context = 600  # tokens; the tabletop prompt is larger
    with session_for(model_for(llm_server, max_retries=2, stream=stream), repairs=2) as session:
        outcome = session.command("hello")
    assert outcome.error_kind == "generation" and outcome.failure == "context_exceeded"
    prompt = sum(len(m["content"]) // 4 for m in llm_server.requests[0]["messages"])
    assert f"the server allows 600 tokens, the prompt has {prompt} and 512 more" in outcome.error
    assert "--n_ctx" in outcome.error and "retries" not in outcome.error
    assert [r.get("stream", False) for r in llm_server.requests] == [stream, False][:1 + stream]


def test_a_reply_cut_off_by_the_context_is_not_called_a_token_limit(llm_server):
    llm_server.on("# hello", "say('hello')\n" * 100)
    llm_server.context = 1100  # some tokens more than the tabletop prompt
    with session_for(model_for(llm_server), repairs=2) as session:
        outcome = session.command("hello")
    prompt, written = outcome.llm["prompt_tokens"], outcome.llm["completion_tokens"]
    assert outcome.failure == "context_exceeded" and "token limit" not in outcome.error
    assert 0 < written < 512 and prompt + written == 1100
    assert (f"cut off after {written} tokens because the prompt ({prompt} tokens) filled the "
            "server's context (1100 tokens)") in outcome.error
    assert len(llm_server.requests) == 1  # asking again with more tokens would change nothing


@pytest.mark.parametrize("faults, attempts, words", [
    ([500], 1, "HTTP 500: scripted 500 (model scripted at"),
    ([502, 503, 500], 3, "tried 3 times"),
])
def test_after_retries_only_when_retries_happened(llm_server, faults, attempts, words):
    llm_server.on("# hello", "say('hello')")
    llm_server.faults = list(faults)
    with session_for(model_for(llm_server, max_retries=attempts - 1)) as session:
        outcome = session.command("hello")
    assert words in outcome.error and len(llm_server.requests) == 0
    assert ("tried" in outcome.error) is (attempts > 1) and "after retries" not in outcome.error


def test_the_commands_time_limit_covers_the_model_and_the_request_is_closed(llm_server):
    llm_server.on("# hello", "say('hello')")
    llm_server.delay = 60
    started = time.monotonic()
    with session_for(model_for(llm_server, timeout=60), seconds=1.5) as session:
        outcome = session.command("hello")
    assert time.monotonic() - started < 10
    assert outcome.error_kind == "limit" and "time limit of 1.5 s ran out while waiting" \
        in outcome.error
    assert outcome.llm["calls"] == 1 and outcome.llm["seconds"] >= 1.4
    wait_for(lambda: llm_server.in_flight == 0)  # closed (or, on a slow day, never sent)


def test_a_request_past_the_models_timeout_is_abandoned_not_retried(llm_server):
    llm_server.on("# hello", "say('hello')")
    llm_server.delay = 60
    settings = ModelSettings(timeout=1.0, retries=3)
    model = OpenAIChat("scripted", base_url=llm_server.base_url, api_key="k",
                       timeout=settings.timeout, max_retries=settings.retries)
    with session_for(model) as session:
        outcome = session.command("hello")
    assert "did not answer within 1 s" in outcome.error and "--llm-timeout" in outcome.error
    wait_for(lambda: llm_server.in_flight == 0)
    assert outcome.llm["calls"] == 1


def test_stop_abandons_the_model_call_and_the_server_sees_it_closed(llm_server):
    llm_server.on("# hello", "say('hello')")
    llm_server.delay = 60
    with session_for(model_for(llm_server, timeout=120)) as session:
        def stop_once_the_server_computes():
            wait_for(lambda: llm_server.in_flight == 1)
            session.stop()
        threading.Thread(target=stop_once_the_server_computes).start()
        outcome = session.command("hello")
    assert outcome.error_kind == "stopped" and "waiting for the model" in outcome.error
    wait_for(lambda: llm_server.abandoned == 1 and llm_server.in_flight == 0)


def test_progress_while_waiting_shows_seconds_and_streamed_tokens(llm_server):
    llm_server.on("# hello", "say('hello')\n" * 12)
    llm_server.chunk_delay = 0.05
    heard = []
    with session_for(model_for(llm_server, stream=True)) as session:
        session._watch.tick = 0.3  # a short period: the test waits less
        session.subscribe(on_wait=heard.append)
        assert session.command("hello").ok
    assert heard and heard[0]["lmp"] == "tabletop_ui" and heard[0]["seconds"] >= 0.3
    streamed = [h["tokens"] for h in heard if h["tokens"] is not None]  # None: not begun
    assert streamed and 0 < streamed[-1] <= 12 * 13 / 16 + 1 and streamed == sorted(streamed)


def test_streamed_replies_without_counts_report_tokens_as_unknown(llm_server):
    llm_server.on("# hello", "say('hello')")
    llm_server.stream_usage = False
    with session_for(model_for(llm_server, stream=True)) as session:
        outcome = session.command("hello")
        report = session.report(outcome)
    assert outcome.ok and outcome.llm["prompt_tokens"] is None
    assert report["llm"]["prompt_tokens"] is None and report["llm"]["completion_tokens"] is None


def test_the_cache_keeps_two_servers_with_one_model_name_apart(llm_server):
    from cap.llm.scripted_server import ScriptedLLM
    other = ScriptedLLM()
    try:
        llm_server.on("# hello", "say('first server')")
        other.on("# hello", "say('second server')")
        said = []
        for server in (llm_server, other):
            model = CachedModel(model_for(server), cap_home() / "cache.sqlite")
            with session_for(model) as session:
                said += session.command("hello").said
        assert said == ["first server", "second server"]
    finally:
        other.close()


def test_timeout_and_retries_come_from_flags_or_the_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CAP_LLM_TIMEOUT", "7.5")
    monkeypatch.setenv("CAP_LLM_RETRIES", "0")
    model = load_model("openai:m", cache=False)
    assert (model.timeout, model.retries) == (7.5, 0)
    model = load_model("openai:m", cache=False, settings=ModelSettings.from_environment(30, 4))
    assert (model.timeout, model.retries) == (30, 4)
    monkeypatch.setenv("CAP_LLM_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="CAP_LLM_TIMEOUT"):
        ModelSettings.from_environment()


def wait_for(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


@pytest.mark.parametrize("message, body, words", [
    ("the request exceeds the available context size, try increasing it",
     {"n_ctx": 1024, "n_prompt_tokens": 1335}, "allows 1024 tokens, the prompt has 1335 and 512"),
    ("This model's maximum context length is 8192 tokens. However, your messages resulted in "
     "9001 tokens. Please reduce the length of the messages.", {},
     "allows 8192 tokens, the prompt has 9001 and 512"),
    ("Trying to keep the first 3000 tokens when context the overflows. However, the model is "
     "loaded with context length of only 2048 tokens", {},
     "allows 2048 tokens, the prompt has about 4 (estimated; the server did not say) and 512"),
])
def test_each_servers_words_for_a_full_context_give_the_numbers(message, body, words):
    from cap.llm.openai_backend import context_exceeded
    request = {"max_tokens": 512, "messages": [{"role": "user", "content": "# say hello"}]}
    error = context_exceeded(message, body, request, "model m at http://x/v1")
    assert words in str(error) and "--n_ctx" in str(error)


def test_what_the_model_streamed_before_the_time_ran_out_is_in_the_report(llm_server):
    llm_server.on("# hello", "say('hello')\n" * 20)
    llm_server.chunk_delay = 0.3
    with session_for(model_for(llm_server, stream=True), seconds=2.0) as session:
        outcome = session.command("hello")
    assert outcome.error_kind == "limit"
    [partial] = outcome.programs
    assert partial["code"] == "" and partial["reply"].startswith("say('hello')")
    assert len(partial["reply"]) < 20 * 13 and "ran out while waiting" in partial["error"]
    wait_for(lambda: llm_server.abandoned == 1)  # it was streaming: it was sent
