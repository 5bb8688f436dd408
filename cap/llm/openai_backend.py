"""Every OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama, llama.cpp, LM Studio).

Requests run on the model's own event loop (one thread, one client that keeps its
connections), so abandoning one (the command's deadline, Stop, a signal) cancels it and
closes its connection. Transient failures (no connection, HTTP 429,
5xx) are retried with a short back-off; a timeout is not (the same request would take as
long again); a prompt the server's context cannot hold says so with the numbers.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import threading
import time

import openai

from cap.config import ModelSettings
from cap.errors import ContextExceeded, ModelUnavailable
from cap.llm.base import ChatModel, Completion, approx_tokens, backend
from cap.llm.calls import Call, current_call

OLLAMA_URL = "http://localhost:11434/v1"
OPENAI_URL = "https://api.openai.com/v1"
BACKOFF_SECONDS = (0.5, 2.0, 5.0)
TRANSIENT = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)
CONTEXT_WORDS = re.compile(r"context (length|window|size)|maximum context", re.IGNORECASE)


class BrokenStream(Exception):
    """The server ended a stream without a finish reason."""


class OpenAIChat(ChatModel):
    remote = True

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 timeout: float | None = None, max_retries: int | None = None,
                 stream: bool | None = None) -> None:
        """Unset settings come from the environment (`ModelSettings.from_environment`)."""
        settings = ModelSettings.from_environment(timeout, max_retries)
        self.name = model
        self.stream = settings.stream if stream is None else stream
        self.endpoint = (base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL).rstrip("/")
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY") or "unset"
        self.timeout, self.retries = settings.timeout, settings.retries
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: openai.AsyncOpenAI | None = None
        self._lock = threading.Lock()

    def complete(self, messages, temperature, max_tokens, lmp) -> Completion:
        call = current_call() or Call(lmp)
        request = {"model": self.name, "messages": messages, "temperature": temperature,
                   "max_tokens": max_tokens}
        failures: list[str] = []
        for attempt in range(1 + self.retries):
            try:
                return self._answer(request, call)
            except TRANSIENT as error:
                failures.append(self._transient(error))
            delay = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)]
            remaining = call.remaining()
            if attempt == self.retries or (remaining is not None and remaining < delay) \
                    or call.abandoned.wait(delay):
                break
        tries = f"; tried {len(failures)} times" if len(failures) > 1 else ""
        raise ModelUnavailable(f"{failures[-1]} ({self._where()}{tries})")

    def _answer(self, request: dict, call: Call) -> Completion:
        """Streamed when asked; a stream the server broke off without a finish reason is
        asked again whole, so that the server says why (llama-cpp-python answers a prompt
        too long for its context with such a stream, and with HTTP 400 and the numbers to a
        request that does not stream)."""
        if self.stream:
            try:
                return self._attempt(request, call, stream=True)
            except BrokenStream:
                pass
        return self._attempt(request, call, stream=False)

    def _attempt(self, request: dict, call: Call, stream: bool) -> Completion:
        """One request on the model's event loop; abandoning the call cancels it."""
        started = time.perf_counter()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.wait_for(self._request(request, call, stream), self.timeout),
            self._event_loop())
        call.on_abandon(future.cancel)
        try:
            text, usage, finish = future.result()
        except (TimeoutError, asyncio.TimeoutError, openai.APITimeoutError):
            raise call.with_streamed(ModelUnavailable(
                f"timed out: the model did not answer within {self.timeout:g} s "
                f"({self._where()}); a slow model needs a longer --llm-timeout (or "
                "CAP_LLM_TIMEOUT)")) from None
        except (asyncio.CancelledError, concurrent.futures.CancelledError):
            raise ModelUnavailable("the request was abandoned") from None
        except openai.APIStatusError as error:
            if isinstance(error, TRANSIENT):
                raise
            raise self._refused(error, request) from None
        except (openai.APIError, ValueError, KeyError, IndexError, AttributeError) as error:
            if isinstance(error, TRANSIENT):
                raise
            raise ModelUnavailable(f"malformed reply from the model server ({self._where()}): "
                                   f"{type(error).__name__}") from None
        if stream and finish is None:
            raise BrokenStream()
        return Completion(text, getattr(usage, "prompt_tokens", None),
                          getattr(usage, "completion_tokens", None),
                          seconds=time.perf_counter() - started, truncated=finish == "length")

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        """The loop every request of this model runs on, and its client, made on first use."""
        with self._lock:
            if self._loop is None:
                self._client = openai.AsyncOpenAI(api_key=self.api_key, base_url=self.endpoint,
                                                  timeout=self.timeout, max_retries=0)
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, daemon=True,
                                 name=f"model-{self.name}").start()
            return self._loop

    async def _request(self, request: dict, call: Call, stream: bool):
        if stream:
            return await self._stream(self._client, request, call)
        response = await self._client.chat.completions.create(**request)
        choice = response.choices[0]
        return choice.message.content or "", response.usage, choice.finish_reason

    @staticmethod
    async def _stream(client, request: dict, call: Call):
        chunks, usage, finish = [], None, None
        call.streamed = chunks  # watched: progress, and what was written if abandoned
        stream = await client.chat.completions.create(
            **request, stream=True, stream_options={"include_usage": True})
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                chunks.append(chunk.choices[0].delta.content)
            if chunk.choices and chunk.choices[0].finish_reason:
                finish = chunk.choices[0].finish_reason
            usage = chunk.usage or usage
        return "".join(chunks), usage, finish

    def _transient(self, error: Exception) -> str:
        if isinstance(error, openai.APITimeoutError):
            return "the connection to the model server timed out"
        if isinstance(error, openai.APIConnectionError):
            return "cannot reach the model server; is it running? set OPENAI_BASE_URL or --llm"
        return f"the model server answered HTTP {error.status_code}: {_message(error)}"

    def _refused(self, error: openai.APIStatusError, request: dict) -> ModelUnavailable:
        if isinstance(error, openai.AuthenticationError):
            return ModelUnavailable(f"the model server refused the API key; set OPENAI_API_KEY "
                                    f"({self._where()})")
        if isinstance(error, openai.NotFoundError):
            return ModelUnavailable(f"the server does not know model {self.name!r} "
                                    f"({self._where()}); check --llm")
        body = _error_body(error)
        if body.get("code") == "context_length_exceeded" or CONTEXT_WORDS.search(_message(error)):
            return context_exceeded(_message(error), body, request, self._where())
        return ModelUnavailable(f"the model server refused the request with HTTP "
                                f"{error.status_code}: {_message(error)} ({self._where()})")

    def _where(self) -> str:
        return f"model {self.name} at {self.endpoint}"


def _error_body(error: openai.APIStatusError) -> dict:
    """The server's error object (the client may or may not have unwrapped it)."""
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error")
    return inner if isinstance(inner, dict) else body


def _message(error: openai.APIStatusError) -> str:
    return str(_error_body(error).get("message") or error.message)[:300]


def _number(text: str, *patterns: str) -> int | None:
    for pattern in patterns:
        if found := re.search(pattern, text, re.IGNORECASE):
            return int(found[1])
    return None


def context_exceeded(message: str, body: dict, request: dict, where: str) -> ContextExceeded:
    """The server's context cannot hold the request: its size, the prompt's and the reply's,
    as the server said them (llama.cpp, llama-cpp-python, vLLM and OpenAI say them
    differently), and what to do."""
    allowed = body.get("n_ctx") or _number(message, r"maximum context length is (\d+)",
                                           r"context window of (\d+)",
                                           r"context length of only (\d+)")
    prompt = body.get("n_prompt_tokens") or _number(message, r"(\d+) in the messages",
                                                    r"messages resulted in (\d+)")
    reply = _number(message, r"(\d+) in the completion") or request["max_tokens"]
    if prompt is None:
        estimate = sum(approx_tokens(m["content"]) for m in request["messages"])
        prompt_words = f"about {estimate} (estimated; the server did not say)"
    else:
        prompt_words = str(prompt)
    return ContextExceeded(
        f"the prompt does not fit the model's context: the server allows "
        f"{allowed or 'an unstated number of'} tokens, the prompt has {prompt_words} and "
        f"{reply} more were asked for the reply ({where}). {ContextExceeded.ADVICE}")


@backend("openai")
def _openai(model: str, settings: ModelSettings) -> ChatModel:
    return OpenAIChat(model, timeout=settings.timeout, max_retries=settings.retries,
                      stream=settings.stream)


@backend("ollama")
def _ollama(model: str, settings: ModelSettings) -> ChatModel:
    return OpenAIChat(model, base_url=os.environ.get("OPENAI_BASE_URL") or OLLAMA_URL,
                      api_key=os.environ.get("OPENAI_API_KEY") or "ollama",
                      timeout=settings.timeout, max_retries=settings.retries,
                      stream=settings.stream)
