"""`cap bench perception`: perception from pixels against simulator ground truth, by condition.

Scored is what the policy API answers from: the detector's objects after the tracker, which for
the arm-occlusion condition has had one look before the arm moved in (as in a running session).
`ms_per_frame` times the detector alone.
"""
from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from cap.progress import progress
from perception.color_detector import ColorDetector
from perception.detector import Detection, Detector
from perception.pixels import PixelPerceiver
from sim.camera import CameraConfig
from perception.palette import BLOCK_SIZE
from sim.objects import BOWL_FLOOR
from sim.scene import SceneSpec
from sim.tabletop import Tabletop

CONDITIONS = ("clutter", "stacked", "in_bowl", "arm_occlusion", "lighting")
MATCH_DISTANCE = 0.03  # a detection within this of an object of its name is a true positive


def stage(table: Tabletop, condition: str, rng: np.random.Generator,
          before_arm_moves=lambda: None) -> None:
    """Arrange the drawn scene for one condition (objects moved by hand, then settled)."""
    truth = table.scene.positions()
    blocks = [n for n in truth if n.endswith("block")]
    bowls = [n for n in truth if n.endswith("bowl")]
    if condition == "stacked" and len(blocks) >= 2:
        below, above = rng.choice(blocks, 2, replace=False)
        table.scene.place(above, truth[below] + [0, 0, BLOCK_SIZE + 0.002])
    elif condition == "in_bowl" and blocks and bowls:
        bowl = rng.choice(bowls)
        table.scene.place(rng.choice(blocks), truth[bowl] + [0, 0, BOWL_FLOOR])
    elif condition == "arm_occlusion":
        before_arm_moves()
        target = truth[rng.choice(blocks + bowls)]
        table.arm.move_to([target[0] + 0.06, target[1], 0.15])
    table.world.run(0.5)


def match(detections: list[Detection], truth: dict[str, np.ndarray]) -> dict:
    """True positives by name and distance; colour right when the nearest object agrees."""
    remaining = dict(truth)
    tp, errors, colors_right = 0, [], 0
    for d in detections:
        name = f"{d.color} {d.kind}"
        if name in remaining and np.linalg.norm(remaining[name] - d.position) < MATCH_DISTANCE:
            errors.append(float(np.linalg.norm(remaining.pop(name) - d.position)))
            tp += 1
        nearest = min(truth, key=lambda n: np.linalg.norm(truth[n] - d.position))
        colors_right += nearest.split()[0] == d.color
    return {"tp": tp, "fp": len(detections) - tp, "fn": len(remaining), "errors": errors,
            "colors_right": colors_right, "detections": len(detections)}


def bench_perception(scenes: int, seed: int) -> dict:
    detector = _TimedDetector(ColorDetector())
    totals: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    errors: dict[str, list] = defaultdict(list)
    render_ms: list[float] = []
    rng = np.random.default_rng(seed)
    for i in progress(range(scenes), scenes, "scenes"):
        condition = CONDITIONS[i % len(CONDITIONS)]
        blocks_n = 6 if condition == "clutter" else 3
        colors = rng.permutation(list(_palette()))
        spec = SceneSpec(tuple(colors[:blocks_n]), tuple(colors[blocks_n:blocks_n + 2]),
                         int(rng.integers(2**31)))
        camera = _lighting(rng) if condition == "lighting" else None
        table = Tabletop(spec, camera=camera)
        perceiver = PixelPerceiver(_timed(table.camera.render, render_ms), table.arm.capsules,
                                   detector=detector)
        stage(table, condition, rng, perceiver.look)
        tracked = perceiver.look()  # what the policy API answers from
        result = match([_as_detection(o) for o in tracked.values()], table.scene.positions())
        table.close()
        for key in ("tp", "fp", "fn", "colors_right", "detections"):
            totals[condition][key] += result[key]
            totals["all"][key] += result[key]
        errors[condition] += result["errors"]
        errors["all"] += result["errors"]
    summary = {c: _summary(totals[c], errors[c]) for c in (*CONDITIONS, "all")}
    overall = summary.pop("all")
    return {**overall, "ms_per_frame": float(np.median(detector.ms)),
            "render_ms_per_frame": float(np.median(render_ms)), "scenes": scenes,
            "conditions": summary}


class _TimedDetector(Detector):
    """The detector, with the milliseconds each call took."""

    def __init__(self, inner: Detector) -> None:
        self.inner, self.ms = inner, []

    def detect(self, frame, exclude=()):
        started = time.perf_counter()
        found = self.inner.detect(frame, exclude)
        self.ms.append(1e3 * (time.perf_counter() - started))
        return found


def _timed(render, ms: list[float]):
    def timed_render():
        started = time.perf_counter()
        frame = render()
        ms.append(1e3 * (time.perf_counter() - started))
        return frame
    return timed_render


def _as_detection(info) -> Detection:
    return Detection(info.kind, info.color, info.position, info.yaw, info.size, (0, 0, 0), 0)


def _summary(t: dict, errors: list[float]) -> dict:
    precision = t["tp"] / max(1, t["tp"] + t["fp"])
    recall = t["tp"] / max(1, t["tp"] + t["fn"])
    cm = 100 * np.array(errors) if errors else np.zeros(1)
    return {"precision": precision, "recall": recall,
            "position_error_cm": {"mean": float(cm.mean()), "p95": float(np.percentile(cm, 95))},
            "color_accuracy": t["colors_right"] / max(1, t["detections"])}


def _lighting(rng: np.random.Generator) -> CameraConfig:
    direction = (float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)), float(rng.uniform(0.5, 1.5)))
    return CameraConfig(light_direction=direction, light_ambient=float(rng.uniform(0.45, 0.75)),
                        light_diffuse=float(rng.uniform(0.2, 0.5)))


def _palette():
    from perception.palette import PALETTE
    return PALETTE
