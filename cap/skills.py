"""The skill library: generated functions kept under CAP_HOME and reused across sessions.

A function is kept only once it has earned it: it passed the checks and the command that used
it succeeded (`verified`). A function from the library that fails is forgotten, so the next
command writes a new one; entries written before verification existed are never served.
"""
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
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(skills)")}
            if "verified" not in columns:  # a library from before verification
                self._db.execute("ALTER TABLE skills ADD COLUMN verified INT DEFAULT 0")

    def get(self, name: str, signature: str, version: int) -> str | None:
        """A verified definition, or None."""
        with self._lock:
            row = self._db.execute("SELECT code FROM skills WHERE name = ? AND signature = ? "
                                   "AND version = ? AND verified = 1",
                                   (name, signature, version)).fetchone()
        return row[0] if row else None

    def put(self, name: str, signature: str, version: int, code: str) -> None:
        """Keep a definition that passed the checks and served a command that succeeded."""
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO skills VALUES (?, ?, ?, ?, ?, 1)",
                             (name, signature, version, code, time.time()))

    def forget(self, name: str, signature: str, version: int) -> None:
        """Drop a definition that failed, so the next command writes a new one."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM skills WHERE name = ? AND signature = ? AND "
                             "version = ?", (name, signature, version))

    def list(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT name, signature, version, code, verified "
                                    "FROM skills ORDER BY name").fetchall()
        return [dict(zip(("name", "signature", "version", "code", "verified"),
                         (*row[:4], bool(row[4])))) for row in rows]

    def clear(self) -> int:
        with self._lock, self._db:
            return self._db.execute("DELETE FROM skills").rowcount
