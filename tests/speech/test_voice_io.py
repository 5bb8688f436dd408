"""Speech out through espeak-ng, and spoken commands in the shell."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import threading


from cap.speech import audio
from cap.speech.recognize import PocketSphinx
from cap.speech.tts import Speaker
from cap.speech.wer import word_errors
from tests.speech.conftest import needs_espeak, synthesise

pytestmark = needs_espeak


def test_say_never_waits_for_the_speech(tmp_path):
    speaker = Speaker("espeak", out_dir=tmp_path)
    speaking, release = threading.Event(), threading.Event()
    real_speak = speaker.speak

    def slow_speak(message, wav, model):
        speaking.set()
        release.wait(10)
        real_speak(message, wav, model)

    speaker.speak = slow_speak
    speaker.say("the red block is in the blue bowl")
    speaker.say("done")  # returns although the first message is still being spoken
    assert speaking.wait(10) and speaker.spoken == []
    release.set()
    speaker.close()
    assert speaker.spoken == ["the red block is in the blue bowl", "done"]
    assert len(audio.prepare(tmp_path / "said-000.wav")) / audio.RATE > 1.0


def test_cap_exec_with_tts_speaks_every_said_message(tmp_path):
    program = tmp_path / "p.py"
    program.write_text("say('hello there')\nsay('I see ' + str(len(get_obj_names())) + ' objects')\n")
    out = tmp_path / "spoken"
    done = subprocess.run([sys.executable, "-m", "cap", "exec", str(program), "--blocks", "red",
                           "--bowls", "blue", "--perception", "oracle", "--tts-out", str(out),
                           "--json"], capture_output=True, text=True, timeout=120)
    result = json.loads(done.stdout)
    assert result["ok"] and result["said"] == ["hello there", "I see 2 objects"]
    assert sorted(p.name for p in out.iterdir()) == ["said-000.wav", "said-001.wav"]


def test_an_empty_line_in_the_voice_shell_runs_what_was_said(tmp_path, monkeypatch):
    from cap.config import SessionConfig
    from cap.session import Session
    from cap.shell import Shell
    from sim.scene import SceneSpec

    recognizer = PocketSphinx(["red block", "blue bowl"])
    spoken = [synthesise("how many blocks are there", tmp_path / "c.wav", "en-us+m1"),
              tmp_path / "missing.wav"]
    typed = iter(["", "", ":quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    out = io.StringIO()
    session = Session(SessionConfig(SceneSpec(("red",), ("blue",), 0), perception="oracle"))
    try:
        shell = Shell(session, out=out,
                      listen=lambda recording=None: recognizer.transcribe(spoken.pop(0)))
        handled: list[str] = []
        shell.handle = handled.append
        shell.loop()
    finally:
        session.close()
    assert len(handled) == 1 and word_errors("how many blocks are there", handled[0]) <= 1
    assert "did not catch that: no such file" in out.getvalue()  # the shell goes on
