"""Speech backends side by side on the same synthesised commands: word error rate per voice,
errors on object names, transcription time, real-time factor, load time and memory.

    .venv/bin/python benchmarks/speech.py [--backends whisper-local,pocketsphinx] [--no-scene]
                                          [--json]

Every sentence is spoken by espeak-ng with each voice and speed, read back through the same
path as `cap transcribe` and scored against the text (both normalised the same way: numbers
spelt out). The sentences are written here, not drawn from the grammar the recognisers use.
The recognisers know the scene's object names, or with --no-scene none (as `cap transcribe`
without --objects).
"""
from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cap.progress import progress  # noqa: E402
from cap.speech import audio  # noqa: E402
from cap.speech.recognize import make_recognizer  # noqa: E402
from cap.speech.wer import word_errors  # noqa: E402
from cap.speech.words import normalise  # noqa: E402

SCENE = ["red block", "green block", "yellow block", "gray block", "purple block",
         "blue bowl", "pink bowl", "brown bowl"]
SENTENCES = [
    "put the red block in the blue bowl", "stack all the blocks on the top left corner",
    "move the green block five centimeters to the left", "how many blocks are there",
    "put the blocks in a line on the right", "sort the blocks by color",
    "put the yellow block next to the purple block and then put the red block on it",
    "which block is closest to the blue bowl", "put all the blocks in the bowls",
    "move the red block to the bottom right corner", "please pick up the gray block",
    "arrange the blocks in a circle around the middle", "what color is the block on the left",
    "put the purple block between the pink bowl and the brown bowl",
    "make a tower of three blocks in the middle", "undo that",
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
    "put the blocks in a row along the top side", "how many bowls do you see",
    "put the block that is closest to the pink bowl into it",
]
VOICES = [("en-us", 150), ("en-us+m3", 175), ("en-gb+f2", 130), ("en-us+f4", 160)]
NAME = re.compile(r"\b(?:red|green|yellow|gray|purple|blue|pink|brown) (?:block|bowl)\b")


def synthesise(folder: Path) -> list[tuple[str, str, Path]]:
    """(voice, sentence, wav) for every voice and sentence."""
    out = []
    for v, (voice, speed) in enumerate(VOICES):
        for s, sentence in enumerate(SENTENCES):
            wav = folder / f"{v}-{s}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav),
                            sentence], check=True)
            out.append((voice, sentence, wav))
    return out


def measure(backend: str, recordings: list[tuple[str, str, Path]], scene: list[str]) -> dict:
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    recognizer = make_recognizer(backend, scene)
    recognizer.transcribe(recordings[0][2])  # warm: background builds finished
    load = time.perf_counter() - started
    errors: dict[str, list[int]] = {voice: [0, 0] for voice, _ in VOICES}
    names = [0, 0]  # object names missed, said
    durations, times, misheard = [], [], []
    for voice, sentence, wav in progress(recordings, len(recordings), "utterances"):
        transcript = recognizer.transcribe(wav)
        seconds = len(audio.prepare(wav)) / audio.RATE
        durations.append(seconds)
        times.append(transcript.seconds)
        reference, heard = normalise(sentence), normalise(transcript.text)
        wrong = word_errors(reference, heard)
        errors[voice][0] += wrong
        errors[voice][1] += len(reference.split())
        said = NAME.findall(reference)
        names[0] += sum(1 for name in said if name not in NAME.findall(heard))
        names[1] += len(said)
        if wrong:
            misheard.append(f"{voice}: {sentence!r} -> {transcript.text!r}")
    total = [sum(e[0] for e in errors.values()), sum(e[1] for e in errors.values())]
    return {
        "backend": backend, "scene": scene, "utterances": len(recordings),
        "wer": round(total[0] / total[1], 4),
        "wer_by_voice": {v: round(e[0] / e[1], 4) for v, e in errors.items()},
        "object_name_error_rate": round(names[0] / max(1, names[1]), 4),
        "seconds_for_4s": seconds_for_4s(durations, times),
        "real_time_factor": round(statistics.median(t / d for t, d in zip(times, durations)), 3),
        "load_seconds": round(load, 3),
        "memory_mb": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory) / 1024),
        "misheard": misheard,
    }


def seconds_for_4s(durations: list[float], times: list[float]) -> dict:
    """Seconds to transcribe 4 s of speech: a straight line fitted to every utterance's time
    against its length (Whisper's cost is mostly fixed, its 30 s window, so scaling a short
    utterance's time up overstates it), and the median of the utterances near 4 s."""
    slope, intercept = np.polyfit(durations, times, 1)
    near = [t for d, t in zip(durations, times) if 3.5 <= d <= 4.5]
    return {"fit": round(float(intercept + 4 * slope), 3), "utterances": len(near),
            "median": round(statistics.median(near), 3) if near else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="whisper-local,pocketsphinx")
    parser.add_argument("--no-scene", action="store_true",
                        help="no object names for the recognisers")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        recordings = synthesise(Path(tmp))
        scene = [] if args.no_scene else SCENE
        results = [measure(b, recordings, scene) for b in args.backends.split(",")]
    if args.json:
        print(json.dumps(results, indent=1))
        return
    for r in results:
        voices = ", ".join(f"{v} {100 * w:.1f} %" for v, w in r["wer_by_voice"].items())
        print(f"{r['backend']:14s} WER {100 * r['wer']:.1f} % ({voices}); object names wrong "
              f"{100 * r['object_name_error_rate']:.1f} %; {r['seconds_for_4s']['fit']:.2f} s "
              f"for 4 s of speech (median {r['seconds_for_4s']['median'] or float('nan'):.2f} s over "
              f"{r['seconds_for_4s']['utterances']} utterances of 3.5-4.5 s), RTF "
              f"{r['real_time_factor']:.2f}; load {r['load_seconds']:.2f} s; "
              f"+{r['memory_mb']} MB")
        for line in r["misheard"]:
            print("   ", line)


if __name__ == "__main__":
    main()
