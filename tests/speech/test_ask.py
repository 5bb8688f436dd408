"""Asking before acting on a doubtful object name: the doubt from scored readings, the
question, the answers (typed or transcribed) and the command that follows."""
import pytest

from cap.speech.ask import ASK_MARGIN, Clarification, ask
from cap.speech.doubt import REPORTED_MARGIN, name_doubts, name_spans
from cap.speech.recognize import Transcript

TABLE = ["gray block", "green block", "cyan block", "yellow bowl", "red bowl"]


def heard(scored: dict[str, float], table=TABLE) -> Transcript:
    best = max(scored, key=scored.get)
    return Transcript(best, 0.1, "test", name_doubts(scored, best, table))


def test_the_margin_is_to_the_best_reading_with_another_name_on_the_table():
    doubt = name_doubts({"put the gray block in the red bowl": -3.0,
                         "put the green block in the red bowl": -4.0,
                         "but the green block in the red bowl": -3.5,  # the better of two
                         "put the pink block in the red bowl": -3.2,  # pink: not on the table
                         "put the gray block in the yellow bowl": -9.0},  # beyond reporting
                        "put the gray block in the red bowl", TABLE)
    assert [(d.name, d.start, d.length) for d in doubt] == [("gray block", 2, 2),
                                                             ("red bowl", 6, 2)]
    assert [(o.name, o.margin) for o in doubt[0].others] == [("green block", 0.5)]
    assert doubt[1].others == () and 9.0 - 3.0 > REPORTED_MARGIN


def test_without_a_table_any_palette_name_is_an_alternative():
    doubt = name_doubts({"move the pink bowl up": -2.0, "move the purple bowl up": -2.8},
                        "move the pink bowl up")
    assert doubt[0].others[0].name == "purple bowl"


def test_a_reading_without_a_name_doubts_it_with_its_own_words():
    """Of a reading with another count of names, only the place where it names nothing counts
    ("the bowl" for "the red bowl"); its "green" for "gray" is no reading of one name."""
    doubt = name_doubts({"put the gray block in the red bowl": -3.0,
                         "put the green block in the bowl": -3.1,
                         "put every block in the red bowl": -3.4,
                         "but the gray blocks and red bowl": -3.2},  # not one name's place
                        "put the gray block in the red bowl", TABLE)
    assert [[(o.name, o.named) for o in d.others] for d in doubt] == [
        [("every block", False)], [("the bowl", False)]]
    assert doubt[1].others[0].margin == pytest.approx(0.1)


def test_a_name_heard_where_none_was_said_asks_and_the_words_chosen_are_run():
    transcript = heard({"put the red bowl in the gray block": -2.0,
                        "put every bowl in the gray block": -2.0 - ASK_MARGIN / 2},
                       TABLE + ["red bowl"])
    clarification = Clarification(transcript)
    assert clarification.question.text == "the red bowl or every bowl?"
    assert clarification.question.options == ("red bowl", "every bowl")
    assert clarification.answer("every bowl") == "every bowl"
    assert clarification.command == "put every bowl in the gray block"


def test_numbered_names_are_matched_whole():
    assert name_spans("put red block two on red block".split(),
                      ["red block two", "red block"]) == [(1, 3, "red block two"),
                                                          (5, 2, "red block")]


def test_a_close_rival_asks_and_the_chosen_name_is_run():
    transcript = heard({"put the gray block in the red bowl": -3.0,
                        "put the green block in the red bowl": -3.0 - ASK_MARGIN / 2})
    assert ask(transcript) == "the gray block or the green block?"
    clarification = Clarification(transcript)
    assert clarification.answer("the green one") == "the green block"
    assert clarification.question is None
    assert clarification.command == "put the green block in the red bowl"


def test_a_distant_rival_does_not_ask():
    transcript = heard({"put the gray block in the red bowl": -3.0,
                        "put the green block in the red bowl": -3.0 - ASK_MARGIN - 0.1})
    assert ask(transcript) is None
    assert Clarification(transcript).command == transcript.text


@pytest.mark.parametrize("reply", ["neither", "cancel", "No.", "none of them"])
def test_neither_or_cancel_drops_the_command(reply):
    clarification = Clarification(heard({"move the gray block up": -1.0,
                                         "move the green block up": -1.2}))
    assert clarification.answer(reply) == "dropped the command"
    assert clarification.command is None and clarification.question is None


def test_an_unclear_answer_asks_again_then_drops():
    clarification = Clarification(heard({"move the gray block up": -1.0,
                                         "move the green block up": -1.2}))
    assert "please say the gray block or the green block" in clarification.answer("the blue")
    assert clarification.answer("gray and green").startswith("please say")  # both named
    assert clarification.answer("hmm") == "dropped the command"
    with pytest.raises(ValueError):
        clarification.answer("gray")


def test_two_doubtful_names_are_asked_in_turn_and_both_applied():
    transcript = heard({"put the gray block on the red bowl": -2.0,
                        "put the green block on the red bowl": -2.5,
                        "put the gray block on the yellow bowl": -2.4}, TABLE + ["red block"])
    clarification = Clarification(transcript)
    assert clarification.question.text == "the gray block or the green block?"
    clarification.answer("Green.")
    assert clarification.question.text == "the red bowl or the yellow bowl?"
    clarification.answer("the second")
    assert clarification.command == "put the green block on the yellow bowl"


def test_names_of_another_length_keep_later_names_in_place():
    transcript = heard({"put the red block in the blue bowl": -2.0,
                        "put the red block two in the blue bowl": -2.3,
                        "put the red block in the pink bowl": -2.6},
                       ["red block two", "red block", "blue bowl", "pink bowl"])
    clarification = Clarification(transcript)
    clarification.answer("red block two")
    clarification.answer("pink")
    assert clarification.command == "put the red block two in the pink bowl"


def test_a_transcript_without_doubt_never_asks():
    assert ask(Transcript("put the gray block in the red bowl", 0.1, "whisper", None)) is None
