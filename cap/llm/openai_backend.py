"""Every OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama, llama.cpp, LM Studio)."""
from __future__ import annotations

import os
import time

import openai

from cap.errors import ModelUnavailable
from cap.config import stream_replies
from cap.llm.base import ChatModel, Completion, backend

OLLAMA_URL = "http://localhost:11434/v1"


class OpenAIChat(ChatModel):
    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = 60.0, max_retries: int = 3, stream: bool = False) -> None:
        self.name = model
        self.stream = stream
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        self.client = openai.OpenAI(
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or "unset",
            base_url=self.base_url, timeout=timeout, max_retries=max_retries,
        )

    def complete(self, messages, temperature, max_tokens, lmp) -> Completion:
        started = time.perf_counter()
        try:
            if self.stream:
                text, usage, finish = self._stream(messages, temperature, max_tokens)
            else:
                response = self.client.chat.completions.create(
                    model=self.name, messages=messages, temperature=temperature,
                    max_tokens=max_tokens)
                choice = response.choices[0]
                text, usage, finish = choice.message.content or "", response.usage, \
                    choice.finish_reason
        except openai.AuthenticationError:
            raise ModelUnavailable(f"the model server refused the API key; set OPENAI_API_KEY "
                                  f"({self._where()})") from None
        except openai.NotFoundError:
            raise ModelUnavailable(f"the server does not know model {self.name!r} "
                                  f"({self._where()}); check --llm") from None
        except openai.APITimeoutError:
            raise ModelUnavailable(f"the model server timed out ({self._where()})") from None
        except openai.APIConnectionError:
            raise ModelUnavailable(f"cannot reach the model server ({self._where()}); is it "
                                  "running? set OPENAI_BASE_URL or --llm") from None
        except openai.APIStatusError as error:
            raise ModelUnavailable(f"the model server answered HTTP {error.status_code} "
                                  f"({self._where()}) after retries") from None
        except (openai.APIError, ValueError, KeyError, IndexError, AttributeError) as error:
            raise ModelUnavailable(f"malformed reply from the model server ({self._where()}): "
                                  f"{type(error).__name__}") from None
        return Completion(text, getattr(usage, "prompt_tokens", 0) or 0,
                          getattr(usage, "completion_tokens", 0) or 0,
                          seconds=time.perf_counter() - started, truncated=finish == "length")

    def _stream(self, messages, temperature, max_tokens):
        chunks, usage, finish = [], None, None
        stream = self.client.chat.completions.create(
            model=self.name, messages=messages, temperature=temperature, max_tokens=max_tokens,
            stream=True, stream_options={"include_usage": True})
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                chunks.append(chunk.choices[0].delta.content)
            if chunk.choices and chunk.choices[0].finish_reason:
                finish = chunk.choices[0].finish_reason
            usage = chunk.usage or usage
        return "".join(chunks), usage, finish

    def _where(self) -> str:
        return f"model {self.name} at {self.client.base_url}"


@backend("openai")
def _openai(model: str) -> ChatModel:
    return OpenAIChat(model, stream=stream_replies())


@backend("ollama")
def _ollama(model: str) -> ChatModel:
    return OpenAIChat(model, base_url=os.environ.get("OPENAI_BASE_URL") or OLLAMA_URL,
                      api_key=os.environ.get("OPENAI_API_KEY") or "ollama",
                      stream=stream_replies())
