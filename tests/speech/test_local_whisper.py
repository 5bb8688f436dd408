"""The offline default: a local Whisper model, scene-aware, loaded once per process."""
import re

import pytest

from cap.errors import SpeechError
from cap.speech.recognize import LocalWhisper, make_recognizer, whisper_prompts, with_confusions
from cap.speech.wer import word_errors
from cap.speech.words import CommandLanguage, normalise
from perception.palette import PALETTE
from tests.speech.conftest import needs_espeak, synthesise
from tests.speech.test_transcribe import cap_transcribe

SCENE = ["red block", "gray block", "blue bowl", "pink bowl"]


@pytest.fixture(scope="module")
def whisper():
    return make_recognizer("whisper-local", SCENE)


def test_numbers_and_units_are_written_one_way():
    assert normalise("Move it 5cm left.") == normalise("move it five centimeters left")
    assert normalise("Rotate 45° then 2.5 cm up") == \
        "rotate forty five degrees then two point five centimeters up"
    assert normalise("the grey block's 1st spot") == "the gray block s first spot"


def test_the_command_model_prefers_commands_to_their_near_misses():
    language = CommandLanguage(["red block", "blue bowl"])
    for right, heard in [("put the red block to the left of the blue bowl",
                          "put the red block to the left on the blue bowl"),
                         ("make a tower of three blocks", "make a tower on three blocks"),
                         ("put the red block in the blue bowl",
                          "but the red lock in the blue bowl")]:
        assert language.log_probability(right) > language.log_probability(heard) + 2, right


def test_the_prompts_name_the_scene_and_without_one_no_object():
    named = re.compile(rf"\b(?:{'|'.join(PALETTE)}|grey) (?:block|bowl)")
    plain, generic = whisper_prompts([])
    assert not named.search(plain) and not named.search(generic)
    assert all(color in plain and color in generic for color in PALETTE)
    scene, same = whisper_prompts(["gray block", "pink bowl"])
    assert "grey block" in scene and "pink bowl" in scene and same == generic  # as tiny.en spells


def test_objects_not_on_the_table_are_penalised_only_with_a_scene(whisper):
    assert whisper._absent("put the green block in the pink bowl") == 1  # green: not there
    assert whisper._absent("put every block in the blue bowl") == 0
    assert make_recognizer("whisper-local", [])._absent("put the green block") == 0


@needs_espeak
@pytest.mark.parametrize("voice", ["en-us", "en-us+f3"])
def test_spoken_commands_with_scene_names_and_numbers(whisper, tmp_path, voice):
    for command in ("put the gray block in the pink bowl",
                    "move the red block five centimeters to the left"):
        text = whisper.transcribe(synthesise(command, tmp_path / "c.wav", voice)).text
        assert word_errors(command, text) <= 1, text


def test_the_model_is_loaded_once_per_process(whisper):
    again = make_recognizer("whisper-local", ["green block"])
    assert again.model is whisper.model and isinstance(again, LocalWhisper)


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(SpeechError, match="cannot load the Whisper model"):
        make_recognizer(f"whisper-local:{tmp_path / 'nothing-here'}")


@needs_espeak
def test_cap_transcribe_uses_it_by_default_with_the_scene(tmp_path):
    wav = synthesise("put the gray block in the pink bowl", tmp_path / "c.wav", "en-gb+m3")
    result = cap_transcribe(str(wav), "--objects", "gray block,pink bowl")
    assert result["ok"] and result["backend"] == "whisper-local"
    assert word_errors("put the gray block in the pink bowl", result["text"]) <= 1


def test_a_reduced_of_heard_as_on_is_put_back_where_the_grammar_is_sure(whisper):
    heard = {"put the red block to the left on the gray block": -2.5,
             "put the red block on the gray block": -4.0}
    assert "put the red block to the left of the gray block" in with_confusions(heard)
    assert whisper._best(heard) == "put the red block to the left of the gray block"
    # "on" where "on" belongs stays: the swap costs more than the model gains
    assert whisper._best({"put the red block on the gray block": -2.0}) == \
        "put the red block on the gray block"
