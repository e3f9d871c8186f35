"""The build state: what the last good build read and wrote, in one SQLite file.

- `pages`: every page's header as loaded, with the file's size and mtime, so
  an unchanged page is neither read nor parsed again;
- `units`: every written page (a unit: one page in one group) with the key of
  everything its bytes were made from (see build/fresh.py, the one rule that
  decides what is rendered again);
- `files`: every file written into each group's output with its size, mtime
  and hash, as it was right after writing: the output is verified against it
  at every build, and coursesite deletes no file that is not listed here;
- `groups`: each group's summary (pages, images, what its pages ask of others);
- `bodies`, `images`, `variants`: converted bodies and what images are (see
  bodies.py and images/store.py);
- `bibentries`: the BibTeX entries last read, by their text (bibliography.py).
- `layouts`: the layouts' compiled code, by their source (layouts.py).

Rows made by other code (another version of coursesite, or of Markdown,
Pygments, Jinja2, Pillow, ...) are dropped when the state is opened, all but
`files`, which stays true whatever made it. Nothing is written until a build
has succeeded (`save`), except the files about to be written (`writing`),
which are listed first so that a build stopped half way leaves no file that
the state does not know, and facts about text that stay true whatever the
build does next (converted bodies, images, BibTeX entries, compiled layouts).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from coursesite.content.page import Page
from coursesite.state.bibliography import BibRows
from coursesite.state.bodies import Bodies
from coursesite.state.db import CODE_TABLES, Database, transaction
from coursesite.state.files import WrittenFiles
from coursesite.state.images import ImageRows
from coursesite.state.records import (
    UnitRecord,
    page_from_json,
    page_to_json,
)

if TYPE_CHECKING:
    from coursesite.render.layouts import LayoutStore

PageRow = tuple[str, int, int, str, bytes]  # loader key, size, mtime, digest, the page


class BuildState:
    """One build's view of the state file, for the output folder `root`."""

    def __init__(self, cache_dir: Path, root: Path, code: str, writable: bool = True):
        self.db = Database(cache_dir / "state.sqlite", writable)
        self.root = str(root)
        self.code = code
        self.bodies = Bodies(self.db)
        self.files = WrittenFiles(self.db, self.root)
        self.images = ImageRows(self.db)
        self.bibliography = BibRows(self.db)
        self._meta: dict[str, Any] = {}
        self._pages: dict[str, PageRow] | None = None
        self._new_pages: dict[str, PageRow] = {}
        self._gone_pages: list[str] = []
        self._units: dict[str, dict[str, UnitRecord]] = {}
        self._unit_changes: dict[str, dict[str, UnitRecord | None]] = {}
        self._summaries: dict[str, dict[str, Any]] = {}

    # -- opening ---------------------------------------------------------------

    def open(self) -> list[str]:
        """Read the state's small parts; returns warnings (a state set aside, and why)."""
        if self.db.writable:
            remove_legacy(self.db.path.parent)
        rows = self.db.select("SELECT key, value FROM meta")
        self._meta = {key: _loads(value) for key, value in rows}
        if self._meta.get("code") not in (None, self.code) and self.db.writable:
            self._drop_code_rows()
        elif self._meta.get("code") not in (None, self.code):
            self._meta = {}  # `check` writes nothing: it only stops trusting the rows
        for grp, summary in self.db.select("SELECT grp, summary FROM groups WHERE root = ?",
                                         (self.root,)):
            if self._meta.get("code") == self.code:
                self._summaries[grp] = _loads(summary)
        return list(self.db.warnings)

    def _drop_code_rows(self) -> None:
        db = self.db.connection()
        if db is None:
            return
        try:
            with transaction(db):
                for table in CODE_TABLES:
                    db.execute(f"DELETE FROM {table}")
                db.execute("DELETE FROM meta")
        except sqlite3.Error as exc:
            self.db.failed(exc)
        self._meta = {}

    def layout_code(self) -> LayoutStore:
        """The layouts' compiled code and references (layouts.py), for a build that
        renders."""
        from coursesite.state.layouts import LayoutCode  # Jinja2: not for a build with no work

        return LayoutCode(self.db)

    def meta(self, key: str) -> Any:
        """A value the last good build into this output folder left (None: none)."""
        return self._meta.get(f"{key}:{self.root}")

    # -- pages (the loader's PageCache) ------------------------------------------

    def cached_page(self, source: str, content_path: str, loader_key: str,
                    stat: tuple[int, int] | None) -> Page | None:
        """The page as loaded last time, if its file (`stat`: its size and mtime, as the
        build's scan found them) and the loader's settings are unchanged."""
        row = self._page_rows().get(content_path)
        if row is None or row[0] != loader_key or stat is None or (row[1], row[2]) != stat:
            return None
        try:
            return page_from_json(orjson.loads(row[4]), source)
        except (TypeError, ValueError):  # not as this version writes it: load again
            return None

    def remember_page(self, page: Page, loader_key: str, stat: tuple[int, int]) -> None:
        self._new_pages[page.content_path] = (loader_key, stat[0], stat[1], page.digest,
                                              orjson.dumps(page_to_json(page)))

    def page_digests(self) -> dict[str, str]:
        """Each page's digest (of its file's bytes) at the last good build into this folder."""
        return {path: row[3] for path, row in self._page_rows().items()}

    def _page_rows(self) -> dict[str, PageRow]:
        if self._pages is None:
            self._pages = {row[0]: row[1:] for row in self.db.select(
                "SELECT path, loader, size, mtime, digest, page FROM pages WHERE root = ?",
                (self.root,))}
        return self._pages

    # -- units and groups ----------------------------------------------------------

    def units_of(self, group: str) -> dict[str, UnitRecord]:
        """The group's records, by output path (read when first asked for)."""
        found = self._units.get(group)
        if found is None:
            found = {}
            if group in self._summaries:
                for output, record, links in self.db.select(
                        "SELECT output, record, links FROM units WHERE root = ? AND grp = ?",
                        (self.root, group)):
                    try:
                        found[output] = UnitRecord.of_row(orjson.loads(record), links)
                    except (TypeError, ValueError):
                        continue  # not as this version writes it: rendered again
            self._units[group] = found
        return found

    def update_units(self, group: str, fresh: dict[str, UnitRecord], live: set[str]) -> None:
        """Take in the group's new records and forget those of pages it no longer has."""
        records = self.units_of(group)
        changes = self._unit_changes.setdefault(group, {})
        for output in [output for output in records if output not in live]:
            del records[output]
            changes[output] = None
        records.update(fresh)
        changes.update(fresh)

    def summary(self, group: str) -> dict[str, Any] | None:
        """What the last good build said of the group: pages, images, asks, search."""
        return self._summaries.get(group)

    def set_summary(self, group: str, summary: dict[str, Any]) -> None:
        self._summaries[group] = summary

    # -- saving ----------------------------------------------------------------------

    def save(self, meta: dict[str, Any], pages: set[str]) -> None:
        """Keep what this build read and wrote, in one transaction; `pages`: the content
        paths of every page loaded (the rows of others are forgotten)."""
        self._gone_pages = [path for path in self._page_rows() if path not in pages]
        self.bodies.flush()
        db = self.db.connection()
        if db is None or not self.db.writable:
            return
        try:
            with transaction(db):
                self._save_rows(db, meta)
        except sqlite3.Error as exc:
            self.db.failed(exc)

    def _save_rows(self, db: sqlite3.Connection, meta: dict[str, Any]) -> None:
        db.executemany("DELETE FROM pages WHERE root = ? AND path = ?",
                       [(self.root, path) for path in self._gone_pages])
        db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(self.root, path, *row) for path, row in self._new_pages.items()])
        for group, changes in self._unit_changes.items():
            db.executemany("DELETE FROM units WHERE root = ? AND grp = ? AND output = ?",
                           [(self.root, group, out) for out, rec in changes.items() if not rec])
            # A generator: 10,000 records are never all in memory as JSON at once.
            db.executemany("INSERT OR REPLACE INTO units VALUES (?, ?, ?, ?, ?)",
                           ((self.root, group, out, orjson.dumps(rec.row()), rec.links)
                            for out, rec in changes.items() if rec))
        self.files.save_rows(db)
        db.executemany("INSERT OR REPLACE INTO groups VALUES (?, ?, ?)",
                       [(self.root, grp, orjson.dumps(s)) for grp, s in self._summaries.items()])
        values = {"code": self.code, **{f"{key}:{self.root}": value
                                        for key, value in meta.items()}}
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                       [(key, orjson.dumps(value)) for key, value in values.items()])
        self._new_pages, self._unit_changes = {}, {}

    def close(self) -> None:
        self.bodies.flush()
        self.db.close()

# The caches of versions before the one state file (0.1.0 and its sessions), by name.
LEGACY = ("build.json", "build.delta.json", "last-build.json", "serve.json",
          "serve.delta.json", "last-serve.json", "bodies.sqlite", "bodies.sqlite-wal",
          "bodies.sqlite-shm", "images/manifest.json")


def remove_legacy(cache_dir: Path) -> None:
    """Remove what earlier versions kept in the cache folder (their files, by name only)."""
    for name in LEGACY:
        (cache_dir / name).unlink(missing_ok=True)
    for path in [*cache_dir.glob("build.units.*.json"), *cache_dir.glob("serve.units.*.json")]:
        path.unlink(missing_ok=True)
    if (cache_dir / "bodies").is_dir():
        shutil.rmtree(cache_dir / "bodies", ignore_errors=True)


def _loads(value: bytes) -> Any:
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
