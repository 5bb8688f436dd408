"""`cap serve`: one page with the live camera, commands typed or spoken, the programs as they
arrive, said messages, history, and Stop / Undo / Reset. Plain HTML, CSS and JavaScript
served by the app itself (works offline)."""
from __future__ import annotations

import asyncio
import hmac
import json
import struct
import time
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from cap.errors import SpeechError
from cap.speech.audio import AudioError
from cap.web.hub import FRAME_PERIOD, Client, Hub

STATIC = Path(__file__).parent / "static"
MAX_COMMAND_CHARS = 500
MAX_AUDIO_BYTES = 8 * 1024 * 1024
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
VIEW, LOOK = b"v", b"p"  # binary frame channels: the presentation view, the robot's last look


class RateLimit:
    """A token bucket: `burst` commands at once, then one every `period` seconds."""

    def __init__(self, burst: int = 5, period: float = 3.0) -> None:
        self.burst, self.period = burst, period
        self.tokens, self.updated = float(burst), time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) / self.period)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def highlight_html(code: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer
    return highlight(code, PythonLexer(), HtmlFormatter(nowrap=True))


def create_app(hub: Hub, token: str | None = None, recognizer=None) -> Starlette:
    """`token`: required on every request when set (a non-local bind)."""

    def authorised(params) -> bool:
        return token is None or hmac.compare_digest(params.get("token", ""), token)

    def same_origin(websocket: WebSocket) -> bool:
        origin = websocket.headers.get("origin")
        if origin is None:  # not a browser: only a token holder may connect
            return token is not None
        return urlsplit(origin).netloc == websocket.headers.get("host")

    async def page(request: Request) -> Response:
        if not authorised(request.query_params):
            return Response("a token is required: open the address printed by cap serve",
                            status_code=401)
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def highlight_css(request: Request) -> Response:
        from pygments.formatters import HtmlFormatter
        return Response(HtmlFormatter().get_style_defs(".code"), media_type="text/css")

    async def transcribe(request: Request) -> Response:
        if not authorised(request.query_params):
            return JSONResponse({"error": "token required"}, status_code=401)
        if recognizer is None:
            return JSONResponse({"error": "no speech backend: install cap[speech]"},
                                status_code=501)
        body = await request.body()
        if len(body) > MAX_AUDIO_BYTES:
            return JSONResponse({"error": "recording too long"}, status_code=413)
        try:
            heard = await asyncio.to_thread(recognizer.transcribe, body)
        except (AudioError, SpeechError) as error:
            return JSONResponse({"error": str(error)}, status_code=422)
        return JSONResponse({"text": heard.text, "seconds": round(heard.seconds, 3),
                             "backend": heard.backend})

    async def state(request: Request) -> Response:
        """Simulator ground truth, joints and the queue, as JSON (for scripts and tests)."""
        if not authorised(request.query_params):
            return JSONResponse({"error": "token required"}, status_code=401)
        return JSONResponse({**hub.truth, "running": hub.running, "queued": hub.pending,
                             "frames_rendered": hub.frames_rendered,
                             "believed": hub.look_shown[1]["objects"]})

    async def socket(websocket: WebSocket) -> None:
        if not (authorised(websocket.query_params) and same_origin(websocket)):
            await websocket.close(code=1008)  # policy violation, before accepting
            return
        await websocket.accept()
        client = Client(asyncio.get_running_loop())
        hub.connect(client)
        tasks = [asyncio.create_task(send_events(websocket, client)),
                 asyncio.create_task(send_frames(websocket))]
        try:
            await receive(websocket)
        except WebSocketDisconnect:
            pass
        finally:
            hub.disconnect(client)
            for task in tasks:
                task.cancel()

    async def receive(websocket: WebSocket) -> None:
        limit = RateLimit()
        while True:
            try:
                message = json.loads(await websocket.receive_text())
                kind = message["type"]
            except (json.JSONDecodeError, KeyError, TypeError):
                await websocket.send_json({"type": "error", "message": "malformed message"})
                continue
            if kind == "stop":
                issued = hub.stop()
                await websocket.send_json({"type": "stop_issued",
                                           "ms": round((time.perf_counter() - issued) * 1e3, 2)})
            elif kind in ("command", "undo", "reset"):
                text = " ".join(str(message.get("text", "")).split())
                if kind == "command" and not text:
                    error = "empty command"
                elif len(text) > MAX_COMMAND_CHARS:
                    error = f"command longer than {MAX_COMMAND_CHARS} characters"
                elif not limit.allow():
                    error = "too many commands; wait a few seconds"
                else:
                    hub.submit(kind, text)
                    continue
                await websocket.send_json({"type": "error", "message": error})
            else:
                await websocket.send_json({"type": "error", "message": f"unknown {kind!r}"})

    async def send_events(websocket: WebSocket, client: Client) -> None:
        while True:
            await websocket.send_text(json.dumps(await client.events.get()))

    async def send_frames(websocket: WebSocket) -> None:
        """The latest view every FRAME_PERIOD; on each new look, its image and then its
        objects (a "look" event), so the panel and the picture always agree. A frame is a
        channel byte (VIEW or LOOK), its render time (little-endian float64), a JPEG."""
        look_sent = None
        while True:
            started = time.perf_counter()
            await websocket.send_bytes(VIEW + struct.pack("<d", hub.frame_stamp) + hub.frame)
            look_frame, look_event = look = hub.look_shown
            if look is not look_sent:
                look_sent = look
                if look_frame:
                    await websocket.send_bytes(LOOK + struct.pack("<d", hub.frame_stamp)
                                               + look_frame)
                await websocket.send_text(json.dumps(look_event))
            await asyncio.sleep(max(0.0, FRAME_PERIOD - (time.perf_counter() - started)))

    return Starlette(routes=[
        Route("/", page), Route("/highlight.css", highlight_css),
        Route("/api/transcribe", transcribe, methods=["POST"]), Route("/api/state", state),
        WebSocketRoute("/ws", socket), Mount("/static", StaticFiles(directory=STATIC)),
    ])
