"""Speech backends side by side on the same synthesised commands: word error rate per voice,
errors on object names, how often cap asks about a name and how many wrong names it would
still act on, transcription time, real-time factor, load time and memory.

    .venv/bin/python benchmarks/speech.py [--backends whisper-local,pocketsphinx]
                                          [--modes scene,no-scene] [--json]

Every sentence is spoken by espeak-ng with each voice and speed, read back through the same
path as `cap transcribe` and scored against the text (both normalised the same way: numbers
spelt out). The sentences are written here, not drawn from the grammar the recognisers use
(none is in their training material: tests/speech/test_material.py). In the mode `scene` the
recognisers know the scene's object names, in `no-scene` none (as `cap transcribe` without
--objects). Where cap would ask (cap.speech.ask), the speaker answers with the name they
said when it is offered (or the words it said in its place, when a reading without a name there
is offered: "every block") and "neither" when not (the command is dropped); a wrong name acted
on is a name in the command finally run that the speaker did not say (a name lost without
another in its place, "the gray bowl" heard as "the rainbow", names no object: it counts
among the names misheard, not the wrong ones acted on).
"""
from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
from collections import Counter
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cap.progress import progress  # noqa: E402
from cap.speech import audio  # noqa: E402
from cap.speech.ask import ASK_MARGIN, Clarification  # noqa: E402
from cap.speech.doubt import name_spans, palette_names  # noqa: E402
from cap.speech.recognize import Transcript  # noqa: E402
from cap.speech.recognize import make_recognizer  # noqa: E402
from cap.speech.wer import word_errors  # noqa: E402
from cap.speech.words import normalise  # noqa: E402
from perception.palette import PALETTE  # noqa: E402

SCENE = ["red block", "green block", "yellow block", "gray block", "purple block",
         "blue bowl", "pink bowl", "brown bowl"]
SENTENCES = [
    "drop the red block into the blue bowl", "stack all the blocks in the bottom left corner",
    "move the green block five centimeters to the left", "how many blocks can you count",
    "put the blocks in a line on the right", "sort the blocks by color",
    "put the yellow block next to the purple block and then put the red block on it",
    "which block is nearest the blue bowl", "put all the blocks in the bowls",
    "move the red block to the bottom right corner", "please pick up the gray block",
    "arrange the blocks in a circle around the middle", "what color is the block on the left",
    "put the purple block between the pink bowl and the brown bowl",
    "make a tower of three blocks in the middle", "undo the last thing you did",
    "put the gray block in the pink bowl", "move the yellow block ten centimeters up",
    "put the green block on top of the red block", "push the brown bowl to the right side",
    "place the purple block in the brown bowl", "move the blue bowl to the top right corner",
    "put the red block to the left of the gray block", "is the yellow block in a bowl",
    "put every block in the pink bowl", "stack the green block on the yellow block",
    "move the gray block a little bit closer to the blue bowl",
    "put the blocks in a vertical line in the middle", "where is the purple block",
    "take the red block out of the blue bowl", "put the yellow block in the corner nearest to it",
    "move all the bowls to the bottom side", "put the green block two centimeters above the "
    "pink bowl", "which bowl is farthest from the red block", "spread the blocks out",
    "put the brown bowl in the middle of the table", "swap the red block and the green block",
    "put the gray block on the purple block", "move the pink bowl five centimeters down",
    "put the blocks in a row along the top side", "count the bowls on the table",
    "put the block that is closest to the pink bowl into it",
]
VOICES = [("en-us", 150), ("en-us+m3", 175), ("en-gb+f2", 130), ("en-us+f4", 160)]
NAME = re.compile(rf"\b(?:{'|'.join(PALETTE)}) (?:block|bowl)\b")
MODES = {"scene": SCENE, "no-scene": []}


def synthesise(folder: Path, items: list[tuple[list[str], str]] | None = None,
               voices: list[tuple[str, int]] = VOICES) -> list[tuple[str, list[str], str, Path]]:
    """(voice, scene, sentence, wav) for every voice and (scene, sentence) item."""
    out = []
    for v, (voice, speed) in enumerate(voices):
        for s, (scene, sentence) in enumerate(items or [(SCENE, s) for s in SENTENCES]):
            wav = folder / f"{v}-{s}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav),
                            sentence], check=True)
            out.append((voice, scene, sentence, wav))
    return out


def recognise(backend: str, recordings: list, with_scene: bool = True) -> tuple[list, dict]:
    """(voice, sentence, transcript) for every recording, the recogniser knowing its scene's
    names (or none), and the costs: seconds per utterance, load time and memory."""
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    recognizers: dict[tuple, object] = {}
    readings, durations, load = [], [], None
    for voice, scene, sentence, wav in progress(recordings, len(recordings), "utterances"):
        names = tuple(scene) if with_scene else ()
        if names not in recognizers:
            recognizers[names] = make_recognizer(backend, names)
            recognizers[names].transcribe(wav)  # warm: background builds finished
            load = load or time.perf_counter() - started
        readings.append((voice, sentence, recognizers[names].transcribe(wav)))
        durations.append(len(audio.prepare(wav)) / audio.RATE)
    times = [transcript.seconds for _, _, transcript in readings]
    return readings, {
        "seconds_for_4s": seconds_for_4s(durations, times),
        "real_time_factor": round(statistics.median(t / d for t, d in zip(times, durations)), 3),
        "load_seconds": round(load, 3),
        "memory_mb": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory) / 1024)}


def measure(backend: str, recordings: list, with_scene: bool = True) -> dict:
    """Recognise every recording and score the lot."""
    readings, costs = recognise(backend, recordings, with_scene)
    return {"backend": backend, "scene": with_scene, "utterances": len(recordings),
            **word_errors_of(readings), **asking(readings), **costs,
            "readings": [{"voice": v, "said": s, "heard": t.text,
                          "doubt": None if t.doubt is None else [d.as_json() for d in t.doubt]}
                         for v, s, t in readings]}


def word_errors_of(readings: list[tuple[str, str, Transcript]]) -> dict:
    """Word error rate, overall and per voice, and the rate of object names misheard."""
    errors: dict[str, list[int]] = {}
    names, misheard = [0, 0], []
    for voice, sentence, transcript in readings:
        reference, heard = normalise(sentence), normalise(transcript.text)
        wrong = word_errors(reference, heard)
        count = errors.setdefault(voice, [0, 0])
        count[0] += wrong
        count[1] += len(reference.split())
        names[0] += names_lost(reference, heard)
        names[1] += len(NAME.findall(reference))
        if wrong:
            misheard.append(f"{voice}: {sentence!r} -> {transcript.text!r}")
    total = [sum(e[0] for e in errors.values()), sum(e[1] for e in errors.values())]
    return {"wer": round(total[0] / total[1], 4),
            "wer_by_voice": {v: round(e[0] / e[1], 4) for v, e in errors.items()},
            "object_name_error_rate": round(names[0] / max(1, names[1]), 4),
            "misheard": misheard}


def names_lost(reference: str, heard: str) -> int:
    """Object names said that the heard text lacks."""
    return sum(1 for name in NAME.findall(reference) if name not in NAME.findall(heard))


def names_added(reference: str, heard: str) -> int:
    """Object names in the heard text that were not said (each as often as it was)."""
    return sum((Counter(NAME.findall(heard)) - Counter(NAME.findall(reference))).values())


def asking(readings: list[tuple[str, str, Transcript]], margin: float = ASK_MARGIN) -> dict:
    """How often cap asks, drops, and acts on a wrong object name, the speaker answering."""
    asked = dropped = wrong = said = 0
    for _, sentence, transcript in readings:
        reference = normalise(sentence)
        clarification = Clarification(transcript, margin)
        asked += clarification.question is not None
        while question := clarification.question:
            clarification.answer(speaker_answer(reference, clarification.command, question))
        said += len(NAME.findall(reference))
        if clarification.command is None:
            dropped += 1
        else:
            wrong += names_added(reference, normalise(clarification.command))
    return {"asked": round(asked / len(readings), 4), "dropped": round(dropped / len(readings), 4),
            "names_wrong_acted_on": round(wrong / max(1, said), 4), "ask_margin": margin}


def speaker_answer(reference: str, command: str, question) -> str:
    """The name the speaker said where the asked one stands (the n-th name of each), when
    offered; else the words offered in its place that the speaker said; otherwise "neither"."""
    names = [name for _, _, name in name_spans(reference.split(), palette_names())]
    heard = [start for start, _, _ in name_spans(command.split(), palette_names())]
    if len(names) == len(heard) and question.start in heard:
        meant = names[heard.index(question.start)]
        if meant in question.options:
            return f"the {meant}"
    said = [c.name for c in question.choices if not c.named and f" {c.name} " in f" {reference} "]
    return said[0] if len(said) == 1 else "neither"


def seconds_for_4s(durations: list[float], times: list[float]) -> dict:
    """Seconds to transcribe 4 s of speech: a straight line fitted to every utterance's time
    against its length (Whisper's cost is mostly fixed, its 30 s window, so scaling a short
    utterance's time up overstates it), and the median of the utterances near 4 s."""
    slope, intercept = np.polyfit(durations, times, 1)
    near = [t for d, t in zip(durations, times) if 3.5 <= d <= 4.5]
    return {"fit": round(float(intercept + 4 * slope), 3), "utterances": len(near),
            "median": round(statistics.median(near), 3) if near else None}


def report(r: dict) -> str:
    voices = ", ".join(f"{v} {100 * w:.1f} %" for v, w in r["wer_by_voice"].items())
    return (f"{r['backend']:14s} {'scene' if r['scene'] else 'no scene':8s} WER "
            f"{100 * r['wer']:.1f} % ({voices}); object names wrong "
            f"{100 * r['object_name_error_rate']:.1f} %, acted on after asking "
            f"{100 * r['names_wrong_acted_on']:.1f} %; asked {100 * r['asked']:.1f} %, dropped "
            f"{100 * r['dropped']:.1f} %; {r['seconds_for_4s']['fit']:.2f} s for 4 s of speech "
            f"(median {r['seconds_for_4s']['median'] or float('nan'):.2f} s over "
            f"{r['seconds_for_4s']['utterances']} utterances of 3.5-4.5 s), RTF "
            f"{r['real_time_factor']:.2f}; load {r['load_seconds']:.2f} s; +{r['memory_mb']} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="whisper-local,pocketsphinx")
    parser.add_argument("--modes", default="scene,no-scene",
                        help="with the scene's object names, without, or both")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        recordings = synthesise(Path(tmp))
        results = [measure(b, recordings, mode == "scene") for b in args.backends.split(",")
                   for mode in args.modes.split(",")]
    if args.json:
        print(json.dumps(results, indent=1))
        return
    for r in results:
        print(report(r))
        for line in r["misheard"]:
            print("   ", line)


if __name__ == "__main__":
    main()
