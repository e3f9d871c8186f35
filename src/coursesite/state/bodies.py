"""Converted bodies: the HTML of each page body, by a hash of its text and of the code.

A layout edit renders every page again but converts no Markdown: each body's
HTML is found here. Worker processes store the bodies they convert in batches
(one commit per body would cost more than the body), each over its own
connection. A value starts with the hash of the rest: a damaged one is
converted again, never trusted.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from typing import Any

import orjson

from coursesite.state.db import Database

BATCH = 32  # bodies per transaction


class Bodies:
    """The render stage's BodyCache, kept in the state file.

    `flush` commits what `put` and `get` left pending, and must be called when a
    piece of work ends: a worker process is never told that it will get no more.
    """

    def __init__(self, db: Database):
        self.db = db
        self._pending: list[tuple[str, bytes, int]] = []
        self._used: list[str] = []
        self._pid = 0
        # Found empty when this process first used it (a first build): only what this
        # process put since is looked up. Other processes store other pages' bodies meanwhile.
        self._empty = False
        self._put: set[str] = set()

    def get(self, key: str) -> Any | None:
        db = self._connection()
        if db is None or (self._empty and key not in self._put):
            return None
        try:
            row = db.execute("SELECT value FROM bodies WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self.db.failed(exc)
            return None
        if row is None:
            return None
        data: bytes = row[0]
        if hashlib.sha256(data[65:]).hexdigest().encode() != data[:64]:
            return None
        try:
            value = orjson.loads(data[65:])
        except orjson.JSONDecodeError:
            return None
        self._used.append(key)  # the state forgets what was used longest ago first
        return value

    def put(self, key: str, value: Any) -> None:
        if not self.db.writable or self._connection() is None:
            return
        body = orjson.dumps(value)
        data = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        self._pending.append((key, data, time.time_ns()))
        if self._empty:
            self._put.add(key)
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        pending, used = self._pending, self._used
        self._pending, self._used = [], []
        db = self._connection() if (pending or used) and self.db.writable else None
        if db is None:
            return
        now = time.time_ns()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", pending)
            db.executemany("UPDATE bodies SET used = ? WHERE key = ?", [(now, k) for k in used])
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            self.db.failed(exc)

    def prune(self, keep: int) -> None:
        """Forget all but the `keep` bodies used most recently."""
        self.flush()
        db = self._connection()
        if db is None or not self.db.writable:
            return
        try:
            db.execute("DELETE FROM bodies WHERE key NOT IN "
                       "(SELECT key FROM bodies ORDER BY used DESC LIMIT ?)", (keep,))
        except sqlite3.Error as exc:
            self.db.failed(exc)

    def _connection(self) -> sqlite3.Connection | None:
        db = self.db.connection()
        if self._pid != os.getpid():  # a forked worker: the parent's pending work is not ours
            self._pending, self._used, self._put, self._pid = [], [], set(), os.getpid()
            self._empty = db is not None and self._is_empty(db)
        return db

    def _is_empty(self, db: sqlite3.Connection) -> bool:
        try:
            return bool(db.execute("SELECT NOT EXISTS (SELECT 1 FROM bodies)").fetchone()[0])
        except sqlite3.Error:
            return False
