"""Speech out: said messages spoken aloud on a background thread, never blocking the robot."""
from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Callable

# name -> speak(message, wav or None to play it, model) ; registered below
VOICES: dict[str, Callable[[str, Path | None, str], None]] = {}


def voice(name: str):
    def register(speak: Callable[[str, Path | None, str], None]):
        VOICES[name] = speak
        return speak
    return register


@voice("espeak")
def _espeak(message: str, wav: Path | None, model: str) -> None:
    """espeak-ng, offline; `model` is the espeak voice (default en-us)."""
    if not shutil.which("espeak-ng"):
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    command = ["espeak-ng", "-v", model or "en-us", "-s", "160"] + (["-w", str(wav)] if wav else [])
    subprocess.run([*command, "--", message], check=True, capture_output=True, timeout=60)


@voice("openai")
def _openai(message: str, wav: Path | None, model: str) -> None:
    """An OpenAI-compatible speech endpoint, played with ALSA's `aplay`."""
    from openai import OpenAI
    reply = OpenAI(api_key=os.environ.get("OPENAI_API_KEY", "none")).audio.speech.create(
        model=model or "tts-1", voice="alloy", input=message, response_format="wav")
    if wav:
        wav.write_bytes(reply.content)
        return
    with tempfile.NamedTemporaryFile(suffix=".wav") as played:
        played.write(reply.content)
        played.flush()
        subprocess.run(["aplay", "-q", played.name], check=True, timeout=120)


class Speaker:
    """Speaks messages in order; `say()` returns at once.

    `spec`: a name in VOICES, optionally with a model ("espeak", "espeak:en-gb",
    "openai:tts-1"). With `out_dir` each message is written there as a WAV file instead of
    played (machines without a sound card, dubbing a video). A failure is reported once on
    stderr and never reaches the program.
    """

    def __init__(self, spec: str = "espeak", out_dir: str | Path | None = None) -> None:
        name, _, self.model = spec.partition(":")
        if name not in VOICES:
            raise ValueError(f"unknown speech output {spec!r}: use {' or '.join(VOICES)}[:MODEL]")
        if name == "espeak" and not shutil.which("espeak-ng"):
            raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
        self.speak = VOICES[name]
        self.out_dir = Path(out_dir) if out_dir else None
        if self.out_dir:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.spoken: list[str] = []
        self.failed = False
        self.thread = threading.Thread(target=self._run, name="cap-speaker", daemon=True)
        self.thread.start()

    def say(self, message: str) -> None:
        self.queue.put(message)

    def close(self, timeout: float = 60.0) -> None:
        """Finish what is queued, then stop the thread."""
        self.queue.put(None)
        self.thread.join(timeout)

    def _run(self) -> None:
        while (message := self.queue.get()) is not None:
            try:
                self.speak(message, self._target(len(self.spoken)), self.model)
                self.spoken.append(message)
            except (OSError, subprocess.SubprocessError, RuntimeError) as error:
                if not self.failed:
                    print(f"cap: cannot speak ({error}); messages are still recorded",
                          file=sys.stderr)
                self.failed = True

    def _target(self, index: int) -> Path | None:
        return self.out_dir / f"said-{index:03d}.wav" if self.out_dir else None
