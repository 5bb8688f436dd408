"""`cap demo`: a short tour of commands on a seeded scene, recorded to a captioned video."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from cap.llm.base import ChatModel
from cap.config import SessionConfig
from cap.session import Session
from sim.scene import SceneSpec

DEMO_SCENE = SceneSpec(blocks=("red", "green", "yellow"), bowls=("blue", "pink"), seed=7)
DEMO_COMMANDS = (
    "which block is closest to the blue bowl?",
    "put the green block in the blue bowl",
    "move the red block to the top right corner",
    "put the blocks in a vertical line on the right side",
    "how many blocks are there?",
)


def run_demo(model: ChatModel, out_dir: Path) -> dict:
    video = out_dir / f"demo-{time.strftime('%Y%m%d-%H%M%S')}.mp4"
    outcomes = []
    with Session(SessionConfig(DEMO_SCENE, video=str(video)), model) as session:
        for command in DEMO_COMMANDS:
            print(f"> {command}", file=sys.stderr, flush=True)
            outcome = session.command(command)
            outcomes.append(outcome)
            for program in outcome.programs:
                print(f"  [{program['lmp']}] {program['code']}".replace("\n", "\n    "),
                      file=sys.stderr)
            status = "ok" if outcome.ok else f"failed: {outcome.error}"
            print(f"  -> {status}", file=sys.stderr, flush=True)
        report = session.report(outcomes[-1])
    report["ok"] = all(o.ok for o in outcomes)
    report["summary"] = {"commands": len(outcomes), "succeeded": sum(o.ok for o in outcomes),
                         "video_bytes": video.stat().st_size if video.exists() else 0}
    print(f"demo: {report['summary']['succeeded']}/{len(outcomes)} commands ran, said "
          f"{report['said']}, video {video} ({report['summary']['video_bytes'] // 1024} KiB), "
          f"{report['seconds']:.1f} s", file=sys.stderr)
    return report
