"""Shared fixtures: a scripted model server, a CAP_HOME of the test's own, simulated tables."""
from __future__ import annotations

import pytest

from cap.llm.openai_backend import OpenAIChat
from tests.llm_server import ScriptedLLM


@pytest.fixture(autouse=True)
def cap_home(tmp_path, monkeypatch):
    """Every test gets its own cache and skill library."""
    home = tmp_path / "cap_home"
    monkeypatch.setenv("CAP_HOME", str(home))
    monkeypatch.delenv("CAP_LLM", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return home


@pytest.fixture
def llm_server():
    server = ScriptedLLM()
    yield server
    server.close()


@pytest.fixture
def scripted_model(llm_server):
    """A real OpenAI client talking HTTP to the scripted server (one retry, short timeout)."""
    return OpenAIChat("scripted", base_url=llm_server.base_url, api_key="test", timeout=5,
                      max_retries=1)
