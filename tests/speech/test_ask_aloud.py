"""Asking about doubtful names on real audio: held-back utterances (neither the benchmark's
sentences nor the tuning set's, other voices) that tiny.en finds confusable ask, with the
name said among the options; clear ones do not; `cap shell --voice` asks, says the question
(--tts), and runs the chosen name or drops the command."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cap.speech.ask import ASK_MARGIN, Clarification
from cap.speech.recognize import Transcript, make_recognizer
from cap.speech.words import normalise
from tests.speech.conftest import needs_espeak, synthesise
from tests.speech.test_transcribe import cap_transcribe

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import speech  # noqa: E402
from speech import NAME, speaker_answer  # noqa: E402

pytestmark = needs_espeak

GRAY_GREEN = ("gray block", "green block", "blue bowl", "pink bowl")
BOWLS = ("gray bowl", "green bowl", "red block", "yellow block")
# Held back: sentences, voices and scenes that neither benchmarks/speech.py nor
# benchmarks/speech_tuning.py (where ASK_MARGIN was chosen) use. CONFUSABLE: each one a name
# tiny.en mishears as another name on the table (as measured when the test was written:
# 20 names, "gray" heard as "green" or once "red"); CLEAR: names said with no near rival.
CONFUSABLE = [
    (GRAY_GREEN, "lift the gray block onto the blue bowl", ["en-us+f1", "en-us+f2", "scotland"]),
    (GRAY_GREEN, "slide the gray block toward the pink bowl", ["en-us+f1", "en-us+f2",
                                                                "scotland"]),
    (GRAY_GREEN, "move the gray block to the lower right corner", ["en-us+f1", "en-us+f2",
                                                                    "scotland"]),
    (GRAY_GREEN, "put the gray block in the blue bowl", ["en-us+f1", "en-us+f2", "scotland"]),
    (GRAY_GREEN, "lift the gray block up a little", ["en-us+f2", "scotland"]),
    (GRAY_GREEN, "set the green block beside the gray block", ["scotland"]),
    (BOWLS, "put the red block into the gray bowl", ["en-us+f1", "en-us+f2"]),
    (BOWLS, "move the yellow block next to the gray bowl", ["en-us+f2"]),
    (BOWLS, "nudge the gray bowl to the left", ["en-us+f2", "scotland"]),
]
CLEAR = [(GRAY_GREEN, "put the green block into the pink bowl"),
         (GRAY_GREEN, "pick up the green block"),
         (BOWLS, "put the yellow block on the red block"),
         (BOWLS, "set the red block down beside the green bowl")]
VOICES = {"en-us+f1": 150, "en-gb+f4": 140, "en-us+f2": 135, "en-us+m5": 160, "en-029": 150,
          "scotland": 150}
# tiny.en is sure of some of its mistakes (a margin of 3.1-3.8 nats where ASK_MARGIN is 3.0):
# it asked about 14 of the 20 when this test was written
ASKED_AT_LEAST = 0.6


@pytest.fixture(scope="module")
def recognizers() -> dict:
    return {scene: make_recognizer("whisper-local", scene) for scene in (GRAY_GREEN, BOWLS)}


def hear(recognizers, scene, sentence: str, voice: str, tmp_path) -> Transcript:
    name = "en-gb-scotland" if voice == "scotland" else voice
    wav = synthesise(sentence, tmp_path / "said.wav", name, VOICES[voice])
    return recognizers[scene].transcribe(wav)


def names(text: str) -> list[str]:
    return NAME.findall(normalise(text))


@pytest.mark.slow
def test_names_misheard_as_another_on_the_table_are_mostly_asked_about(recognizers, tmp_path):
    """Asked: the name said is offered, and answering with it puts every name right."""
    asked, missed, heard_right = 0, [], 0
    for scene, sentence, voices in CONFUSABLE:
        for voice in voices:
            transcript = hear(recognizers, scene, sentence, voice, tmp_path)
            if names(transcript.text) == names(sentence):  # another CPU may round otherwise
                heard_right += 1
                continue
            clarification = Clarification(transcript)
            while question := clarification.question:  # the speaker answers what they said
                clarification.answer(speaker_answer(normalise(sentence), clarification.command,
                                                    question))
            if transcript.text != clarification.command:
                asked += 1
                assert names(clarification.command) == names(sentence), clarification.command
            else:
                missed.append(f"{voice}: {sentence!r} -> {transcript.text!r} {transcript.doubt}")
    total = sum(len(voices) for _, _, voices in CONFUSABLE) - heard_right
    assert total >= 15 and asked >= ASKED_AT_LEAST * total, "\n".join(missed)


def test_the_held_back_utterances_are_neither_benchmarked_nor_tuned_on():
    import speech_tuning

    used = {normalise(s) for s in speech.SENTENCES} | {
        normalise(s) for sentences in speech_tuning.SCENES.values() for s in sentences}
    ours = {normalise(s) for _, s, _ in CONFUSABLE} | {normalise(s) for _, s in CLEAR}
    assert not ours & used
    voices = {v for v, _ in speech.VOICES + speech_tuning.VOICES}
    assert not voices & set(VOICES) and "en-gb-scotland" not in voices


@pytest.mark.slow
@pytest.mark.parametrize("voice", list(VOICES))
def test_clearly_heard_names_are_not_asked_about(recognizers, tmp_path, voice):
    for scene, sentence in CLEAR:
        transcript = hear(recognizers, scene, sentence, voice, tmp_path)
        assert Clarification(transcript).question is None, transcript


def test_cap_transcribe_reports_the_doubt_and_the_question(tmp_path):
    wav = synthesise("put the gray block in the blue bowl", tmp_path / "c.wav", "en-us+f1", 150)
    result = cap_transcribe(str(wav), "--objects", "blue bowl,pink bowl,gray block,green block")
    assert result["ask"] in ("the gray block or the green block?",
                             "the green block or the gray block?"), result
    doubted = next(d for d in result["doubt"] if d["name"] in ("gray block", "green block"))
    assert doubted["others"][0]["margin"] < ASK_MARGIN
    assert {"gray block", "green block"} == {doubted["name"], doubted["others"][0]["name"]}


@pytest.mark.slow
def test_the_voice_shell_asks_says_the_question_and_runs_or_drops(llm_server, tmp_path):
    sentence, voice, speed = "put the gray block in the blue bowl", "en-us+f1", 150
    command = synthesise(sentence, tmp_path / "command.wav", voice, speed)
    answer = synthesise("the gray one", tmp_path / "answer.wav", "en-us", 150)
    llm_server.on("the gray block", "say('gray it is')")
    typed = (f":hear {command}\ngray\n"  # typed answer: runs
             f":hear {command}\nneither\n"  # dropped
             f":hear {command}\n:hear {answer}\n:quit\n")  # spoken answer: runs
    done = subprocess.run(
        [sys.executable, "-m", "cap", "shell", "--voice", "--tts-out", str(tmp_path / "tts"),
         "--blocks", "gray,green", "--bowls", "blue,pink", "--perception", "oracle",
         "--llm", "openai:scripted", "--no-cache", "--no-video"],
        input=typed, capture_output=True, text=True, timeout=600,
        env={**os.environ, "OPENAI_BASE_URL": llm_server.base_url, "OPENAI_API_KEY": "test"})
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.count("the gray block or the green block?") + \
        out.count("the green block or the gray block?") >= 3, out
    assert out.count("running: ") == 2 and out.count("dropped the command") == 1
    assert out.count("robot: gray it is") == 2 and len(llm_server.requests) == 2
    asked = sorted(p.name for p in (tmp_path / "tts" / "asked").iterdir())
    assert len(asked) == 3  # each question said aloud
