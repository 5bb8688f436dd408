"""What watching costs: render time per frame of the perception and presentation cameras, and
of one composed video frame (overlays, inset, caption), medians over many frames.

    python benchmarks/render.py [--frames 30] [--egl]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cap import overlays  # noqa: E402
from perception.objects import Look  # noqa: E402
from sim.scene import SceneSpec  # noqa: E402
from sim.tabletop import Tabletop  # noqa: E402


def median_ms(function, frames: int) -> float:
    function()  # warm up
    times = []
    for _ in range(frames):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return 1e3 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--egl", action="store_true", help="PyBullet's EGL renderer")
    args = parser.parse_args()
    table = Tabletop(SceneSpec(blocks=("red", "green", "yellow"), bowls=("blue", "pink"),
                               seed=7), egl=args.egl)
    look = Look(table.oracle().look(), table.camera.render())
    view = table.view()
    path = table.arm.kinematics.skeleton(table.arm.joint_state().positions)[0]
    renderer = "EGL" if table.world.egl else "TinyRenderer"
    c, p = table.camera.config, table.presentation.config
    print(f"{renderer}, median of {args.frames} frames:")
    print(f"  perception camera {c.width}x{c.height}: "
          f"{median_ms(table.camera.render, args.frames):.1f} ms")
    print(f"  presentation camera {p.width}x{p.height}: "
          f"{median_ms(table.view, args.frames):.1f} ms")
    compose = lambda: overlays.video_frame(  # noqa: E731
        overlays.with_path(view, path), overlays.draw_look(look, overlays.INSET_WIDTH),
        ["> put the green block in the blue bowl", "robot: done"])
    print(f"  overlays, inset and caption of one video frame: "
          f"{median_ms(compose, args.frames):.1f} ms")
    table.close()


if __name__ == "__main__":
    main()
