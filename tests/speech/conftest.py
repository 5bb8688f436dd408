"""Spoken commands synthesised by espeak-ng; one language-model cache for the whole module."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed")


@pytest.fixture(scope="session")
def speech_home(tmp_path_factory) -> Path:
    """A CAP_HOME shared by the speech tests, so the grammar's model is built once."""
    return tmp_path_factory.mktemp("speech_home")


@pytest.fixture
def cap_home(speech_home, monkeypatch):  # overrides the per-test home of tests/conftest.py
    monkeypatch.setenv("CAP_HOME", str(speech_home))
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return speech_home


def synthesise(text: str, path: Path, voice: str = "en-us", speed: int = 160) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text],
                   check=True)
    return path
