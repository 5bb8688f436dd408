"""Word error rate and speed of `cap transcribe`'s offline backend on synthesised commands.

    python benchmarks/speech.py [--voices en-us,en-us+m3,...]

Every sentence is spoken by espeak-ng with each voice and speed, read back through the same
path as `cap transcribe` (any rate, silence trimmed) and scored against the text. The
sentences are written here, not drawn from the grammar the recogniser uses.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

from cap.speech import audio
from cap.speech.recognize import PocketSphinx
from cap.speech.wer import normalise, word_errors

SENTENCES = [
    "put the red block in the blue bowl", "stack all the blocks on the top left corner",
    "move the green block five centimeters to the left", "how many blocks are there",
    "put the blocks in a line on the right", "sort the blocks by color",
    "put the yellow block next to the purple bowl and then put the red block on it",
    "which block is closest to the blue bowl",
    "put all the blocks in the bowls with matching colors",
    "move the red block to the bottom right corner", "please pick up the orange block",
    "arrange the blocks in a circle around the middle", "what color is the block on the left",
    "put the cyan block between the pink bowl and the brown bowl",
    "make a tower of three blocks in the middle", "undo that",
]
VOICES = [("en-us", 150), ("en-us+m3", 175), ("en-gb+f2", 130), ("en-us+f4", 160)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", default="red block,blue bowl,green block,yellow block")
    args = parser.parse_args()
    recognizer = PocketSphinx(args.objects.split(","))
    errors = words = 0
    per_4s = []
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "s.wav"
        for voice, speed in VOICES:
            voice_errors = voice_words = 0
            for sentence in SENTENCES:
                subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav),
                                sentence], check=True)
                transcript = recognizer.transcribe(wav)
                seconds = len(audio.prepare(wav)) / audio.RATE
                per_4s.append(transcript.seconds * 4 / seconds)
                wrong = word_errors(normalise(sentence), normalise(transcript.text))
                voice_errors += wrong
                voice_words += len(sentence.split())
            print(f"{voice:10s} {speed} wpm: WER {voice_errors / voice_words:.3f}")
            errors, words = errors + voice_errors, words + voice_words
    print(f"overall WER {errors / words:.3f} over {words} words; seconds per 4 s of speech: "
          f"median {statistics.median(per_4s):.3f}, max {max(per_4s):.3f}")


if __name__ == "__main__":
    main()
