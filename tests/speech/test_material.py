"""The speech benchmark measures on sentences the recogniser was not built from."""
import sys
from pathlib import Path

from cap.speech.grammar import corpus, known_commands
from cap.speech.recognize import CORPUS_SIZE, whisper_prompts
from cap.speech.words import normalise

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import speech  # noqa: E402
import speech_tuning  # noqa: E402


def benchmark_sentences() -> set[str]:
    return {normalise(sentence) for sentence in speech.SENTENCES}


def test_no_benchmark_sentence_is_in_the_language_models_training_corpus():
    for names in (speech.SCENE, []):  # the corpus holds the known commands, weighted
        training = set(corpus(names, CORPUS_SIZE)) | set(known_commands())
        assert not benchmark_sentences() & training, names


def test_no_benchmark_sentence_is_in_the_whisper_prompts():
    prompts = [normalise(p) for p in whisper_prompts([]) + whisper_prompts(speech.SCENE)]
    assert not [s for s in benchmark_sentences() if any(s in p for p in prompts)]


def test_the_tuning_set_shares_no_sentence_scene_or_voice_with_the_benchmark():
    tuning = {normalise(s) for sentences in speech_tuning.SCENES.values() for s in sentences}
    assert not tuning & benchmark_sentences()
    assert tuple(speech.SCENE) not in speech_tuning.SCENES
    assert not {v for v, _ in speech_tuning.VOICES} & {v for v, _ in speech.VOICES}
