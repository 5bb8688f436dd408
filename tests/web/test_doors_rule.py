"""The doors' rule on its own (cap/web/doors.py), as `cap mcp --http` will use it too."""
from __future__ import annotations

import pytest

from cap.web.doors import Doors, Refused

PORT = 8123


def scope(method: str = "GET", path: str = "/", host: str = f"127.0.0.1:{PORT}",
          kind: str = "http", query: bytes = b"", **headers: str) -> dict:
    sent = {"host": host, **{k.replace("_", "-"): v for k, v in headers.items()}}
    return {"type": kind, "method": method, "path": path, "query_string": query,
            "server": ("127.0.0.1", PORT),
            "headers": [(k.encode(), v.encode("latin-1")) for k, v in sent.items()]}


def status(doors: Doors, request: dict) -> int:
    try:
        doors.check(request)
    except Refused as refused:
        return refused.status
    return 200


@pytest.mark.parametrize("host, expected", [
    (f"127.0.0.1:{PORT}", 200), (f"localhost:{PORT}", 200), (f"LOCALHOST:{PORT}", 200),
    (f"[::1]:{PORT}", 200), ("127.0.0.1:1", 421), ("127.0.0.1", 421), ("evil.example", 421),
    (f"evil.example:{PORT}", 421), (f"127.0.0.1.nip.io:{PORT}", 421), ("", 421),
])
def test_without_a_token_only_the_own_loopback_name_and_port_are_served(host, expected):
    assert status(Doors(None), scope(host=host)) == expected


@pytest.mark.parametrize("request_, expected", [
    (scope("POST", origin=f"http://127.0.0.1:{PORT}"), 200),
    (scope("POST", origin=f"https://127.0.0.1:{PORT}"), 200),
    (scope("POST", origin="http://evil.example"), 403),
    (scope("POST", origin="null", content_type="application/json"), 403),
    (scope("POST", content_type="text/plain"), 403),
    (scope("POST", content_type="multipart/form-data; boundary=x"), 403),
    (scope("POST"), 403),
    (scope("POST", content_type="application/json"), 200),
    (scope("POST", authorization="Bearer x"), 200),
    (scope("DELETE"), 200),  # a browser sends it cross-site only after a preflight
    (scope("GET", sec_fetch_site="cross-site", sec_fetch_mode="no-cors"), 403),
    (scope("GET", sec_fetch_site="same-site", sec_fetch_mode="cors"), 403),
    (scope("GET", sec_fetch_site="cross-site", sec_fetch_mode="navigate",
           sec_fetch_dest="document"), 200),
    (scope("GET", sec_fetch_site="cross-site", sec_fetch_mode="navigate",
           sec_fetch_dest="iframe"), 403),
    (scope(kind="websocket"), 403),
    (scope(kind="websocket", origin=f"http://localhost:{PORT}", host=f"localhost:{PORT}"), 200),
])
def test_what_a_page_elsewhere_could_send_is_refused(request_, expected):
    assert status(Doors(None), request_) == expected


@pytest.mark.parametrize("request_, expected", [
    (scope(host="192.168.1.5:8000"), 401),
    (scope(host="192.168.1.5:8000", query=b"token=s3cret"), 200),
    (scope(host="robot.lab:8000", authorization="Bearer s3cret"), 200),
    (scope(authorization="bearer s3cret"), 200),
    (scope(authorization="Bearer s3cret2"), 401),
    (scope(query=b"token=%C3%A9"), 401), (scope(query=b"token=%FF%FE%00"), 401),
    (scope(authorization="Bearer \xe9"), 401),
    (scope(kind="websocket", query=b"token=s3cret"), 200),  # a script: no Origin, the token
    (scope(path="/static/app.js"), 200),  # public: the page loads it by a plain link
    (scope(path="/static/app.js", origin="http://evil.example"), 403),
])
def test_with_a_token_every_request_carries_it_as_bytes_compared(request_, expected):
    assert status(Doors(None, token="s3cret", public=("/static/",)), request_) == expected
