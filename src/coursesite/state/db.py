"""The build state's one SQLite file: its tables, and a connection per process.

Worker processes of a build store the bodies they convert while others read,
so the file is in WAL mode and each process opens its own connection (one
opened before a fork must not be used after it). A file that is not a sound
database, or that another version of coursesite wrote, is set aside and made
anew: the state is only ever a shortcut, and one that cannot be trusted makes
a build slower, never wrong.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Raised when the layout below changes: an older or newer store is then made anew.
SCHEMA_VERSION = 5
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS pages (
    root TEXT NOT NULL, path TEXT NOT NULL, loader TEXT NOT NULL, size INTEGER NOT NULL,
    mtime INTEGER NOT NULL, digest TEXT NOT NULL, page BLOB NOT NULL,
    PRIMARY KEY (root, path));
CREATE TABLE IF NOT EXISTS units (
    root TEXT NOT NULL, grp TEXT NOT NULL, output TEXT NOT NULL, record BLOB NOT NULL,
    links BLOB NOT NULL, PRIMARY KEY (root, grp, output));
CREATE TABLE IF NOT EXISTS groups (
    root TEXT NOT NULL, grp TEXT NOT NULL, summary BLOB NOT NULL,
    PRIMARY KEY (root, grp));
CREATE TABLE IF NOT EXISTS files (
    root TEXT NOT NULL, grp TEXT NOT NULL, rel TEXT NOT NULL, size INTEGER NOT NULL,
    mtime INTEGER NOT NULL, sha TEXT NOT NULL, PRIMARY KEY (root, grp, rel));
CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, value BLOB NOT NULL,
    used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS images (rel TEXT PRIMARY KEY, info BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS variants (name TEXT PRIMARY KEY, size INTEGER NOT NULL,
    mtime INTEGER NOT NULL, sha TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bibentries (chunk TEXT PRIMARY KEY, entry BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS layouts (key TEXT PRIMARY KEY, checksum TEXT NOT NULL,
    code BLOB NOT NULL);
"""
# What code the rows were made by; rows of other code are dropped (see BuildState).
CODE_TABLES = ("pages", "units", "groups", "bodies", "images", "variants", "bibentries",
               "layouts")
DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
OPEN_WAIT = 60.0  # seconds a process waits for another that holds the file


class Database:
    """The state file, opened lazily in each process that uses it."""

    def __init__(self, path: Path, writable: bool = True):
        self.path = path
        self.writable = writable
        self.warnings: list[str] = []  # why the file was set aside, for the build to report
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._inherited: list[sqlite3.Connection] = []

    def connection(self) -> sqlite3.Connection | None:
        """This process's connection (None: the state cannot be used in this build)."""
        if self._pid != os.getpid():
            if self._db is not None:
                # A forked worker: the parent's connection is left alone, not even closed
                # (closing it could end the parent's locks or remove its journal).
                self._inherited.append(self._db)
            self._db, self._pid = self._open(), os.getpid()
        return self._db

    def select(self, query: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """The rows of a query; none when the state cannot be read."""
        db = self.connection()
        if db is None:
            return []
        try:
            return db.execute(query, args).fetchall()
        except sqlite3.Error as exc:
            self.failed(exc)
            return []

    def write(self, statement: str, rows: list[tuple[Any, ...]]) -> bool:
        """One statement for many rows, in a transaction of its own; False when it failed."""
        db = self.connection()
        if db is None or not self.writable:
            return False
        try:
            with transaction(db):
                db.executemany(statement, rows)
        except sqlite3.Error as exc:
            self.failed(exc)
            return False
        return True

    def failed(self, exc: sqlite3.Error) -> None:
        """A file that fails is not used again by this process; a damaged one is removed."""
        if getattr(exc, "sqlite_errorname", "") in DAMAGED:
            self.warnings.append(f"the build state was damaged ({exc}); it is made anew")
            self.discard()
        self._db = None

    def close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db, self._pid = None, 0

    def discard(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")

    def _open(self) -> sqlite3.Connection | None:
        if not self.writable and not self.path.exists():
            return None
        deadline, discarded = time.monotonic() + OPEN_WAIT, False
        while True:
            db = None
            try:
                return self._connect()
            except (sqlite3.Error, OSError) as exc:
                reason = getattr(exc, "sqlite_errorname", "")
                if reason in DAMAGED and not discarded and self.writable:
                    self.warnings.append("the build state is not a database; it is made anew")
                    self.discard()
                    discarded = True
                    continue
                if reason != "SQLITE_BUSY" or time.monotonic() > deadline:
                    if db is not None:
                        db.close()
                    return None
                time.sleep(0.01)

    def _connect(self) -> sqlite3.Connection:
        if not self.writable:  # `check`: reads what a build left, writes nothing
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=OPEN_WAIT,
                                 isolation_level=None, check_same_thread=False)
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                db.close()
                raise sqlite3.DatabaseError("another layout")
            return db
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=OPEN_WAIT, isolation_level=None,
                             check_same_thread=False)
        try:
            # WAL: workers write while others read. Kept in the file once set; setting it
            # does not wait for another process as statements do, hence the caller's loop.
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: no flush to disk per commit
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                db.close()
                self.warnings.append(f"the build state was written by another version of "
                                     f"coursesite (layout {version}); it is made anew")
                self.discard()
                return self._connect()
            if version == 0:
                db.executescript(SCHEMA)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            return db
        except BaseException:
            db.close()
            raise


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when anything fails."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
