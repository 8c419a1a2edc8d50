"""The response cache: a model's valid answer per provider, model and exact prompt, in one SQLite file.

An identical rerun (same provider, model, prompt and schema) is answered from here and makes no
request. Only answers that passed validation are stored, so a cached answer is always usable.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from medpages.errors import MedpagesError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    text TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    created REAL NOT NULL
)
"""


_SET_UP_ATTEMPTS = 20  # about 10 s in all


@dataclass(frozen=True)
class CachedResponse:
    text: str
    input_tokens: int
    output_tokens: int


def cache_key(provider: str, model: str, prompt_fingerprint: str, schema_version: str) -> str:
    raw = "\x00".join((provider, model, schema_version, prompt_fingerprint))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ResponseCache:
    """`ResponseCache(path)`; `":memory:"` for a cache that lasts the run."""

    def __init__(self, path: Path | str):
        self.path = str(path)
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._set_up()
        except sqlite3.Error as exc:
            raise MedpagesError(f"cannot open the response cache {self.path}: {exc}") from exc
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _set_up(self) -> None:
        """WAL and the table. Two runs starting together (several `generate` processes sharing one
        catalogue) may both switch a new file to WAL at once, where SQLite answers "database is
        locked" at once instead of waiting: the loser tries again."""
        for attempt in range(_SET_UP_ATTEMPTS):
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute(_SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == _SET_UP_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            row = self._db.execute("SELECT text, input_tokens, output_tokens FROM responses WHERE key = ?",
                                   (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return CachedResponse(*row)

    def put(self, key: str, *, provider: str, model: str, prompt_version: str, text: str,
            input_tokens: int, output_tokens: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, provider, model, prompt_version, text, input_tokens, output_tokens, time.time()))

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
