"""The HTTP server under `cap serve` (uvicorn) with the limits it lacks by default: a deadline
for each request's head, a bound on open connections that always leaves room for a new one
(Stop, a reloaded page), and the open-file limit raised where the OS allows it."""
from __future__ import annotations

import asyncio
import functools
import resource
import socket
from typing import Callable

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

HEAD_SECONDS = 10.0  # for a request's head to arrive, on a new or a kept-alive connection
KEEP_ALIVE_SECONDS = 5  # an idle kept-alive connection is closed after this
MAX_HEAD_BYTES = 16 * 1024  # request line and headers
MAX_MESSAGE_BYTES = 16 * 1024  # a WebSocket message from a browser (commands are short)
MAX_VIEWERS = 100  # WebSockets at once (each is one open file besides the HTTP connections)
BACKLOG = 128  # connections the OS queues; asyncio accepts up to this many at once
RESERVED_FILES = 256  # for the session: PyBullet, the sandbox's pipes, models, logs
MOST_CONNECTIONS = 4096


def raise_open_file_limit() -> int:
    """Raise the soft open-file limit to the hard one where allowed; the soft limit after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            pass  # a container may refuse: the connection bound follows the limit we have
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def connection_bound(open_files: int) -> int:
    """HTTP connections kept open at once, so that accepting never runs out of files."""
    spare = open_files - RESERVED_FILES - MAX_VIEWERS - BACKLOG
    return max(16, min(MOST_CONNECTIONS, spare))


class Connections:
    """A server's HTTP connections, oldest first. One past the bound closes the oldest idle
    connection (none idle: the newcomer), so a fresh request always gets in."""

    def __init__(self, bound: int, head_seconds: float = HEAD_SECONDS) -> None:
        self.bound, self.head_seconds = bound, head_seconds
        self.open: dict[BoundedH11Protocol, None] = {}  # insertion order: oldest first

    def protocol(self) -> Callable[..., asyncio.Protocol]:
        """What uvicorn builds each connection with (its `http` setting)."""
        return functools.partial(BoundedH11Protocol, connections=self)

    def opened(self, connection: "BoundedH11Protocol") -> None:
        self.open[connection] = None
        if len(self.open) > self.bound:
            victim = next((c for c in self.open if c.idle), connection)
            victim.drop()

    def closed(self, connection: "BoundedH11Protocol") -> None:
        self.open.pop(connection, None)


class BoundedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, registered in Connections and closed when a request's
    head does not arrive in time (uvicorn times out only connections it has answered)."""

    def __init__(self, *args, connections: Connections, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.registry = connections
        self.head_timer: asyncio.TimerHandle | None = None

    @property
    def idle(self) -> bool:
        """Open, with no request being answered (waiting for one, or half-sent)."""
        return not self.transport.is_closing() and (self.cycle is None
                                                    or self.cycle.response_complete)

    def drop(self) -> None:
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()
        self.registry.opened(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._leave()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self, event) -> None:
        self._leave()  # the WebSocket is counted by the app (MAX_VIEWERS)
        super().handle_websocket_upgrade(event)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_head()

    def _await_head(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
        self.head_timer = self.loop.call_later(self.registry.head_seconds, self._head_overdue)

    def _head_overdue(self) -> None:
        self.head_timer = None
        if self.idle:
            self.drop()

    def _leave(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None
        self.registry.closed(self)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: one the OS picks; read it back with getsockname)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=BACKLOG)


def run(app, sock: socket.socket) -> None:
    """Serve `app` on `sock` until interrupted (Ctrl-C, SIGTERM)."""
    connections = Connections(connection_bound(raise_open_file_limit()))
    config = uvicorn.Config(
        app, http=connections.protocol(), ws_max_size=MAX_MESSAGE_BYTES,
        ws_per_message_deflate=False,  # frames are JPEG: deflating them costs CPU for nothing
        timeout_keep_alive=KEEP_ALIVE_SECONDS, h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        backlog=BACKLOG, proxy_headers=False, server_header=False, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
