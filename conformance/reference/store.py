"""Sessions in SQLite: in memory by default, or in a file that survives a crash.

Every write runs in one ``BEGIN IMMEDIATE`` transaction, so the If-Match compare-and-set is atomic
across concurrent requests and across processes sharing the file. A file database uses WAL with
``synchronous=FULL``: a write the service acknowledged is on disk before the answer leaves.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conformance.reference.model import Doc

Key = tuple[str, str, str]
BUSY_TIMEOUT_MS = 5000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    scid TEXT NOT NULL,
    template TEXT NOT NULL,
    name TEXT NOT NULL,
    etag TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (scid, template, name)
) WITHOUT ROWID
"""


@dataclass(frozen=True)
class Stored:
    etag: str
    document: Doc


class Transaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def get(self, key: Key) -> Stored | None:
        row = self._connection.execute(
            "SELECT etag, document FROM sessions WHERE scid = ? AND template = ? AND name = ?", key
        ).fetchone()
        return None if row is None else Stored(row[0], json.loads(row[1]))

    def put(self, key: Key, stored: Stored) -> None:
        self._connection.execute(
            "INSERT OR REPLACE INTO sessions (scid, template, name, etag, document) VALUES (?, ?, ?, ?, ?)",
            (*key, stored.etag, json.dumps(stored.document, separators=(",", ":"))),
        )

    def delete(self, key: Key) -> None:
        self._connection.execute("DELETE FROM sessions WHERE scid = ? AND template = ? AND name = ?", key)


class Store:
    def __init__(self, path: Path | None = None) -> None:
        self._connection = sqlite3.connect(
            ":memory:" if path is None else str(path), isolation_level=None, check_same_thread=False
        )
        if path is not None:
            self._connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute("PRAGMA synchronous = FULL")
        self._connection.execute(_SCHEMA)
        # One connection serves every caller of this Store; the lock keeps their transactions apart.
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._connection)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._connection.close()
