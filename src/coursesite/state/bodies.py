"""The body store: page bodies converted by earlier builds, kept in one SQLite file.

A layout edit renders every page again but converts no Markdown: each body's
HTML is found here by a hash of its text and of the code that converts it.
One file rather than a file per body: creating a file is the dearest thing a
build does on some disks (0.1 to 0.8 ms each, seen on this project's machines),
and a cold build would make one per page. SQLite also lets the worker
processes of a build write to the one file at once.

A value starts with the hash of the rest: a damaged one is converted again,
never trusted. The store is only ever a shortcut: one that cannot be opened,
read or written makes a build slower, never wrong, and a file that is not a
sound database is thrown away.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson

SCHEMA = ("CREATE TABLE IF NOT EXISTS bodies "
          "(key TEXT PRIMARY KEY, value BLOB NOT NULL, used INTEGER NOT NULL)")
BATCH = 32  # bodies per transaction: one commit per body would cost more than the body
DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
OPEN_WAIT = 60.0  # seconds a process waits for another that holds the store


class BodyStore:
    """Values by key in `path` (None: a store that keeps nothing).

    Written in batches: `flush` commits what `put` and `get` left pending, and
    must be called when a piece of work ends (a worker process is never told
    that it will get no more). Each process opens its own connection: one
    opened before a fork must not be used after it.
    """

    def __init__(self, path: Path | None, writable: bool = True):
        self.path = path
        self.writable = writable
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._inherited: list[sqlite3.Connection] = []
        self._pending: list[tuple[str, bytes, int]] = []
        self._used: list[str] = []
        # Found empty when this process opened it (a first build): only what this process
        # put since is looked up. Other processes store other pages' bodies meanwhile.
        self._empty = False
        self._put: set[str] = set()

    def get(self, key: str) -> Any | None:
        db = self._connection()
        if db is None or (self._empty and key not in self._put):
            return None
        try:
            row = db.execute("SELECT value FROM bodies WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
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
        self._used.append(key)  # the store forgets what was used longest ago first
        return value

    def put(self, key: str, value: Any) -> None:
        if not self.writable or self._connection() is None:
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
        db = self._db if self._pid == os.getpid() else None
        if db is None or not self.writable or not (pending or used):
            return
        now = time.time_ns()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", pending)
            db.executemany("UPDATE bodies SET used = ? WHERE key = ?", [(now, k) for k in used])
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                if db.in_transaction:
                    db.execute("ROLLBACK")
            self._failed(exc)

    def prune(self, keep: int) -> None:
        """Forget all but the `keep` bodies used most recently."""
        self.flush()
        db = self._connection()
        if db is None or not self.writable:
            return
        try:
            db.execute("DELETE FROM bodies WHERE key NOT IN "
                       "(SELECT key FROM bodies ORDER BY used DESC LIMIT ?)", (keep,))
        except sqlite3.Error as exc:
            self._failed(exc)
        assert self.path is not None
        legacy = self.path.parent / "bodies"  # a file per body: how earlier builds kept them
        if legacy.is_dir():
            shutil.rmtree(legacy, ignore_errors=True)

    def close(self) -> None:
        self.flush()
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db, self._pid = None, 0

    def _connection(self) -> sqlite3.Connection | None:
        if self._pid != os.getpid():
            if self._db is not None:
                # A forked worker: the parent's connection is left alone, not even closed
                # (closing it could end the parent's locks or remove its journal).
                self._inherited.append(self._db)
            self._pending, self._used, self._put = [], [], set()
            self._db, self._pid = self._open(), os.getpid()
        return self._db

    def _open(self) -> sqlite3.Connection | None:
        if self.path is None or (not self.writable and not self.path.exists()):
            return None
        deadline, discarded = time.monotonic() + OPEN_WAIT, False
        while True:
            db = None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=OPEN_WAIT, isolation_level=None,
                                     check_same_thread=False)
                # WAL: workers write while others read. Kept in the file once set; setting
                # it does not wait for another process as statements do, hence the loop.
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")  # a cache: no flush to disk per commit
                db.execute(SCHEMA)
                self._empty = db.execute("SELECT NOT EXISTS (SELECT 1 FROM bodies)").fetchone()[0]
                return db
            except (sqlite3.Error, OSError) as exc:
                if db is not None:
                    db.close()
                reason = getattr(exc, "sqlite_errorname", "")
                if reason in DAMAGED and not discarded:
                    self._discard()  # not a database, or a damaged one: start a new one
                    discarded = True
                    continue
                if reason != "SQLITE_BUSY" or time.monotonic() > deadline:
                    return None
                time.sleep(0.01)

    def _failed(self, exc: sqlite3.Error) -> None:
        """A store that fails is not used again by this process; a damaged one is removed."""
        if getattr(exc, "sqlite_errorname", "") in DAMAGED:
            self._discard()
        self._db = None

    def _discard(self) -> None:
        assert self.path is not None
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")
