"""`cap mcp`: the session as an MCP server, over stdio (the default) or streamable HTTP at
`/mcp` behind the same doors as `cap serve` (loopback Host and Origin only, a token off
loopback)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import anyio
from mcp.server.transport_security import TransportSecuritySettings

from cap.mcp.approvals import DEFAULT_SECONDS, Approvals
from cap.mcp.desk import Desk
from cap.mcp.tools import MAX_PROGRAM_CHARS, build_server
from cap.session import Session
from cap.web.doors import Doors
from cap.hub import Hub

MAX_BODY_BYTES = 16 * MAX_PROGRAM_CHARS  # one JSON-RPC message holds at most a program


@dataclass(frozen=True)
class Options:
    """How `cap mcp` serves: `http` (else stdio) on `host`:`port` (0: the OS picks), the
    token HTTP clients must send (None: loopback only), whether programs need approval
    (`confirm`, rehearsed on a twin first) and how long an approval waits."""

    http: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    token: str | None = None
    confirm: bool = False
    approval_seconds: float = DEFAULT_SECONDS


def serve(open_session: Callable[[Callable[[str], bool] | None], Session], options: Options,
          log: Callable[..., None]) -> None:
    """Open the session (`open_session(confirm_gate)`) and serve it until the client or a
    signal ends it; the robot is stopped and the session closed on the way out."""
    approvals = Approvals(options.approval_seconds)
    gate = approvals.gate if options.confirm else None
    hub = Hub(lambda: open_session(gate), str)
    desk = Desk(hub, approvals, rehearsed=options.confirm)
    server = build_server(desk)
    log("cap mcp: programs wait for approve(id) before they run" if options.confirm else
        "cap mcp: programs run without approval (--confirm asks first)")
    try:
        if options.http:
            _serve_http(server, options, log)
        else:
            log("cap mcp: serving MCP on stdin/stdout")
            anyio.run(server.run_stdio_async)
    finally:
        desk.close()
        hub.stop()
        hub.close()


def _serve_http(server, options: Options, log: Callable[..., None]) -> None:
    from cap.web.server import listen, run

    sock = listen(options.host, options.port)  # port 0: the OS picks one, printed below
    app = server.streamable_http_app(
        streamable_http_path="/mcp", max_request_body_size=MAX_BODY_BYTES, host=options.host,
        # the Doors below apply cap's one rule for Host, Origin and token to every request
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
    host = f"[{options.host}]" if ":" in options.host else options.host
    log(f"cap mcp: streamable HTTP at http://{host}:{sock.getsockname()[1]}/mcp"
        + (f" (send 'Authorization: Bearer {options.token}')" if options.token else ""))
    run(Doors(app, token=options.token), sock)

