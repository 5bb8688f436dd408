"""A scripted OpenAI-compatible server: a real HTTP server on 127.0.0.1, for tests,
benchmarks and replays.

Chat completions answer by rules (a substring of the last user message -> a reply), with
injectable faults (HTTP status codes, delays, malformed bodies), a context window as
llama-cpp-python's server keeps one (`context`: a prompt that does not fit is refused with
HTTP 400 `context_length_exceeded`, a reply is cut to the room the prompt leaves), streams as
slow as asked (`chunk_delay`), with or without usage. A client that goes away while its
request waits or streams is counted (`abandoned`). `audio/transcriptions` answers with the
queued `transcripts` and keeps the audio it was sent. Every request is logged.
"""
from __future__ import annotations

import email.parser
import email.policy
import json
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cap.llm.scripted import Rule, Script, approx_tokens


@dataclass
class ScriptedLLM:
    """Serves cap's own `Script` (cap.llm.scripted) over real HTTP."""

    rules: list[Rule] = field(default_factory=list)
    faults: list[int | str] = field(default_factory=list)  # HTTP codes, "malformed", "hang"
    delay: float = 0.0
    requests: list[dict] = field(default_factory=list)
    fallback: str | None = None  # reply when no rule matches (None: HTTP 400)
    transcripts: list[str] = field(default_factory=list)  # replies to audio/transcriptions
    audio: list[bytes] = field(default_factory=list)  # the files sent for transcription
    context: int | None = None  # the server's context window in tokens (None: unlimited)
    chunk_delay: float = 0.0  # seconds between streamed pieces
    stream_usage: bool = True  # a stream ends with token counts (some servers send none)
    abandoned: int = 0  # requests whose client went away before the answer was complete

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.script = Script(self.rules)
        handler = type("Handler", (_Handler,), {"script": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # a handler told to hang must not block shutdown
        self.in_flight = self.max_in_flight = 0
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def on(self, contains: str, reply: str, times: int | None = None,
           system: str = "", finish_reason: str = "stop") -> "ScriptedLLM":
        self.script.add(contains, reply, times, system, finish_reason)
        return self

    def answer(self, body: dict) -> tuple[str, str] | None:
        with self._lock:
            self.requests.append(body)
        self.script.fallback = self.fallback
        return self.script.answer(body["messages"])

    def count_abandoned(self) -> None:
        with self._lock:
            self.abandoned += 1

    def next_fault(self) -> int | str | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    script: ScriptedLLM

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        script = self.script
        with script._lock:
            script.in_flight += 1
            script.max_in_flight = max(script.max_in_flight, script.in_flight)
        try:
            self._answer()
        finally:
            with script._lock:
                script.in_flight -= 1

    def _answer(self) -> None:
        if self.path.endswith("/audio/transcriptions"):
            return self._transcribe()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        fault = self.script.next_fault()
        if fault == "hang":
            self._pause(30)
            return
        if isinstance(fault, int):
            return self._send(fault, {"error": {"message": f"scripted {fault}", "type": "x"}})
        if self.script.delay and not self._pause(self.script.delay):
            return
        answer = self.script.answer(body)
        if answer is None:
            return self._send(400, {"error": {"message": "no scripted reply", "type": "x"}})
        if fault == "malformed":
            return self._raw(200, b'{"choices": [ this is not json', "application/json")
        prompt = sum(approx_tokens(m["content"]) for m in body["messages"])
        fitted = self._fit(prompt, body, *answer)
        if fitted is None:
            return
        reply, finish_reason = fitted
        written = approx_tokens(reply)
        if finish_reason == "length" and self.script.context is None:
            written = body.get("max_tokens") or written  # a rule's cut-off: at the token limit
        usage = {"prompt_tokens": prompt, "completion_tokens": written,
                 "total_tokens": prompt + written}
        if body.get("stream"):
            return self._stream(body["model"], reply, usage, finish_reason)
        self._send(200, {
            "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"], "usage": usage,
            "choices": [{"index": 0, "finish_reason": finish_reason,
                         "message": {"role": "assistant", "content": reply}}],
        })

    def _fit(self, prompt: int, body: dict, reply: str,
             finish_reason: str) -> tuple[str, str] | None:
        """The reply as a server with a context window gives it: refused (None) when the
        prompt fills the window, as llama-cpp-python does: HTTP 400 with the numbers, or to
        a stream an empty one; cut to the room left when the reply does not fit beside it."""
        context = self.script.context
        if context is None:
            return reply, finish_reason
        asked = body.get("max_tokens") or 0
        if prompt >= context and body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            return None
        if prompt >= context:
            self._send(400, {"error": {
                "message": f"This model's maximum context length is {context} tokens. However, "
                           f"you requested {prompt + asked} tokens ({prompt} in the messages, "
                           f"{asked} in the completion). Please reduce the length of the "
                           "messages or completion.",
                "type": "invalid_request_error", "param": "messages",
                "code": "context_length_exceeded"}})
            return None
        room = context - prompt
        if approx_tokens(reply) > room:
            return reply[:4 * room], "length"
        return reply, finish_reason

    def _pause(self, seconds: float) -> bool:
        """Wait (a slow model); False, counted as abandoned, when the client goes away first."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                self.script.count_abandoned()
                return False
        return True

    def _transcribe(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        files = [part.get_payload(decode=True) for part in message.iter_parts()
                 if part.get_filename()]
        with self.script._lock:
            self.script.audio += files
            text = self.script.transcripts.pop(0) if self.script.transcripts else None
        if text is None:
            return self._send(400, {"error": {"message": "no scripted transcript", "type": "x"}})
        self._send(200, {"text": text})

    def _stream(self, model: str, reply: str, usage: dict, finish_reason: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        pieces = [reply[i:i + 16] for i in range(0, len(reply), 16)]
        try:
            for piece in pieces:
                self._event({"id": "c", "object": "chat.completion.chunk", "created": 0,
                             "model": model, "choices": [{"index": 0, "delta": {"content": piece},
                                                          "finish_reason": None}]})
                if self.script.chunk_delay and not self._pause(self.script.chunk_delay):
                    return
            self._event({"id": "c", "object": "chat.completion.chunk", "created": 0,
                         "model": model, "choices": [{"index": 0, "delta": {},
                                                      "finish_reason": finish_reason}]})
            if self.script.stream_usage:
                self._event({"id": "c", "object": "chat.completion.chunk", "created": 0,
                             "model": model, "choices": [], "usage": usage})
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            self.script.count_abandoned()

    def _event(self, data: dict) -> None:
        self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()

    def _send(self, code: int, data: dict) -> None:
        self._raw(code, json.dumps(data).encode(), "application/json")

    def _raw(self, code: int, payload: bytes, kind: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
