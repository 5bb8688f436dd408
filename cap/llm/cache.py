"""An on-disk response cache (SQLite under CAP_HOME) keyed by the full request and the server
that answers it."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

from cap.llm.base import ChatModel, Completion


def request_key(endpoint: str, model: str, messages, temperature: float, max_tokens: int) -> str:
    blob = json.dumps([endpoint, model, messages, temperature, max_tokens], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


class CachedModel(ChatModel):
    """Answers a request seen before from disk; otherwise asks the inner model and stores it."""

    def __init__(self, inner: ChatModel, path: Path) -> None:
        self.inner, self.name, self.is_baseline = inner, inner.name, inner.is_baseline
        self.endpoint, self.remote = inner.endpoint, inner.remote
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, "
                             "text TEXT, prompt_tokens INT, completion_tokens INT)")

    def complete(self, messages, temperature, max_tokens, lmp) -> Completion:
        key = request_key(self.endpoint, self.name, messages, temperature, max_tokens)
        with self._lock:
            row = self._db.execute("SELECT text, prompt_tokens, completion_tokens FROM responses "
                                   "WHERE key = ?", (key,)).fetchone()
        if row:
            return Completion(row[0], row[1], row[2], cached=True)
        completion = self.inner.complete(messages, temperature, max_tokens, lmp)
        if completion.truncated:  # asked again with more room, never answered from disk
            return completion
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?)",
                             (key, completion.text, completion.prompt_tokens,
                              completion.completion_tokens))
        return completion
