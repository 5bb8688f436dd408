"""`cap serve` on loopback without a token, attacked as a web page in the user's browser would
(DNS rebinding, cross-site requests, framing) and as a careless or hostile client would
(huge bodies, odd messages). Raw sockets and http.client: a browser would hide the headers."""
from __future__ import annotations

import contextlib
import http.client
import json
import socket
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.llm_server import ScriptedLLM
from tests.web.conftest import Server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    model = ScriptedLLM()
    started = Server(model.base_url)
    yield started
    started.close()
    model.close()


def request(server: Server, method: str, path: str, headers: dict, body: bytes | None = None):
    """(status, headers, body) of one request sent exactly with these headers."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Host": f"127.0.0.1:{server.port}",
                                                             **headers})
        reply = connection.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        connection.close()


def socket_to(server: Server, host: str, origin: str):
    """A WebSocket to the server that says it is for `host`, from a page at `origin`."""
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    return connect(f"ws://{host}/ws", sock=raw, additional_headers={"Origin": origin},
                   open_timeout=30, max_queue=None)  # unread frames never stall its closing


def test_a_rebound_name_is_refused_on_every_route_and_the_socket(server):
    evil = f"evil.example:{server.port}"
    for method, path in (("GET", "/"), ("GET", "/api/state"), ("GET", "/static/app.js"),
                         ("POST", "/api/stop"), ("POST", "/api/transcribe"),
                         ("POST", "/api/spoken")):
        status, _, body = request(server, method, path, {"Host": evil,
                                                         "Origin": f"http://{evil}"})
        assert status == 421, (path, status)
        assert b"joints" not in body and b"<html" not in body
    with pytest.raises(InvalidStatus):
        socket_to(server, evil, f"http://{evil}")
    for own in (f"localhost:{server.port}", f"127.0.0.1:{server.port}"):
        assert request(server, "GET", "/api/state", {"Host": own})[0] == 200
    assert request(server, "GET", "/api/state", {"Host": "localhost:1"})[0] == 421


def test_the_own_page_socket_opens_and_a_foreign_one_does_not(server):
    own = f"127.0.0.1:{server.port}"
    with socket_to(server, own, f"http://{own}") as ws:
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None  # no compression
        assert any('"type": "state"' in m for m in texts(ws, until='"type": "state"'))
    with pytest.raises(InvalidStatus):
        socket_to(server, own, "http://evil.example")


def test_cross_site_requests_are_refused_before_any_work(server):
    for headers in ({"Origin": "http://evil.example", "Content-Type": "text/plain"},
                    {"Origin": "null", "Content-Type": "application/json"},
                    {"Content-Type": "text/plain"},  # a form from a browser that sent no Origin
                    {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}):
        for path in ("/api/transcribe", "/api/spoken", "/api/stop"):
            status, _, body = request(server, "POST", path, headers, b"RIFF....WAVE")
            assert status == 403, (headers, path, status)
            assert b"other sites" in body or b"cross-site form" in body
    no_cors_read = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}
    assert request(server, "GET", "/api/state", no_cors_read)[0] == 403
    a_link_from_elsewhere = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
                             "Sec-Fetch-Dest": "document"}
    assert request(server, "GET", "/", a_link_from_elsewhere)[0] == 200
    for allowed in ({"Origin": server.base}, {"Content-Type": "application/json"}):
        status, _, body = request(server, "POST", "/api/stop", allowed, b"{}")
        assert status == 200 and json.loads(body)["stopping"] is True


def test_the_page_cannot_be_framed_sniffed_or_leak_its_address(server):
    status, headers, _ = request(server, "GET", "/", {})
    assert status == 200
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "access-control-allow-origin" not in headers


def head(server: Server, extra: str) -> bytes:
    return (f"POST /api/transcribe HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Origin: {server.base}\r\nContent-Type: audio/wav\r\n{extra}\r\n").encode()


def answer(raw: socket.socket) -> tuple[int, bytes]:
    """The status and body of the server's answer."""
    reply = http.client.HTTPResponse(raw)
    reply.begin()
    return reply.status, reply.read()


def test_a_declared_200_mb_body_is_refused_before_it_is_read(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
        raw.sendall(head(server, f"Content-Length: {200 * 2**20}\r\n"))  # and no body
        status, body = answer(raw)
    assert status == 413 and b"8 MiB" in body


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(server):
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"\0" * 64 * 1024)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
        raw.sendall(head(server, "Transfer-Encoding: chunked\r\n"))
        for _ in range(8 * 16 + 1):  # one chunk past 8 MiB, and no final chunk
            raw.sendall(chunk)
        status, _ = answer(raw)
    assert status == 413


def test_odd_messages_get_clear_errors_and_the_socket_keeps_answering(server):
    own = f"127.0.0.1:{server.port}"
    odd = ['{"type": "command", "text": "\\ud800"}', '{"type": "command", "text": null}',
           '{"type": "command", "text": {"a": 1}}', '{"type": "command", "text": 7}',
           "[" * 10_000, '{"type": "shutdown"}', "not json", b"\x00binary"]
    with socket_to(server, own, f"http://{own}") as ws:
        for message in odd:
            ws.send(message)
            error = next(m for m in texts(ws, until='"error"') if '"error"' in m)
            assert "Traceback" not in error and " at 0x" not in error, error
        ws.send('{"type": "stop"}')
        assert any("stop_issued" in m for m in texts(ws, until="stop_issued"))
    state = server.state()
    assert state["queued"] == [] and state["running"] is None  # nothing odd was queued
    log = server.log.read_text()
    assert "Traceback" not in log and "Exception" not in log, log[-2000:]


def test_reconnecting_does_not_reset_the_command_rate(server):
    """Three sockets of one client, five undos on each: the client's bucket (5 at once, then
    one per 3 s) lets through 5 and what refilled meanwhile, not 5 per socket."""
    own = f"127.0.0.1:{server.port}"
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket_to(server, own, f"http://{own}")) for _ in range(3)]
        started, refused = time.monotonic(), 0
        for ws in sockets:
            for _ in range(5):
                ws.send('{"type": "undo"}')
            ws.send('{"type": "stop"}')  # answered last: every refusal came before it
        for ws in sockets:
            refused += sum("too many commands" in m for m in texts(ws, until="stop_issued"))
        elapsed = time.monotonic() - started
    assert 15 - refused <= 5 + elapsed / 3 + 1, (refused, elapsed)


def texts(ws, until: str, seconds: float = 30) -> list[str]:
    """Text messages received up to and including the first that contains `until`."""
    received = []
    while not received or until not in received[-1]:
        message = ws.recv(timeout=seconds)
        if isinstance(message, str):
            received.append(message)
    return received
