"""Who may talk to a local HTTP server: the rule against DNS rebinding and cross-site requests,
the token, and the headers that keep a page from being framed. An ASGI middleware, so every
HTTP face of cap (`cap serve`, later `cap mcp --http`) applies the same rule.

Without a token a server answers only requests addressed to its own loopback name (Host
`127.0.0.1`, `localhost` or `[::1]` with its port): after a DNS rebinding the browser still
sends the attacker's name. With a token any Host is served, and every request carries the
token (`?token=` or `Authorization: Bearer`). Either way a request that a page elsewhere
could make is refused before any work: a foreign Origin, a fetch the browser marks
cross-site, a POST without the page's own Origin unless it carries what a cross-site form
cannot send (a JSON body, an Authorization header). Other methods that change state (PUT,
DELETE) a browser sends cross-site only after a preflight, which this server never grants."""
from __future__ import annotations

import hmac
import json
from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
FORM_TYPES = frozenset({"", "text/plain", "application/x-www-form-urlencoded",
                        "multipart/form-data"})  # what a cross-site form or no-cors fetch sends
BROWSER_OWN_SITE = frozenset({"same-origin", "none"})  # Sec-Fetch-Site of the page or the user
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' blob: data:; "
     b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
     b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class Refused(Exception):
    """A request the doors turn away: an HTTP status and a sentence for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Doors:
    """ASGI middleware: `Doors(app, token=None, public=())` refuses, before `app` sees it,
    every HTTP request or WebSocket that fails the rule above (421 wrong Host, 403
    cross-site, 401 no token), and adds SECURITY_HEADERS to every HTTP response. `token=None`
    is only for a server bound to a loopback address. `public`: path prefixes served without
    the token (a page's scripts and styles, which the page loads by plain links); the Host
    and Origin rule still applies to them."""

    def __init__(self, app: ASGIApp, token: str | None = None,
                 public: tuple[str, ...] = ()) -> None:
        self.app, self.public = app, public
        self.token = None if token is None else token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            self.check(scope)
        except Refused as refused:
            await _refuse(scope, send, refused)
            return
        await self.app(scope, receive, _with_security_headers(send)
                       if scope["type"] == "http" else send)

    def check(self, scope: Scope) -> None:
        """Raise Refused unless the request may reach the app."""
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if self.token is None and not _own_loopback_name(host, scope.get("server")):
            raise Refused(421, "this server answers only to its loopback address "
                          "(http://127.0.0.1:PORT/ or http://localhost:PORT/)")
        _check_origin(scope, headers, host, has_token=self.token is not None)
        if self.token is None or scope["path"].startswith(self.public):
            return
        if not hmac.compare_digest(_presented_token(scope, headers), self.token):
            raise Refused(401, "a token is required: open the address printed by cap serve, "
                          "or send 'Authorization: Bearer TOKEN'")


def _own_loopback_name(host: str, server: tuple[str, int] | None) -> bool:
    """Whether a Host header names this server's loopback address and port."""
    if server is None:
        return False
    name, port = (host, "80") if host.endswith("]") or ":" not in host \
        else host.rsplit(":", 1)  # no port given: only right for port 80
    return name.lower() in LOOPBACK_NAMES and port == str(server[1])


def _check_origin(scope: Scope, headers: Headers, host: str, has_token: bool) -> None:
    """Refuse what a page on another origin could send through a visitor's browser."""
    origin = headers.get("origin")
    if origin is not None and not _same_origin(origin, host):
        raise Refused(403, "requests from other sites are refused")
    site = headers.get("sec-fetch-site")
    navigation = scope.get("method") == "GET" and headers.get("sec-fetch-mode") == "navigate" \
        and headers.get("sec-fetch-dest") == "document"
    if site is not None and site not in BROWSER_OWN_SITE and not navigation:
        raise Refused(403, "requests from other sites are refused")
    if origin is not None:
        return
    if scope["type"] == "websocket":  # browsers always send Origin on a WebSocket
        if not has_token:
            raise Refused(403, "a WebSocket needs the page's Origin (or the token)")
    elif scope["method"] == "POST" and not _not_a_form(headers):
        raise Refused(403, "send POST requests with Content-Type: application/json or an "
                      "Authorization header (a cross-site form can send neither)")


def _same_origin(origin: str, host: str) -> bool:
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


def _not_a_form(headers: Headers) -> bool:
    """Whether a request carries what a browser sends cross-site only after a preflight
    (which this server never grants)."""
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return "authorization" in headers or media_type not in FORM_TYPES


def _presented_token(scope: Scope, headers: Headers) -> bytes:
    """The token as sent (bytes: any characters compare safely), or b""."""
    scheme, _, credential = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return credential.strip().encode("utf-8", "replace")
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, errors="replace"):
        if name == "token":
            return value.encode("utf-8", "replace")
    return b""


def _with_security_headers(send: Send) -> Send:
    async def sending(message: dict) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
        await send(message)
    return sending


async def _refuse(scope: Scope, send: Send, refused: Refused) -> None:
    """An HTTP answer, or a refused WebSocket handshake (with the reason where the server
    can send one)."""
    body = json.dumps({"error": str(refused)}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if scope["type"] == "http":
        prefix, headers = "http.response", headers + SECURITY_HEADERS
    elif "websocket.http.response" in scope.get("extensions", {}):
        prefix = "websocket.http.response"
    else:
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": f"{prefix}.start", "status": refused.status, "headers": headers})
    await send({"type": f"{prefix}.body", "body": body})
