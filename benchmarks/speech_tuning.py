"""The held-out set the speech settings are chosen on (the ask threshold among them): other
sentences, other scenes and other espeak-ng voices than benchmarks/speech.py, which only
measures. Each scene's sentences name only objects on its table.

    .venv/bin/python benchmarks/speech_tuning.py [--modes scene,no-scene] [--json]

prints, per mode, the word error rate and, for each candidate ask margin, how often cap
asks and how many wrong object names it still acts on.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speech import asking, recognise, synthesise, word_errors_of  # noqa: E402

SCENES: dict[tuple[str, ...], list[str]] = {
    ("green block", "gray block", "orange block", "cyan block", "red bowl", "yellow bowl",
     "purple bowl"): [
        "put the gray block in the yellow bowl", "move the green block to the top side",
        "place the cyan block on the orange block",
        "put the orange block three centimeters to the right of the gray block",
        "is the green block inside the purple bowl", "move the red bowl down a little",
        "put the gray block and the green block in the red bowl",
        "stack the cyan block on top of the gray block",
        "move the yellow bowl to the left side of the table",
        "which bowl is closest to the green block", "put the green block in the purple bowl",
        "slide the gray block six centimeters up", "put the cyan block in the corner",
        "where is the orange block", "drop the green block next to the red bowl",
    ],
    ("blue block", "brown block", "pink block", "purple block", "gray bowl", "green bowl",
     "orange bowl"): [
        "put the pink block in the green bowl", "move the purple block to the bottom left corner",
        "stack the brown block on the blue block", "put the blue block in the gray bowl",
        "move the pink block four centimeters down", "what is in the orange bowl",
        "put the purple block to the right of the pink block",
        "place the brown block in the orange bowl", "move the green bowl to the middle",
        "put every block into the gray bowl", "take the blue block out of the green bowl",
        "put the purple block between the gray bowl and the green bowl",
        "which block is farthest from the orange bowl", "push the gray bowl up",
        "pick up the pink block and put it on the brown block",
    ],
    ("red block", "yellow block", "cyan block", "brown block", "blue bowl", "green bowl",
     "gray bowl"): [
        "put the yellow block in the gray bowl", "put the red block in the green bowl",
        "move the cyan block eight centimeters to the left",
        "stack the red block on the brown block", "move the blue bowl to the top left corner",
        "put the brown block above the green bowl", "is the cyan block next to the gray bowl",
        "put the yellow block on top of the cyan block",
        "move the gray bowl a bit to the right", "put the blocks in a line along the left side",
        "put the red block and the yellow block in the blue bowl",
        "which block is nearest to the gray bowl", "place the brown block in the green bowl",
        "move the green bowl away from the gray bowl", "count the blocks that are in the bowls",
    ],
}
# none of benchmarks/speech.py's voices
VOICES = [("en-us+m1", 165), ("en-gb+m4", 145), ("en-us+f3", 140), ("en-gb-x-rp+f5", 155),
          ("en-us-nyc+m2", 170)]
MARGINS = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5]


def sweep(readings: list, margins: list[float] = MARGINS) -> list[dict]:
    """The asking figures at each candidate margin (no recognition: the doubt is kept)."""
    return [asking(readings, margin) for margin in margins]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", default="whisper-local")
    parser.add_argument("--modes", default="scene,no-scene")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    items = [(list(scene), sentence) for scene, sentences in SCENES.items()
             for sentence in sentences]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        recordings = synthesise(Path(tmp), items, VOICES)
        for mode in args.modes.split(","):
            readings, _ = recognise(args.backend, recordings, mode == "scene")
            results[mode] = {**word_errors_of(readings), "sweep": sweep(readings)}
    if args.json:
        print(json.dumps(results, indent=1))
        return
    for mode, result in results.items():
        print(f"{mode}: WER {100 * result['wer']:.1f} %, object names wrong "
              f"{100 * result['object_name_error_rate']:.1f} %")
        for row in result["sweep"]:
            print(f"  margin {row['ask_margin']:.1f}: asked {100 * row['asked']:.1f} %, dropped "
                  f"{100 * row['dropped']:.1f} %, wrong names acted on "
                  f"{100 * row['names_wrong_acted_on']:.2f} %")


if __name__ == "__main__":
    main()
