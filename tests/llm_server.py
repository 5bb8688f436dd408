"""The scripted OpenAI-compatible server the tests talk to (it lives in cap: benchmarks and
replays use it too)."""
from cap.llm.scripted_server import ScriptedLLM

__all__ = ["ScriptedLLM"]
