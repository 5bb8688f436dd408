"""A session on the simulated tabletop: one world, one API, variables that persist."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from cap.api import PolicyAPI
from cap.errors import CapError, error_kind
from cap.executor import Namespace, run
from robots.errors import MotionError
from sim.scene import SceneSpec
from sim.tabletop import Tabletop


@dataclass
class SessionConfig:
    spec: SceneSpec = field(default_factory=SceneSpec)
    perception: str = "oracle"
    gui: bool = False
    video: str | None = None

    def __post_init__(self) -> None:
        if self.perception not in ("oracle", "pixels"):
            raise ValueError(f"perception must be 'oracle' or 'pixels', got {self.perception!r}")


@dataclass
class Outcome:
    """What one command or program did, in the shape of the JSON contract."""

    ok: bool = True
    error: str | None = None
    error_kind: str | None = None
    programs: list[dict] = field(default_factory=list)
    printed: list[str] = field(default_factory=list)


class Session:
    def __init__(self, config: SessionConfig) -> None:
        self.config = config
        self.table = Tabletop(config.spec, gui=config.gui, video=config.video)
        self.api = PolicyAPI(self.table.arm, self._perceiver(), self.table.workspace)
        self.namespace = Namespace(self.api.functions())
        self.commands: list[str] = []
        self.objects_before = self.table.ground_truth()
        self.started = time.perf_counter()

    def _perceiver(self):
        if self.config.perception == "pixels":
            from perception.pixels import PixelPerceiver
            return PixelPerceiver(self.table.camera.render, self.table.workspace)
        return self.table.oracle()

    def exec_program(self, code: str, label: str = "exec") -> Outcome:
        """Run a policy program (no model involved); failures are reported, never raised."""
        outcome = Outcome(programs=[{"lmp": label, "query": "", "code": code}])
        self.commands.append(f"<{label}>")
        self.table.caption(f"[{label}]")
        try:
            run(code, self.namespace, printed=outcome.printed)
        except (CapError, MotionError) as error:
            self.table.arm.stop()
            outcome.ok, outcome.error, outcome.error_kind = False, str(error), error_kind(error)
        return outcome

    def report(self, outcome: Outcome) -> dict:
        return {
            "ok": outcome.ok,
            "error": outcome.error,
            "error_kind": outcome.error_kind,
            "commands": self.commands,
            "said": list(self.api.said),
            "printed": outcome.printed,
            "programs": outcome.programs,
            "llm": {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cache_hits": 0,
                    "seconds": 0.0},
            "seconds": round(time.perf_counter() - self.started, 3),
            "objects_before": self.objects_before,
            "objects": self.table.ground_truth(),
            "places": {k: [round(float(v), 4) for v in xy]
                       for k, xy in self.table.workspace.places().items()},
            "video": self.config.video,
        }

    def close(self) -> None:
        self.table.close()
