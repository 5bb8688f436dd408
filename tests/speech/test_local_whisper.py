"""The offline default: a local Whisper model, scene-aware, loaded once per process."""
import pytest

from cap.errors import SpeechError
from cap.speech.recognize import LocalWhisper, make_recognizer
from cap.speech.wer import word_errors
from cap.speech.words import Snapper, normalise
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


def test_near_misses_snap_to_the_vocabulary_but_never_to_an_absent_colour():
    snapper = Snapper(["red block", "blue bowl"])
    assert snapper.snap("but the red lock in the blue bowl") == "put the red block in the blue bowl"
    assert snapper.snap("stack all the block on the top left corner") == \
        "stack all the blocks on the top left corner"
    # "breen" is nearest "green", which no object on this table has: left as heard
    assert "green" not in snapper.snap("put the breen block in the blue bowl")


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
