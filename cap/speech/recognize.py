"""Speech recognisers: offline pocketsphinx against the tabletop grammar, and whisper over
an OpenAI-compatible `audio.transcriptions` endpoint."""
from __future__ import annotations

import hashlib
import os
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from cap.errors import CapError
from cap.speech import audio
from cap.speech.grammar import GRAMMAR_VERSION, corpus, spoken, vocabulary
from cap.speech.ngram import arpa

CORPUS_SIZE = 20_000


class SpeechError(CapError):
    """Nothing usable was heard, or the recogniser is unavailable."""


@dataclass(frozen=True)
class Transcript:
    text: str
    seconds: float
    backend: str


class Recognizer(ABC):
    name: str

    def transcribe(self, source: str | Path | bytes) -> Transcript:
        """Text of a WAV recording (path or bytes). Raises AudioError / SpeechError."""
        start = time.perf_counter()
        text = " ".join(self.decode(audio.prepare(source)).split())
        if not text:
            raise SpeechError("could not make out a command in the recording; please say it again")
        return Transcript(text, time.perf_counter() - start, self.name)

    @abstractmethod
    def decode(self, speech: np.ndarray) -> str:
        """Words of 16 kHz mono float32 speech ('' when unintelligible)."""


class PocketSphinx(Recognizer):
    """Offline: pocketsphinx's bundled US English acoustic model and dictionary with a
    trigram model of the tabletop grammar (built once per set of scene names, cached under
    CAP_HOME). `object_names` adds the scene's names ("red block 2")."""

    name = "pocketsphinx"

    def __init__(self, object_names: Iterable[str] = ()) -> None:
        try:
            import pocketsphinx
        except ImportError:
            raise SpeechError("pocketsphinx is not installed (pip install 'cap[speech]')") from None
        pocketsphinx.set_loglevel("FATAL")
        self.written = {spoken(name): name for name in object_names}
        # dither: synthetic and digitally silent audio has exact zeros, which the features
        # (log energies) handle badly; the second (flat) pass measured no better, and slower
        self.decoder = pocketsphinx.Decoder(lm=str(language_model(sorted(self.written))),
                                            samprate=audio.RATE, dither=True, fwdflat=False)

    def decode(self, speech: np.ndarray) -> str:
        self.decoder.start_utt()
        self.decoder.process_raw(audio.to_pcm16(speech), no_search=False, full_utt=True)
        self.decoder.end_utt()
        hypothesis = self.decoder.hyp()
        text = hypothesis.hypstr if hypothesis else ""
        for said, name in self.written.items():  # "red block two" -> the scene's "red block 2"
            text = text.replace(said, name)
        return text


class Whisper(Recognizer):
    """Open vocabulary through an OpenAI-compatible transcription endpoint (OpenAI, or a
    local faster-whisper / whisper.cpp server via OPENAI_BASE_URL)."""

    name = "whisper"

    def __init__(self, model: str = "whisper-1", base_url: str | None = None) -> None:
        from openai import OpenAI
        self.model = model
        self.client = OpenAI(base_url=base_url or os.environ.get("OPENAI_BASE_URL"),
                             api_key=os.environ.get("OPENAI_API_KEY", "none"), max_retries=1,
                             timeout=60)

    def decode(self, speech: np.ndarray) -> str:
        import openai
        try:
            result = self.client.audio.transcriptions.create(
                model=self.model, file=("speech.wav", audio.to_wav(speech), "audio/wav"))
        except openai.APIError as error:
            raise SpeechError(f"the transcription server failed: {error}") from None
        return result.text.strip().rstrip(".!?").lower() if result.text else ""


def language_model(spoken_names: list[str]) -> Path:
    """The ARPA file of the grammar with these names, built on first use."""
    from cap.session import cap_home
    key = hashlib.sha256(repr((GRAMMAR_VERSION, CORPUS_SIZE, spoken_names)).encode())
    path = cap_home() / "speech" / f"tabletop-{key.hexdigest()[:16]}.arpa"
    if not path.exists():
        sentences = corpus(spoken_names, CORPUS_SIZE)
        words = vocabulary(spoken_names) | {w for s in sentences for w in s.split()}
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(arpa(sentences, words))
        partial.replace(path)
    return path


def make_recognizer(spec: str = "pocketsphinx", object_names: Iterable[str] = ()) -> Recognizer:
    """`pocketsphinx` or `whisper[:MODEL]`."""
    backend, _, model = spec.partition(":")
    if backend == "pocketsphinx":
        return PocketSphinx(object_names)
    if backend == "whisper":
        return Whisper(model or "whisper-1")
    raise SpeechError(f"unknown speech backend {spec!r}: use pocketsphinx or whisper[:MODEL]")
