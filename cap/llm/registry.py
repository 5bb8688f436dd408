"""Models by spec (`--llm PREFIX:MODEL`): the built-in backends, each registered with
`cap.llm.base.backend`, and the one function every front end uses to get a model."""
from __future__ import annotations

from cap.config import ModelSettings, cap_home, llm_spec
from cap.errors import GenerationError
from cap.llm.base import BACKENDS, ChatModel

BASELINE_BANNER = (
    "[cap] no model configured (--llm or CAP_LLM): using the offline 'retrieval' baseline. It "
    "is not a language model: it runs the prompt example closest to a command with the "
    "colours, objects and places swapped (e.g. 'put the red block in the blue bowl', 'stack "
    "the blocks', 'how many blocks are there?') and refuses commands no example is close to.")

def _register_builtins() -> None:
    import cap.llm.openai_backend  # noqa: F401  (openai, ollama)
    import cap.llm.retrieval  # noqa: F401  (retrieval)
    import cap.llm.scripted  # noqa: F401  (scripted)


def create_model(spec: str, settings: ModelSettings | None = None) -> ChatModel:
    """A model from a spec: `openai:MODEL`, `ollama:MODEL`, `scripted:FILE` or `retrieval`
    (`settings`: timeout, retries, streaming; default from the environment)."""
    _register_builtins()
    prefix, _, model = spec.partition(":")
    if prefix not in BACKENDS:
        raise GenerationError(f"unknown model spec {spec!r}; use openai:MODEL, ollama:MODEL, "
                              "scripted:FILE or retrieval")
    if prefix != "retrieval" and not model:
        raise GenerationError(f"model spec {spec!r} names no model; e.g. {prefix}:gpt-4o-mini")
    return BACKENDS[prefix](model, settings or ModelSettings.from_environment())


def load_model(spec: str | None = None, cache: bool = True,
               settings: ModelSettings | None = None) -> ChatModel:
    """The configured model (`spec`, else $CAP_LLM, else the baseline), behind the on-disk
    response cache unless `cache` is False or the backend needs none."""
    from cap.llm.cache import CachedModel

    model = create_model(llm_spec(spec), settings)
    if cache and model.cacheable:
        return CachedModel(model, cap_home() / "cache.sqlite")
    return model
