"""The offline baseline answers commands close to a prompt example and refuses the rest."""
from __future__ import annotations

import numpy as np
import pytest

from cap.config import SessionConfig
from cap.errors import NoCloseExample
from cap.llm.retrieval import Retrieval
from cap.prompts import load_all
from cap.session import Session
from sim.scene import SceneSpec
from sim.tasks import CATEGORIES

PROMPT = load_all()["tabletop_ui"]
UNRELATED = ["do a little dance", "what is the weather", "tell me a joke", "how are you",
             "move", "throw the red block", "the red block", "paint the blue bowl green"]


def ask(query: str) -> str:
    messages = [*PROMPT.messages(), {"role": "user", "content": PROMPT.user_message(
        query, "objects = ['red block', 'blue bowl']")}]
    return Retrieval().complete(messages, 0.0, 256, "tabletop_ui").text


@pytest.mark.parametrize("example", PROMPT.examples, ids=lambda e: e.query)
def test_an_example_query_gets_its_own_code(example):
    assert ask(example.query) == example.code


def test_a_close_command_gets_the_example_with_its_words_swapped():
    assert ask("pick up the yellow block and place it on the green bowl") == \
        "put_first_on_second('yellow block', 'green bowl')"


@pytest.mark.parametrize("command", UNRELATED)
def test_an_unrelated_command_is_refused_with_how_to_configure_a_model(command):
    with pytest.raises(NoCloseExample, match="no model is configured.*--llm"):
        ask(command)


def test_it_answers_most_task_categories():
    answered = set()
    for name, task in CATEGORIES.items():
        try:
            ask(task.instance(np.random.default_rng(0)).instruction)
            answered.add(name)
        except NoCloseExample:
            pass
    assert len(answered) >= 16, sorted(set(CATEGORIES) - answered)


class CountingRetrieval(Retrieval):
    asked = 0

    def complete(self, *args, **kwargs):
        self.asked += 1
        return super().complete(*args, **kwargs)


def test_a_refused_command_moves_nothing_and_is_not_retried():
    spec = SceneSpec(blocks=("red", "green"), bowls=("blue",), seed=3)
    model = CountingRetrieval()
    with Session(SessionConfig(spec, perception="oracle"), model) as session:
        before = session.ground_truth()
        outcome = session.command("do a little dance")
        assert not outcome.ok and outcome.failure == "out_of_scope"
        assert outcome.error_kind == "generation" and "retrieval" in outcome.error
        assert model.asked == 1 and outcome.programs == []
        after = session.ground_truth()
        assert all(np.allclose(before[n], after[n], atol=1e-3) for n in before)
