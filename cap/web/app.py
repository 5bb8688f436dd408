"""`cap serve`: one page with the live camera, commands typed or spoken, the programs as they
arrive, said messages, history, and Stop / Undo / Reset. Plain HTML, CSS and JavaScript
served by the app itself (works offline). Who may reach it: `cap.web.doors`."""
from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from cap.errors import CapError, SpeechError
from cap.speech.ask import transcript_report
from cap.speech.audio import AudioError
from cap.speech.recognize import Transcript
from cap.web.doors import Doors
from cap.hub import Client, Hub, QueueFull
from cap.web.messages import (BadMessage, RateLimit, command_text, frame_rate, parse_message,
                              question_id)
from cap.web.questions import Questions
from cap.web.server import MAX_VIEWERS
from cap.web.viewer import Feed, Viewer

STATIC = Path(__file__).parent / "static"
MAX_AUDIO_BYTES = 8 * 1024 * 1024
BODY_SECONDS = 30.0  # to upload a body, however slowly it comes
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
OBJECT_REPR = re.compile(r"<[^<>]* at 0x[0-9a-fA-F]+>")  # e.g. <_io.BytesIO object at 0x7f..>


def highlight_html(code: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer
    return highlight(code, PythonLexer(), HtmlFormatter(nowrap=True))


def json_reply(data: dict, status: int = 200) -> Response:
    """JSON with non-ASCII escaped: no text the session holds can fail to encode."""
    return Response(json.dumps(data), status, media_type="application/json",
                    headers={"Cache-Control": "no-store"})


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused (413, before reading) when it says or turns out to be over `limit`
    bytes, and when it takes over BODY_SECONDS to arrive (408). What the client still sends
    after the refusal is discarded until the connection's head deadline closes it, so the
    client reads the answer instead of a reset."""
    too_large = HTTPException(413, f"the body is over {limit / 2**20:g} MiB")
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > limit:
        raise too_large
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_SECONDS):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise too_large
    except TimeoutError:
        raise HTTPException(408, "the body took too long to arrive") from None
    return bytes(body)


def client_key(connection: HTTPConnection) -> str:
    """Who a request comes from, for per-client limits: its address (not its connection)."""
    return connection.client.host if connection.client else ""


def create_app(hub: Hub, token: str | None = None, recognizer=None) -> Starlette:
    """The page, its API and its WebSocket behind `Doors(token)` (required when not bound
    to a loopback address)."""
    transcribing = asyncio.Lock()  # speech costs about a second of CPU: one at a time
    rates: dict[str, RateLimit] = {}  # per client, not per connection
    questions = Questions(hub)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.feed = Feed(hub, asyncio.get_running_loop())
        yield
        app.state.feed.close()  # the loop ends: the hub's thread must stop telling it

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def highlight_css(request: Request) -> Response:
        from pygments.formatters import HtmlFormatter
        return Response(HtmlFormatter().get_style_defs(".code"), media_type="text/css")

    async def listen(request: Request) -> Transcript | Response:
        """The request's recording transcribed, or the reply that says why not."""
        if recognizer is None:
            return json_reply({"error": "no speech backend: install cap[speech]"}, 501)
        if transcribing.locked():
            return json_reply({"error": "busy with another recording; try again"}, 429)
        async with transcribing:
            body = await read_body(request, MAX_AUDIO_BYTES)
            try:
                return await asyncio.to_thread(recognizer.transcribe, body)
            except (AudioError, SpeechError) as error:
                return json_reply({"error": OBJECT_REPR.sub("the recording", str(error))}, 422)

    async def transcribe(request: Request) -> Response:
        heard = await listen(request)
        return heard if isinstance(heard, Response) else json_reply(transcript_report(heard))

    async def spoken(request: Request) -> Response:
        """A spoken command: queued, or first asked about where a name was uncertain."""
        owner = client_key(request)
        if not rates.setdefault(owner, RateLimit()).allow():
            return json_reply({"error": "too many commands; wait a few seconds"}, 429)
        heard = await listen(request)
        if isinstance(heard, Response):
            return heard
        try:
            return json_reply({**transcript_report(heard), **questions.heard(heard, owner)})
        except QueueFull as error:
            return json_reply({"error": str(error)}, 429)

    async def state(request: Request) -> Response:
        """Simulator ground truth, joints and the queue, as JSON (for scripts and tests)."""
        return json_reply({**hub.truth, "running": hub.running, "queued": hub.pending,
                           "frames_rendered": hub.frames_rendered, "believed": hub.believed})

    async def stop(request: Request) -> Response:
        """Stop over plain HTTP: for scripts, and for the page while its socket is down."""
        questions.drop("dropped by Stop")
        issued = hub.stop()
        return json_reply({"stopping": True, "ms": round((time.perf_counter() - issued) * 1e3, 2)})

    async def socket(websocket: WebSocket) -> None:
        if len(hub.clients) >= MAX_VIEWERS:
            await websocket.close(code=1013)  # try again later
            return
        await websocket.accept()
        client, viewer = Client(asyncio.get_running_loop()), Viewer()
        hub.connect(client)
        tasks = [asyncio.create_task(send_events(websocket, client)),
                 asyncio.create_task(viewer.run(websocket, websocket.app.state.feed))]
        try:
            await receive(websocket, client_key(websocket), viewer)
        except WebSocketDisconnect:
            pass
        finally:
            hub.disconnect(client)
            for task in tasks:
                task.cancel()

    async def receive(websocket: WebSocket, owner: str, viewer: Viewer) -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            try:
                reply = answer(parse_message(message.get("text")), owner, viewer)
            except (BadMessage, CapError) as error:
                reply = {"type": "error", "message": str(error)}
            if reply:
                await websocket.send_text(json.dumps(reply))

    def answer(message: dict, owner: str, viewer: Viewer) -> dict | None:
        """What one message from a browser does; the reply to it, if any."""
        kind = message["type"]
        if kind == "stop":
            questions.drop("dropped by Stop")
            issued = hub.stop()
            return {"type": "stop_issued", "ms": round((time.perf_counter() - issued) * 1e3, 2)}
        if kind == "view":
            viewer.set_rate(frame_rate(message.get("fps")))
            return None
        text = command_text(message.get("text")) if kind in ("command", "answer") else ""
        if not rates.setdefault(owner, RateLimit()).allow():
            raise BadMessage("too many commands; wait a few seconds")
        if kind == "answer":
            questions.answer(question_id(message.get("id")), text)
        else:
            hub.submit(kind, text, owner)
        return None

    async def send_events(websocket: WebSocket, client: Client) -> None:
        while True:
            await websocket.send_text(await client.events.get())

    async def refused(request: Request, error: HTTPException) -> Response:
        return json_reply({"error": error.detail}, error.status_code)

    return Starlette(
        routes=[Route("/", page), Route("/highlight.css", highlight_css),
                Route("/api/transcribe", transcribe, methods=["POST"]),
                Route("/api/spoken", spoken, methods=["POST"]),
                Route("/api/state", state), Route("/api/stop", stop, methods=["POST"]),
                WebSocketRoute("/ws", socket), Mount("/static", StaticFiles(directory=STATIC))],
        middleware=[Middleware(Doors, token=token, public=("/static/", "/highlight.css"))],
        exception_handlers={HTTPException: refused}, lifespan=lifespan)
