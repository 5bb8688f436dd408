"""The session as MCP tools and resources (an `MCPServer` of the `mcp` package). Every tool
answers with one JSON object (also as structured content); a job's says what was said and
printed, ok, the error kind and error, and the programs that ran. Arguments are checked
against each tool's parameters before anything runs: unknown tools and arguments, missing
ones and wrong types are refused with a sentence that says what to send."""
from __future__ import annotations

import base64
import functools
import inspect
import json
import typing
from typing import Awaitable, Callable

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ImageContent, TextContent, ToolAnnotations

from cap.errors import CapError
from cap.mcp.desk import Desk
from cap.prompts import PROMPT_DIR
from cap.hub import FRAME_HEADER
from cap.web.messages import BadMessage, command_text

MAX_PROGRAM_CHARS = 20_000
INSTRUCTIONS = (
    "cap drives a robot arm over a table (or its simulation). command(text) has a language "
    "model write a policy program for a plain-language command; the program is checked, run "
    "in a sandbox and its places verified. run_program(code) runs your own program through "
    "the same checks (the API: resource cap://policy-api). objects(), look() and view() show "
    "the table. One job at a time; stop() halts the arm at once. When a result's status is "
    "awaiting_approval, show its program to the person and call approve(id) only if they "
    "agree.")
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
MOVES = ToolAnnotations(destructive_hint=True, open_world_hint=True)
JSON_TYPES = {str: "a string", int: "an integer", bool: "true or false"}


def build_server(desk: Desk) -> MCPServer:
    """An MCP server whose tools and resources act on `desk`'s session."""
    tools = _tools(desk)
    server = MCPServer("cap", instructions=INSTRUCTIONS, log_level="WARNING",
                       middleware=[ArgumentCheck({fn.__name__: fn for fn, _ in tools})])
    for fn, annotations in tools:
        server.add_tool(_answered(fn), name=fn.__name__, description=inspect.getdoc(fn),
                        annotations=annotations, structured_output=False)
    server.resource("cap://policy-api", name="policy-api", mime_type="text/markdown",
                    description="what programs for run_program may call")(_policy_api)
    server.resource("cap://history", name="history", mime_type="application/json",
                    description="the jobs this server ran, oldest first, with their results"
                    )(lambda: json.dumps(desk.history))
    server.resource("cap://state", name="state", mime_type="application/json",
                    description="joints, the cell's time, (simulator) object positions, the "
                    "job under way")(lambda: json.dumps(desk.state()))
    return server


def _tools(desk: Desk) -> list[tuple[Callable, ToolAnnotations | None]]:
    async def command(text: str) -> dict:
        """Carry out a plain-language command ("put the red block in the blue bowl"): a model
        writes a policy program, which is checked, sandboxed and run (repaired on failure).
        At most 500 characters. Returns what was said and printed, ok, error_kind, error,
        the programs, and the objects after; or status awaiting_approval with the program."""
        return await desk.run("command", command_text(text))

    async def run_program(code: str) -> dict:
        """Run a Python policy program (the API: resource cap://policy-api) through the same
        static checks, sandbox and motion filter as a command's; no model is asked."""
        return await desk.run("program", _program_text(code))

    async def approve(id: int, run: bool = True) -> dict:  # noqa: A002 (the tool's word)
        """Answer a program awaiting approval: run=true runs it on the robot, run=false
        refuses it. Returns the job's result (or the next program awaiting approval)."""
        return await desk.approve(id, run)

    async def stop() -> dict:
        """Stop at once: the arm holds where it is and the job ends with error_kind stopped; a
        program awaiting approval is refused."""
        return desk.stop()

    async def undo() -> dict:
        """Put the table back as it was before the last job (simulator only)."""
        return await desk.run("undo")

    async def reset() -> dict:
        """A fresh table: the same objects placed again from the same seed (simulator only)."""
        return await desk.run("reset")

    async def objects() -> dict:
        """The objects the robot saw in its last look (taken after each job): name, visible
        or remembered, position [x, y, z] in metres on the table."""
        return _objects(desk)

    async def look() -> list:
        """The robot's last look: its camera image with what it found outlined, and the
        objects as JSON (no image with --perception oracle)."""
        frame, found = desk.hub.frames.look, _objects(desk)
        return [*([_jpeg(frame)] if frame else []), _text(found | {"image": bool(frame)})]

    async def view() -> list:
        """The presentation view of the table (an image), with the motion under way drawn."""
        return [_jpeg(desk.hub.frames.view)]

    return [(command, MOVES), (run_program, MOVES), (approve, MOVES), (stop, None),
            (undo, MOVES), (reset, MOVES), (objects, READ_ONLY), (look, READ_ONLY),
            (view, READ_ONLY)]


def _answered(tool: Callable[..., Awaitable]) -> Callable[..., Awaitable[CallToolResult]]:
    """The tool's answer as a result; a refusal (bad input, busy) as an error result."""
    @functools.wraps(tool)
    async def answer(**arguments) -> CallToolResult:
        try:
            result = await tool(**arguments)
        except (CapError, BadMessage) as error:
            return refusal(getattr(error, "kind", "input"), str(error))
        if isinstance(result, list):
            return CallToolResult(content=result)
        return CallToolResult(content=[_text(result)], structured_content=result,
                              is_error=result.get("ok") is False)
    return answer


def refusal(kind: str, message: str) -> CallToolResult:
    """An error result: nothing was done."""
    body = {"ok": False, "error_kind": kind, "error": message}
    return CallToolResult(content=[_text(body)], structured_content=body, is_error=True)


class ArgumentCheck:
    """Server middleware: a tools/call must name a tool and send exactly its arguments, each
    of its type; anything else is refused before the tool (or the SDK's coercion) sees it."""

    def __init__(self, tools: dict[str, Callable]) -> None:
        self.parameters = {name: _parameters(fn) for name, fn in tools.items()}

    async def __call__(self, ctx, call_next):
        params = ctx.params if ctx.method == "tools/call" else None
        problem = self.problem(params) if isinstance(params, dict) else None
        return refusal("input", problem) if problem else await call_next(ctx)

    def problem(self, params: dict) -> str | None:
        """What is wrong with a call (None: nothing)."""
        name, arguments = params.get("name"), params.get("arguments") or {}
        if name not in self.parameters:
            return f"unknown tool {name!r}; the tools are: {', '.join(self.parameters)}"
        if not isinstance(arguments, dict):
            return f"{name}: arguments must be a JSON object"
        expected = self.parameters[name]
        unknown = sorted(set(arguments) - set(expected))
        if unknown:
            takes = ", ".join(expected) or "no arguments"
            return f"{name}: unknown argument(s) {', '.join(unknown)}; {name} takes {takes}"
        for key, (kind, required) in expected.items():
            if key not in arguments and required:
                return f"{name}: the argument {key!r} is missing ({JSON_TYPES[kind]})"
            if key in arguments and type(arguments[key]) is not kind:  # bool is no int here
                return f"{name}: {key!r} must be {JSON_TYPES[kind]}"
        return None


def _parameters(fn: Callable) -> dict[str, tuple[type, bool]]:
    """Each parameter's type and whether it is required."""
    hints = typing.get_type_hints(fn)
    return {name: (hints[name], parameter.default is inspect.Parameter.empty)
            for name, parameter in inspect.signature(fn).parameters.items()}


def _program_text(code: str) -> str:
    if not code.strip():
        raise BadMessage("empty program")
    if len(code) > MAX_PROGRAM_CHARS:
        raise BadMessage(f"program longer than {MAX_PROGRAM_CHARS} characters")
    return code


def _objects(desk: Desk) -> dict:
    running = desk.active is not None
    return {"objects": desk.hub.believed,
            "seen": "before the job under way" if running else "after the last job"}


def _policy_api() -> str:
    return ("# cap's policy API\n\nWhat a program for run_program (or one a model writes for "
            "command) may call. Imports beyond numpy, math and shapely are refused, as are "
            "files, processes and network; every motion passes the motion filter.\n\n"
            + (PROMPT_DIR / "policy_api.md").read_text())


def _jpeg(frame: bytes) -> ImageContent:
    data = base64.b64encode(frame[FRAME_HEADER:]).decode()
    return ImageContent(type="image", data=data, mime_type="image/jpeg")


def _text(body: dict) -> TextContent:
    return TextContent(type="text", text=json.dumps(body))
