"""A session: one robot cell, one model, one sandbox. Commands in, checked programs run,
repaired on failure. Front ends (shell, web page, ROS 2 agent, demo, benchmarks) use only
the methods of `Session`; its collaborators are private."""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from cap import checks, overlays
from cap.api import PolicyAPI
from cap.config import SessionConfig, cap_home
from cap.errors import (CapError, CheckRefused, DidNothing, ExecutionError, GenerationError,
                        ModelUnavailable, NoRoom, OperatorStop, PolicyError, WallTimeExceeded,
                        error_kind, failure_class)
from cap.fgen import FunctionGenerator
from cap.llm.base import ChatModel, Usage
from cap.llm.calls import Call, Watch
from cap.lmp import LMP, History
from cap.origins import Origins
from cap.perceivers import make_perceiver
from cap.program import Program
from cap.prompts import load_all
from cap.recording import Recording
from cap.rehearsal import Rehearsal
from cap.safe_modules import library_names, module_surfaces
from cap.sandbox.controller import Sandbox
from cap.skills import SkillLibrary
from cap.subprograms import LanguageFunctions
from cap.speech.tts import Speaker
from perception.objects import Look, ObjectInfo
from robots.cell import Cell, SimCell
from robots.errors import MotionError, RobotDisconnected
from sim.tabletop import Tabletop

EVENTS = ("program", "said", "outcome", "wait")
CODE_FAULTS = (ExecutionError, CheckRefused, PolicyError, GenerationError)  # the code's own
VIDEO_FPS = 10  # frames per second of the cell's time
UNDO_DEPTH = 20  # commands that can be undone; older snapshots are freed (each holds ~250 kB)


@dataclass
class Outcome:
    """What one command or program did, in the shape of the JSON contract."""

    ok: bool = True
    error: str | None = None
    error_kind: str | None = None
    failure: str | None = None  # the benchmark failure class (cap.errors.failure_class)
    programs: list[dict] = field(default_factory=list)
    said: list[str] = field(default_factory=list)  # what the robot said during it
    printed: list[str] = field(default_factory=list)  # what its programs printed
    llm: dict = field(default_factory=dict)  # model use during it
    seconds: float = 0.0

    def fail(self, error: BaseException) -> None:
        self.ok, self.error, self.error_kind = False, str(error), error_kind(error)
        self.failure = failure_class(error)

    def succeed(self) -> None:
        self.ok, self.error, self.error_kind, self.failure = True, None, None, None


class Session:
    """One cell, one API, one model; top-level variables persist across commands."""

    def __init__(self, config: SessionConfig, model: ChatModel | None = None,
                 cell: Cell | None = None, rehearse: bool = False,
                 confirm: Callable[[str], bool] | None = None) -> None:
        """`cell`: a robot other than the simulator (default: a simulated Tabletop).
        `rehearse`: every program first runs on a simulated twin. `confirm(code)`: asked
        before a program moves the robot (after its rehearsal); False refuses it."""
        self.config = config
        self._cell = cell or Tabletop(config.spec, gui=config.gui)
        self._subscribers: dict[str, list[Callable]] = {event: [] for event in EVENTS}
        self._confirm = confirm
        self._api = PolicyAPI(self._cell.arm, make_perceiver(config.perception, self._cell,
                                                            config.grounding),
                              self._cell.workspace, on_say=self._said)
        self._usage = Usage()
        self._watch = Watch()  # the command's deadline and Stop, for model calls too
        self._watch.listeners.append(self._waiting)
        self._model = model
        self._history = History(config.history_tokens)
        self._language = LanguageFunctions(self._context, self._record)
        language = self._language.functions()
        self._signatures = self._api.functions() | language  # what calls are checked against
        self._builtin_names = set(self._signatures) | set(library_names(module_surfaces()))
        self._known = set(self._builtin_names)  # grows with what the session's programs define
        self._sandbox = Sandbox(self._api.functions(), language, config.limits,
                                on_stop=self._cell.arm.stop)
        self._rehearsal = Rehearsal(language, config.limits, self._cell.arm.kinematics.model) \
            if rehearse else None
        self._speaker = Speaker(config.tts, config.tts_out) if config.tts else None
        self._undo: list = []  # world snapshots before each command (simulator only)
        self._commands: list[str] = []
        self._programs: list[dict] = []
        self._printed: list[str] = []
        self._objects_before = self.ground_truth()
        self._started = time.perf_counter()
        self._recording = Recording(config.video, self._title(), VIDEO_FPS) \
            if config.video else None
        if self._recording:
            self._record_frame()
            self._cell.watch(1 / VIDEO_FPS, self._record_frame)
        if model is not None:
            self._lmps = {name: LMP(prompt, model, self._usage, self._watch, self._record_refused)
                          for name, prompt in load_all().items()}
            library = SkillLibrary(cap_home() / "skills.sqlite") \
                if config.use_skill_library else None
            self._fgen = FunctionGenerator(self._lmps["fgen"], library, config.fgen_depth,
                                           self._record)
            self._language.connect(self._lmps, self._fgen, self._signatures, self._builtin_names)

    # --- the face ---------------------------------------------------------------------------
    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def simulated(self) -> bool:
        """Whether the cell is a simulator (undo, reset and ground truth exist)."""
        return isinstance(self._cell, SimCell)

    @property
    def usage(self) -> Usage:
        """Model use over the whole session."""
        return self._usage

    @property
    def model_name(self) -> str | None:
        return getattr(self._model, "name", None)

    def subscribe(self, on_program: Callable[[dict], None] | None = None,
                  on_said: Callable[[str], None] | None = None,
                  on_outcome: Callable[[Outcome], None] | None = None,
                  on_wait: Callable[[dict], None] | None = None) -> Callable[[], None]:
        """Be told of each program as it is made (and each reply that held none), each said
        message, each finished command, and every few seconds of a model call still running
        (`{"lmp", "seconds", "tokens", "text"}`, tokens so far when streaming, else None). Any
        number of subscribers; returns a function that unsubscribes."""
        added = [(event, callback) for event, callback in
                 zip(EVENTS, (on_program, on_said, on_outcome, on_wait)) if callback]
        for event, callback in added:
            self._subscribers[event].append(callback)

        def unsubscribe() -> None:
            for event, callback in added:
                self._subscribers[event].remove(callback)
        return unsubscribe

    def command(self, text: str) -> Outcome:
        """Generate, check and run a program for a command; repair and retry when it fails."""
        if self._model is None:
            raise CapError("commands need a model; use --llm or 'cap exec'")
        text = " ".join(str(text).split())
        return self._attempt(text, lambda outcome: self._generate_and_run(text, outcome))

    def exec_program(self, code: str, label: str = "exec") -> Outcome:
        """Run a policy program (no top-level model); failures are reported, never raised."""
        def run(outcome: Outcome) -> None:
            self._record(label, "", code)
            try:
                self._execute(code)
            except (CapError, MotionError) as error:
                self._cell.arm.stop()
                outcome.fail(self._explained(error, "the program"))
        return self._attempt(f"<{label}>", run)

    def stop(self) -> None:
        """From any thread: the robot holds and the running command ends with OperatorStop
        (a model call it waits for is abandoned)."""
        self._watch.abandon_all()
        self._sandbox.interrupt()

    def undo(self) -> None:
        """Put the world back as it was before the last command (simulator only)."""
        self._require_simulator("undo")
        if not self._undo:
            raise CapError("nothing to undo")
        snapshot = self._undo.pop()
        self._restore_world(snapshot)
        self._cell.discard(snapshot)

    def reset(self) -> None:
        """A fresh scene (the same objects and seed); the undo history is dropped."""
        self._require_simulator("reset")
        self._cell.reset()
        self._api.perceiver.forget()
        while self._undo:
            self._cell.discard(self._undo.pop())

    def objects(self) -> dict[str, ObjectInfo]:
        """What the robot sees now (names, positions, sizes)."""
        return dict(self._api.perceiver.look())

    def object_names(self) -> list[str]:
        return self._api.get_obj_names()

    def ground_truth(self) -> dict[str, list[float]]:
        """Where the objects are: the simulator's truth, or on a robot one fresh look."""
        if self.simulated:
            return self._cell.ground_truth()
        return {name: [round(float(v), 4) for v in info.position]
                for name, info in self.objects().items()}

    def state(self) -> dict:
        """Joints and the cell's time (cheap: for live views)."""
        return {"joints": [round(float(q), 5) for q in self._cell.arm.joint_state().positions],
                "time": round(self._cell.now(), 4)}

    def view(self) -> np.ndarray:
        """What people watch: the cell's presentation view (RGB), the path of the motion under
        way drawn in."""
        return overlays.with_path(self._cell.view(), self._cell.arm.planned_path())

    def last_look(self) -> Look | None:
        """Perception's latest look: the objects it believes are on the table (seen or
        remembered) and the image it looked at. Takes no new look."""
        return self._api.perceiver.last

    def watch(self, period: float, callback: Callable[[], None]) -> None:
        """Call `callback` about every `period` seconds of the cell's time as it runs."""
        self._cell.watch(period, callback)

    def save_video(self, path: str) -> str:
        """The session's recording so far, saved at `path` (recording goes on)."""
        if self._recording is None:
            raise CapError("this session records no video")
        return self._recording.save(path)

    def report(self, outcome: Outcome | None = None) -> dict:
        """The JSON object of `cap run` / `cap exec` (DESIGN.md), after the last command
        (`outcome`: how it ended; none: the session so far, ok)."""
        outcome = outcome or Outcome()
        return {
            "ok": outcome.ok,
            "error": outcome.error,
            "error_kind": outcome.error_kind,
            "commands": self._commands,
            "said": list(self._api.said),
            "printed": self._printed,
            "programs": self._programs,
            "llm": self._usage.as_dict() | {"model": self.model_name,
                                            "baseline": bool(getattr(self._model,
                                                                     "is_baseline", 0))},
            "seconds": round(time.perf_counter() - self._started, 3),
            "objects_before": self._objects_before,
            "objects": self.ground_truth(),
            "places": {k: [round(float(v), 4) for v in xy]
                       for k, xy in self._cell.workspace.places().items()},
            "video": str(self.config.video) if self.config.video else None,
        }

    def close(self) -> None:
        self._watch.abandon_all()
        if self._speaker:
            self._speaker.close()
        if self._rehearsal:
            self._rehearsal.close()
        self._sandbox.close()
        if self._recording:
            self._recording.close()
        self._cell.close()

    # --- one command ------------------------------------------------------------------------
    def _attempt(self, label: str, run: Callable[[Outcome], None]) -> Outcome:
        """Run one command or program with its bookkeeping: caption, undo point, what was
        said, model use and time; the arm goes home after it."""
        self._sandbox.clear_interrupt()  # a stop applies to the command it interrupts
        self._commands.append(label)
        self._caption([f"> {label}"])
        if self.simulated:
            self._undo.append(self._cell.snapshot())
            while len(self._undo) > UNDO_DEPTH:
                self._cell.discard(self._undo.pop(0))
        outcome, first = Outcome(), len(self._programs)
        said, printed = len(self._api.said), len(self._printed)
        usage, started = self._usage.copy(), time.perf_counter()
        self._watch.start_command(self.config.limits.wall_seconds)
        run(outcome)
        outcome.programs = self._programs[first:]
        outcome.said = self._api.said[said:]
        outcome.printed = self._printed[printed:]
        outcome.llm = self._usage.as_dict(since=usage)
        self._go_home()
        outcome.seconds = round(time.perf_counter() - started, 3)
        self._notify("outcome", outcome)
        return outcome

    def _context(self) -> str:
        """What a program is shown of the scene (and finds defined when it runs)."""
        return f"objects = {self._api.get_obj_names()}"

    def _generate_and_run(self, text: str, outcome: Outcome) -> None:
        context = self._context()
        snapshot = self._undo[-1] if self.simulated else None  # from before this command
        lmp, failed, tried = self._lmps["tabletop_ui"], None, set()
        self._language.begin_command()
        for _ in range(1 + self.config.max_repairs):
            code = ""
            self._fgen.begin()
            try:
                code = lmp.generate(text, context, self._history, failed)
                self._record("tabletop_ui", text, code)
                self._execute(code, command=True)
            except (CapError, MotionError) as error:
                self._cell.arm.stop()
                error = self._explained(error, "the command's program")
                outcome.fail(error)
                if isinstance(error, OperatorStop):
                    return  # the robot holds where it stopped; nothing is retried
                if snapshot is not None:
                    self._restore_world(snapshot)
                if isinstance(error, (ModelUnavailable, RobotDisconnected, WallTimeExceeded)):
                    return  # asking again will not help (or has no time); the error says why
                failed = (getattr(error, "reply", None) or code,
                          getattr(error, "for_model", None) or str(error))
                if failed in tried:  # the repair request would repeat one already sent
                    outcome.error += ("\n(the model wrote the same reply again; asking once "
                                      "more would send the same request)")
                    return
                tried.add(failed)
                continue
            outcome.succeed()
            self._fgen.verified()
            self._history.add(lmp.prompt.user_message(text, context), code)
            return

    def _execute(self, code: str, command: bool = False) -> None:
        """Check the program, generate the helpers it lacks, and run it in the sandbox. A
        command's program that moved nothing, said and printed nothing, did nothing."""
        self._cell.arm.resume()
        self._language.ran.clear()
        program = Program.check(code, self._signatures)
        known = self._known | {"objects"}
        definitions = self._definitions(program, known)
        seen = self._api.perceiver.look()  # one look for the rehearsal and `objects`
        if self._rehearsal:
            self._rehearsal.check(program, definitions, self._sandbox.variables,
                                  self._cell.arm.joint_state().positions, seen)
        if self._confirm and not self._confirm(code):
            raise OperatorStop("the operator declined the program; nothing moved")
        said, printed = len(self._api.said), len(self._printed)
        self._sandbox.limits = self._limits_left()
        with self._watch.timed():
            try:
                self._sandbox.run(program, definitions, self._printed,
                                  variables={"objects": list(seen)})
            except WallTimeExceeded as error:
                limit = self.config.limits.wall_seconds
                if self._sandbox.limits.wall_seconds < limit:
                    raise WallTimeExceeded(f"{error} (what the command's limit of {limit:g} s "
                                           "left after the model's replies)") from None
                raise
        if command and not (self._sandbox.motions or self._api.said[said:]
                            or self._printed[printed:]):
            raise DidNothing("the program did nothing: it ran to its end without moving the "
                             "robot, saying or printing anything, so the command was not done; "
                             "write a program that carries it out, or say() why it cannot be "
                             "done")
        self._known = known | program.defines

    def _limits_left(self):
        """The program's limits, its wall time what is left of the command's (the model's
        replies spent the rest)."""
        remaining = self._watch.remaining()
        if remaining is None:
            return self.config.limits
        if remaining <= 0:
            raise WallTimeExceeded(f"the command's time limit of "
                                   f"{self.config.limits.wall_seconds:g} s ran out before its "
                                   "program could run (the model took it); give the command "
                                   "more time (--time-limit) or use a faster model")
        return replace(self.config.limits, wall_seconds=round(max(remaining, 0.1), 1))

    def _explained(self, error: Exception, main: str) -> Exception:
        """The error with each line of its trace naming its program; a helper or a
        sub-program whose own code failed is written again on the next attempt."""
        label = self._fgen.label if self._model is not None else (lambda name: None)
        origins = Origins(main, [lmp for lmp, _, _ in self._language.ran], label)
        explained = origins.explain(str(error))
        if isinstance(error, CODE_FAULTS) and not isinstance(error, (NoRoom, ModelUnavailable)):
            for name in explained.helpers:
                self._fgen.reject(name, explained.message)
            if explained.subprogram:
                self._language.failed(explained.subprogram, explained.message)
        if explained.message == str(error):
            return error
        named = copy.copy(error)
        named.args = (explained.message,)
        return named

    def _definitions(self, program: Program, known: set[str]) -> list[Program]:
        """The helper functions the program needs, generated (with a model) or refused."""
        if self._model is not None:
            return self._fgen.ensure(program, known, self._signatures)
        calls, plain = program.missing(known)
        checks.refuse_unwritable(calls, self._signatures)
        if calls or plain:
            first = min(calls + plain, key=lambda c: c.line)
            missing = ", ".join(sorted({c.name for c in calls + plain}))
            raise CheckRefused(f"line {first.line}: undefined name(s) {missing}; without a model "
                               "(--llm) no helper functions are generated")
        return []

    def _restore_world(self, snapshot) -> None:
        """Put the world back as it was at `snapshot`; perception starts over."""
        self._cell.restore(snapshot)
        self._api.perceiver.forget()

    def _go_home(self) -> None:
        """Clear the camera's view for the next look; a stopped robot stays where it is."""
        try:
            self._cell.arm.home()
        except MotionError:
            self._cell.arm.stop()

    def _require_simulator(self, what: str) -> None:
        if not self.simulated:
            raise CapError(f"{what} needs the simulator; a real table cannot be put back")

    # --- events -----------------------------------------------------------------------------
    def _notify(self, event: str, payload) -> None:
        for callback in list(self._subscribers[event]):
            callback(payload)

    def _caption(self, lines: list[str]) -> None:
        if self._recording:
            self._recording.set_caption(lines)

    def _record_frame(self) -> None:
        self._recording.add(self.view(),
                            overlays.draw_look(self.last_look(), overlays.INSET_WIDTH))

    def _title(self) -> list[str]:
        model = self.model_name or "none (programs run as given)"
        if getattr(self._model, "is_baseline", False):
            model += " (an offline baseline, not a language model)"
        where = f"simulated table, seed {self.config.spec.seed}" if self.simulated else "robot"
        return ["cap: code as policies", f"model: {model}",
                f"perception: {self.config.perception}; {where}",
                "objects: " + ", ".join(sorted(self._objects_before))]

    def _said(self, message: str) -> None:
        command = self._commands[-1] if self._commands else ""
        self._caption([f"> {command}", f"robot: {message}"])
        if self._speaker:
            self._speaker.say(message)
        self._notify("said", message)

    def _record(self, lmp: str, query: str, code: str, library: bool = False) -> None:
        self._programs.append({"lmp": lmp, "query": query, "code": code}
                              | ({"library": True} if library else {}))
        self._notify("program", self._programs[-1])

    def _record_refused(self, reply: dict) -> None:
        """A reply that held no program to run: reported with the programs, never lost."""
        self._programs.append(reply)
        self._notify("program", reply)

    def _waiting(self, call: Call) -> None:
        tokens = "" if call.tokens is None else f", {call.tokens} tokens so far"
        self._notify("wait", {"lmp": call.lmp, "seconds": round(call.seconds, 1),
                              "tokens": call.tokens, "text": f"waiting for the model "
                              f"({call.lmp}): {call.seconds:.0f} s{tokens}"})
