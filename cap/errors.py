"""The ways a language-model program fails, each with a message a person or a model can act on.

One tree for the whole application (robots' motion errors live in `robots.errors` and are
classified here too), and one failure taxonomy (`failure_class`) for every benchmark.
"""
from __future__ import annotations

from robots import errors as robot_errors


class CapError(Exception):
    """Base of every error cap reports about a command. `reply`: the model's reply (or what
    it had streamed) that the error concerns, when there is one."""

    kind = "error"
    reply: str | None = None


class GenerationError(CapError):
    """The model could not be reached or gave no usable code. `reply`: the model's reply that
    held none, shown back to it in the repair request."""

    kind = "generation"

    def __init__(self, message: str = "", reply: str | None = None) -> None:
        super().__init__(message)
        self.reply = reply


class ModelUnavailable(GenerationError):
    """The model server could not be reached, refused the request, or answered garbage."""


class ContextExceeded(ModelUnavailable):
    """The request does not fit the server's context window (the prompt, or the prompt and
    the reply it left room for): asking again cannot help, a larger context can."""

    ADVICE = ("Start the server with a larger context (llama.cpp and llama-cpp-python: "
              "--n_ctx 4096 or more; Ollama: num_ctx) or use a model with a longer one")


class NoCloseExample(ModelUnavailable):
    """No model is configured and the offline baseline has no prompt example close to the
    command: it refuses rather than run something unrelated."""


class CheckRefused(CapError):
    """Static checks refused the program before it ran."""

    kind = "check"


class PolicyError(CapError):
    """The program called the policy API wrongly (unknown object, bad argument)."""

    kind = "api"


class NoRoom(PolicyError):
    """A place was refused before any motion: the object would not fit at the target."""


class PlacementError(CapError):
    """A place happened but the object is not where it was meant to be (checked by a look)."""

    kind = "placement"


class ExecutionError(CapError):
    """The program raised while running."""

    kind = "runtime"


class LimitExceeded(CapError):
    """The program ran past a limit (time, memory, API calls, motions) and was stopped."""

    kind = "limit"


class WallTimeExceeded(LimitExceeded):
    """The program ran longer than its wall-time limit."""


class DidNothing(CapError):
    """The program ran to its end without moving the robot, saying or printing anything: the
    command was not done, whatever the program computed."""

    kind = "nothing"


class OperatorStop(CapError):
    """The operator stopped the command (Ctrl-C, Stop, /cap/stop); the robot holds."""

    kind = "stopped"


class RehearsalRefused(CapError):
    """The program failed on the simulated twin; it was not run on the robot."""

    kind = "rehearsal"


class SpeechError(CapError):
    """Nothing usable was heard, or the recogniser is unavailable."""

    kind = "speech"


def error_kind(error: BaseException) -> str:
    """A short category for reports: generation, check, api, runtime, limit, stopped,
    rehearsal, speech, placement, nothing (the program did nothing), robot (the robot
    stopped answering) or motion."""
    if isinstance(error, robot_errors.RobotDisconnected):
        return "robot"
    if isinstance(error, robot_errors.MotionError):
        return "motion"
    return getattr(error, "kind", "runtime")


FAILURE_CLASSES: tuple[tuple[type[BaseException], str], ...] = (  # most specific first
    (WallTimeExceeded, "timeout"),
    (LimitExceeded, "limit"),
    (NoCloseExample, "out_of_scope"),
    (ContextExceeded, "context_exceeded"),
    (ModelUnavailable, "model_unavailable"),
    (GenerationError, "generation"),
    (CheckRefused, "check_refused"),
    (RehearsalRefused, "rehearsal_refused"),
    (NoRoom, "no_room"),
    (PlacementError, "placement_missed"),
    (PolicyError, "api_error"),
    (OperatorStop, "stopped"),
    (DidNothing, "did_nothing"),
    (ExecutionError, "runtime_error"),
    (robot_errors.RobotNotReady, "robot_not_ready"),
    (robot_errors.RobotDisconnected, "robot_disconnected"),
    (robot_errors.GraspError, "grasp_slip"),
    (robot_errors.MotionStopped, "stopped"),
    (robot_errors.MotionTimeout, "motion_timeout"),
    (robot_errors.CollisionError, "collision"),
    (robot_errors.MotionError, "unreachable"),  # workspace, IK, joint limits
)
WRONG_FINAL_STATE = "wrongly_reported_success"  # the run said done; the world disagrees


def failure_class(error: BaseException) -> str:
    """Where in the pipeline a failure stopped, for benchmark tables."""
    for kind, name in FAILURE_CLASSES:
        if isinstance(error, kind):
            return name
    return "runtime_error"


def error_types() -> dict[str, type[Exception]]:
    """Every error class by name, so errors can cross the sandbox channel as data."""
    candidates = [*vars(robot_errors).values(), *globals().values()]
    return {v.__name__: v for v in candidates if isinstance(v, type) and issubclass(v, Exception)}
