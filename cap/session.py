"""A session on the simulated tabletop: commands in, checked programs run, repaired on failure."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from cap import checks
from cap.api import PolicyAPI
from cap.errors import (CapError, CheckRefused, ExecutionError, ModelUnavailable, OperatorStop,
                        error_kind)
from cap.executor import check
from cap.fgen import FunctionGenerator
from cap.llm.base import ChatModel, Usage
from cap.lmp import LMP, History
from cap.prompts import load_all
from cap.rehearsal import Rehearsal
from cap.safe_modules import library_names, module_surfaces
from cap.sandbox.controller import Limits, Subprogram, Worker
from cap.skills import SkillLibrary
from cap.speech.tts import Speaker
from perception.pixels import PixelPerceiver
from robots.errors import MotionError, RobotDisconnected
from sim.scene import SceneSpec
from sim.tabletop import Tabletop


def cap_home() -> Path:
    return Path(os.environ.get("CAP_HOME", Path.home() / ".cap"))


@dataclass
class SessionConfig:
    spec: SceneSpec = field(default_factory=SceneSpec)
    perception: str = "pixels"
    gui: bool = False
    video: str | None = None
    max_repairs: int = 2
    fgen_depth: int = 4
    history_tokens: int = 600
    use_skill_library: bool = True
    limits: Limits = field(default_factory=Limits)
    tts: str | None = None  # speak said messages: "espeak" or "openai[:MODEL]"
    tts_out: str | None = None  # write the spoken messages as WAV files here instead

    def __post_init__(self) -> None:
        if self.perception not in ("oracle", "pixels"):
            raise ValueError(f"perception must be 'oracle' or 'pixels', got {self.perception!r}")
        if self.max_repairs < 0 or self.fgen_depth < 0:
            raise ValueError("max_repairs and fgen_depth must be >= 0")


@dataclass
class Outcome:
    """What one command or program did, in the shape of the JSON contract."""

    ok: bool = True
    error: str | None = None
    error_kind: str | None = None
    error_type: str | None = None
    programs: list[dict] = field(default_factory=list)

    def fail(self, error: BaseException) -> None:
        self.ok, self.error, self.error_kind = False, str(error), error_kind(error)
        self.error_type = type(error).__name__

    def succeed(self) -> None:
        self.ok, self.error, self.error_kind, self.error_type = True, None, None, None


class Session:
    """One world, one API, one model; top-level variables persist across commands."""

    def __init__(self, config: SessionConfig, model: ChatModel | None = None, table=None,
                 rehearse: bool = False, confirm: Callable[[str], bool] | None = None) -> None:
        """`table`: a robot other than the simulator (cap.ros.robot.RobotTable). `rehearse`:
        every program first runs on a simulated twin. `confirm(code)`: asked before a
        program moves the robot (after its rehearsal); False refuses it."""
        self.config = config
        self.table = table or Tabletop(config.spec, gui=config.gui, video=config.video)
        self.confirm = confirm
        self.api = PolicyAPI(self.table.arm, self._perceiver(), self.table.workspace,
                             on_say=self._said)
        self.usage = Usage()
        self.model = model
        self.history = History(config.history_tokens)
        language = self._language_functions()
        self.signatures = self.api.functions() | language  # what static checks bind calls to
        self.builtin_names = set(self.signatures) | set(library_names(module_surfaces()))
        self.known = set(self.builtin_names)  # grows with what the session's programs define
        self.worker = Worker(self.api.functions(), language, config.limits,
                             on_stop=self.table.arm.stop)
        self.rehearsal = Rehearsal(language, config.limits) if rehearse else None
        self.speaker = Speaker(config.tts, config.tts_out) if config.tts else None
        self.on_program: Callable[[dict], None] | None = None  # each program as it is made
        self.commands: list[str] = []
        self.programs: list[dict] = []
        self.printed: list[str] = []
        self.objects_before = self.table.ground_truth()
        self.started = time.perf_counter()
        if model is not None:
            prompts = load_all()
            self.lmps = {name: LMP(prompt, model, self.usage) for name, prompt in prompts.items()}
            library = SkillLibrary(cap_home() / "skills.sqlite") \
                if config.use_skill_library else None
            self.fgen = FunctionGenerator(self.lmps["fgen"], library, config.fgen_depth,
                                          self._record)

    def _perceiver(self):
        if self.config.perception == "pixels":
            return PixelPerceiver(self.table.camera.render, self.table.arm.capsules,
                                  clock=lambda: self.table.world.time)
        return self.table.oracle()

    def _said(self, message: str) -> None:
        command = self.commands[-1] if self.commands else ""
        self.table.caption(f"{command}  |  robot: {message}")
        if self.speaker:
            self.speaker.say(message)

    def _record(self, lmp: str, query: str, code: str) -> None:
        self.programs.append({"lmp": lmp, "query": query, "code": code})
        if self.on_program:
            self.on_program(self.programs[-1])

    # --- language sub-programs, callable from policy code ---------------------------------
    def _language_functions(self) -> dict:
        def parse_obj_name(description: str, context: str):
            return self._sub_lmp("parse_obj_name", description, context)

        def parse_position(description: str):
            return self._sub_lmp("parse_position", description)

        def parse_question(question: str, context: str):
            return self._sub_lmp("parse_question", question, context)

        def transform_shape_pts(description: str, shape_pts):
            return self._sub_lmp("transform_shape_pts", description, shape_pts=shape_pts)

        return {f.__name__: f for f in (parse_obj_name, parse_position, parse_question,
                                        transform_shape_pts)}

    def _sub_lmp(self, name: str, query, context: str = "", **variables) -> Subprogram:
        """Generate a sub-program for the worker to run; it returns its `ret_val`."""
        if self.model is None:
            raise ExecutionError(f"{name} needs a language model; run with --llm")
        lmp = self.lmps[name]
        code = lmp.generate(str(query), str(context))
        self._record(name, str(query), code)
        context = str(context) if lmp.prompt.exec_context else ""
        known = self.builtin_names | set(variables)
        if context:
            known |= checks.defined_names(check(context, self.signatures))
        definitions = self.fgen.ensure(code, set(known), self.signatures)
        return Subprogram(name, code, definitions, context, variables, lmp.prompt.return_var)

    def _execute(self, code: str) -> None:
        """Check the program, generate the helpers it lacks, and run it in the worker."""
        self.table.arm.resume()
        known = set(self.known)
        if self.model is not None:
            definitions = self.fgen.ensure(code, known, self.signatures)
        else:
            definitions = []
            tree = check(code, self.signatures)
            calls, plain = checks.undefined_calls_and_names(tree, code, known)
            if calls or plain:
                missing = ", ".join(sorted({c.name for c in calls + plain}))
                raise CheckRefused(f"undefined name(s) {missing}; without a model (--llm) no "
                                   "helper functions are generated")
        if self.rehearsal:
            self.rehearsal.check(code, definitions, self.worker.restore_point,
                                 self.table.arm.joint_state().positions, self.api.perceiver.look())
        if self.confirm and not self.confirm(code):
            raise OperatorStop("the operator declined the program; nothing moved")
        self.worker.run(code, definitions, self.printed)
        self.known = known | checks.defined_names(checks.parse(code))

    # --- commands --------------------------------------------------------------------------
    def command(self, text: str) -> Outcome:
        """Generate, check and run a program for a command; repair and retry when it fails."""
        if self.model is None:
            raise CapError("commands need a model; use --llm or 'cap exec'")
        text = " ".join(str(text).split())
        self.worker.interrupted = False  # a stop applies to the command it interrupts
        self.commands.append(text)
        self.table.caption(text)
        outcome, first = Outcome(), len(self.programs)
        context = f"objects = {self.api.get_obj_names()}"
        snapshot, failed = self.table.snapshot(), None
        lmp = self.lmps["tabletop_ui"]
        for _ in range(1 + self.config.max_repairs):
            code = ""
            try:
                code = lmp.generate(text, context, self.history, failed)
                self._record("tabletop_ui", text, code)
                self._execute(code)
            except (CapError, MotionError) as error:
                self.table.arm.stop()
                outcome.fail(error)
                if isinstance(error, OperatorStop):
                    break  # the robot holds where it stopped; nothing is retried
                self.restore(snapshot)
                if isinstance(error, (ModelUnavailable, RobotDisconnected)):
                    break  # asking again will not help; the error says what to fix
                failed = (code, str(error))
                continue
            outcome.succeed()
            self.history.add(lmp.prompt.user_message(text, context), code)
            break
        outcome.programs = self.programs[first:]
        self._go_home()
        return outcome

    def stop(self) -> None:
        """From any thread: the robot holds and the running command ends with OperatorStop."""
        self.worker.interrupt()

    def restore(self, snapshot) -> None:
        """Put the world back as it was at `snapshot`; perception starts over."""
        self.table.restore(snapshot)
        self.api.perceiver.forget()

    def _go_home(self) -> None:
        """Clear the camera's view for the next look; a stopped robot stays where it is."""
        try:
            self.table.arm.home()
        except MotionError:
            self.table.arm.stop()

    def exec_program(self, code: str, label: str = "exec") -> Outcome:
        """Run a policy program (no top-level model); failures are reported, never raised."""
        self.worker.interrupted = False
        self.commands.append(f"<{label}>")
        self.table.caption(f"[{label}]")
        outcome, first = Outcome(), len(self.programs)
        self._record(label, "", code)
        try:
            self._execute(code)
        except (CapError, MotionError) as error:
            self.table.arm.stop()
            outcome.fail(error)
        outcome.programs = self.programs[first:]
        self._go_home()
        return outcome

    def report(self, outcome: Outcome) -> dict:
        """The JSON object of `cap run` / `cap exec` (DESIGN.md), after the last command."""
        return {
            "ok": outcome.ok,
            "error": outcome.error,
            "error_kind": outcome.error_kind,
            "commands": self.commands,
            "said": list(self.api.said),
            "printed": self.printed,
            "programs": self.programs,
            "llm": self.usage.as_dict() | {"model": getattr(self.model, "name", None),
                                           "baseline": bool(getattr(self.model, "is_baseline", 0))},
            "seconds": round(time.perf_counter() - self.started, 3),
            "objects_before": self.objects_before,
            "objects": self.table.ground_truth(),
            "places": {k: [round(float(v), 4) for v in xy]
                       for k, xy in self.table.workspace.places().items()},
            "video": str(self.config.video) if self.config.video else None,
        }

    def close(self) -> None:
        if self.speaker:
            self.speaker.close()
        if self.rehearsal:
            self.rehearsal.close()
        self.worker.close()
        self.table.close()
