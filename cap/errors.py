"""The ways a language-model program fails, each with a message a person or a model can act on."""
from __future__ import annotations

from robots.errors import MotionError


class CapError(Exception):
    """Base of every error cap reports about a command."""

    kind = "error"


class GenerationError(CapError):
    """The model could not be reached or gave no usable code."""

    kind = "generation"


class ModelUnavailable(GenerationError):
    """The model server could not be reached, refused the request, or answered garbage."""


class CheckRefused(CapError):
    """Static checks refused the program before it ran."""

    kind = "check"


class PolicyError(CapError):
    """The program called the policy API wrongly (unknown object, bad argument)."""

    kind = "api"


class ExecutionError(CapError):
    """The program raised while running."""

    kind = "runtime"


class LimitExceeded(CapError):
    """The program ran past a limit (time, memory, API calls, motions) and was stopped."""

    kind = "limit"


class OperatorStop(CapError):
    """The operator stopped the command (Ctrl-C, Stop, /cap/stop); the robot holds."""

    kind = "stopped"


def error_kind(error: BaseException) -> str:
    """A short category for reports: generation, check, api, runtime, limit, stopped,
    rehearsal or motion."""
    if isinstance(error, MotionError):
        return "motion"
    return getattr(error, "kind", "runtime")
