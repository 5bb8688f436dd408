"""The skill library: generated functions kept under CAP_HOME and reused across sessions."""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path


class SkillLibrary:
    """Function definitions keyed by name, signature and the fgen prompt's version."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS skills (name TEXT, signature TEXT, "
                             "version INT, code TEXT, created REAL, "
                             "PRIMARY KEY (name, signature, version))")

    def get(self, name: str, signature: str, version: int) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT code FROM skills WHERE name = ? AND signature = ? "
                                   "AND version = ?", (name, signature, version)).fetchone()
        return row[0] if row else None

    def put(self, name: str, signature: str, version: int, code: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO skills VALUES (?, ?, ?, ?, ?)",
                             (name, signature, version, code, time.time()))

    def list(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT name, signature, version, code FROM skills "
                                    "ORDER BY name").fetchall()
        return [dict(zip(("name", "signature", "version", "code"), row)) for row in rows]

    def clear(self) -> int:
        with self._lock, self._db:
            return self._db.execute("DELETE FROM skills").rowcount
