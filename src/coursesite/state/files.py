"""The files written into each group's output, as they were right after writing.

The output is verified against these rows at every build (build/output.py),
and coursesite deletes no file that is not listed here. The files about to
be written are listed before any is (`writing`, committed at once), so that a
build stopped half way leaves no file that the state does not know.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from coursesite.state.db import Database
from coursesite.state.records import FileRecord


class WrittenFiles:
    """The `files` rows of one output folder (`root`), by group."""

    def __init__(self, db: Database, root: str):
        self.db = db
        self.root = root
        self._files: dict[str, dict[str, FileRecord]] = {}
        self._changes: dict[str, dict[str, FileRecord | None]] = {}

    def of(self, group: str) -> dict[str, FileRecord]:
        """Every file the state says coursesite wrote into the group's output."""
        found = self._files.get(group)
        if found is None:
            found = self._files[group] = {
                rel: FileRecord(size, mtime, sha) for rel, size, mtime, sha in self.db.select(
                    "SELECT rel, size, mtime, sha FROM files WHERE root = ? AND grp = ?",
                    (self.root, group))}
        return found

    def stats(self, group: str) -> list[tuple[str, int, int]]:
        """Each file the state says coursesite wrote into the group's output, with its size
        and mtime as written: all a survey of the folder needs. Taken from the rows
        when they are read already; else no record is made of each (in the survey's
        fork, which has no use for them, that was a third of its time)."""
        found = self._files.get(group)
        if found is not None:
            return [(rel, record.size, record.mtime) for rel, record in found.items()]
        return self.db.select("SELECT rel, size, mtime FROM files WHERE root = ? AND grp = ?",
                              (self.root, group))

    def writing(self, group: str, shas: dict[str, str]) -> bool:
        """List the files about to be written, before any is (False: the state cannot be
        written, and so no file may be)."""
        rows = [(self.root, group, rel, sha) for rel, sha in shas.items()]
        if not self.db.write("INSERT OR REPLACE INTO files VALUES (?, ?, ?, -1, -1, ?)", rows):
            return False
        self.of(group).update((rel, FileRecord(-1, -1, sha)) for rel, sha in shas.items())
        return True

    def wrote(self, group: str, written: dict[str, FileRecord], removed: Iterable[str]) -> None:
        """What writing the group did: kept by the build's `save`."""
        files = self.of(group)
        changes = self._changes.setdefault(group, {})
        files.update(written)
        changes.update(written)
        for rel in removed:
            files.pop(rel, None)
            changes[rel] = None

    def save_rows(self, db: sqlite3.Connection) -> None:
        """Part of the build's one transaction (BuildState.save)."""
        for group, changes in self._changes.items():
            db.executemany("DELETE FROM files WHERE root = ? AND grp = ? AND rel = ?",
                           [(self.root, group, rel) for rel, f in changes.items() if not f])
            db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                           [(self.root, group, rel, *f) for rel, f in changes.items() if f])
        self._changes = {}
