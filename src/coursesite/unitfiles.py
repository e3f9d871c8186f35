"""The build cache's records of written pages: one file per group, read only when needed.

A unit is one page in one group. Its record (see `UnitRecord`) says what the
page's bytes were made from and what the rest of the build needs of it, so
that a later build can keep the file instead of rendering it again.

Each group's records live in a file of their own beside the cache
(`build.units.<group>.json`), which the cache names by a hash of its bytes: a
build reads the files of the groups it renders and no other (after a one-page
edit, most groups are kept whole, unread), and a file that does not match its
hash (damaged, or left from a build that stopped half way) is not trusted.
Beside each hash, the cache keeps what the group's pages ask of other pages'
bodies (`asks`), which is how a build knows that a group is untouched by a
body edit without reading its records.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import orjson

from coursesite.errors import Problems


@dataclass
class UnitRecord:
    """What the cache keeps of one written page (stored as a list of these fields)."""

    key: str
    digest: str  # sha256 of the bytes written
    size: int
    ids: list[str]  # the page's anchors
    anchored: list[list[Any]]  # its links to fragments: [value, output target, line]
    links: str  # all its links to files of the site, as JSON text: read when needed
    plan: list[list[Any]]  # [output, source, variant fields or None]
    uses: list[list[Any]]  # [image, page path, line]
    deps: list[list[str]]


FIELDS = [f.name for f in fields(UnitRecord)]
PLAN, DEPS = FIELDS.index("plan"), FIELDS.index("deps")


def pack(records: dict[str, UnitRecord]) -> bytes:
    """Records as JSON, each distinct image plan and list of dependencies written once.

    Thousands of pages show the same pictures and ask the same questions;
    sharing those lists makes the file smaller and quicker to read, and lets
    the build take in a kept page's plan once for all the pages that have it.
    """
    pool: list[Any] = []
    index: dict[bytes, int] = {}
    known: dict[int, int] = {}  # id of a list that records read from a file share -> entry

    def ref(value: list[Any]) -> int:
        found = known.get(id(value))
        if found is None:
            key = orjson.dumps(value)
            found = index.get(key)
            if found is None:
                found = index[key] = len(pool)
                pool.append(value)
            known[id(value)] = found
        return found

    rows = {}
    for name, record in sorted(records.items()):
        row = [getattr(record, name) for name in FIELDS]
        row[PLAN], row[DEPS] = ref(record.plan), ref(record.deps)
        rows[name] = row
    return orjson.dumps({"pool": pool, "records": rows})


def unpack(data: bytes) -> dict[str, UnitRecord]:
    parsed = orjson.loads(data)
    pool = parsed["pool"]
    records = {}
    for name, row in parsed["records"].items():
        row[PLAN], row[DEPS] = pool[row[PLAN]], pool[row[DEPS]]
        records[name] = UnitRecord(*row)
    return records


def asks_of(records: dict[str, UnitRecord]) -> dict[str, Any]:
    """What the group's pages show of other pages' bodies: whether any lists bodies
    (`pages` in its body), and the pages their links point to (for their anchors)."""
    lists = False
    linked: set[str] = set()
    seen: set[int] = set()
    for record in records.values():
        if id(record.deps) in seen:  # records share their lists of dependencies
            continue
        seen.add(id(record.deps))
        for dep in record.deps:
            lists = lists or dep[0] == "pages"
            if dep[0] == "page":
                linked.add(dep[1])
    return {"lists": lists, "pages": sorted(linked)}


@contextmanager
def out_of_collectors_sight() -> Iterator[None]:
    """Make long-lived objects with Python's cycle collector paused, then set them aside
    from it (gc.freeze), so that it does not walk them again and again for the rest of
    the build. See build.loading(), which also unfreezes them when the next build starts.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def checked_index(index: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The index as read from the cache, with each entry's shape checked (TypeError,
    KeyError or AttributeError otherwise)."""
    return {str(group): {"digest": str(entry["digest"]),
                         "asks": {"lists": bool(entry["asks"]["lists"]),
                                  "pages": [str(p) for p in entry["asks"]["pages"]]}}
            for group, entry in index.items()}


class UnitFiles:
    """Every group's records, each group's read from its file when first asked for.

    `index`: group -> {"digest": sha256 of its file, "asks": asks_of(its records)},
    as the cache holds it. `problems` receives a warning for a file not trusted.
    """

    def __init__(self, cache_path: Path, index: dict[str, dict[str, Any]],
                 problems: Problems | None = None):
        self.cache_path = cache_path
        self.index = index
        self.problems = problems
        self.loaded: dict[str, dict[str, UnitRecord]] = {}
        self.dirty: set[str] = set()

    def path(self, group: str) -> Path:
        return self.cache_path.with_name(f"{self.cache_path.stem}.units.{group}.json")

    def of(self, group: str) -> dict[str, UnitRecord]:
        """The group's records, by output path (empty when there are none to trust)."""
        found = self.loaded.get(group)
        if found is None:
            found = self.loaded[group] = self._read(group)
        return found

    def _read(self, group: str) -> dict[str, UnitRecord]:
        entry = self.index.get(group)
        if entry is None:
            return {}
        path = self.path(group)
        try:
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != entry["digest"]:
                raise ValueError("it is not the file the build cache names")
            with out_of_collectors_sight():
                return unpack(data)
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            if self.problems is not None:
                self.problems.warning(str(path), None, f"ignoring the records of '{group}': "
                                      f"{exc if isinstance(exc, OSError | ValueError) else ''}"
                                      .rstrip(": "), "its pages are rendered again")
            self.index.pop(group, None)
            return {}

    def update(self, group: str, fresh: dict[str, UnitRecord], live: set[str]) -> bool:
        """Take in the group's new records and forget those of pages it no longer has;
        whether anything changed."""
        records = self.of(group)
        gone = [output for output in records if output not in live]
        for output in gone:
            del records[output]
        records.update(fresh)
        if fresh or gone or group not in self.index:
            self.dirty.add(group)
        return group in self.dirty

    def save(self) -> None:
        """Write the files of the groups that changed, and name them in the index."""
        from coursesite.incremental import write_atomically  # which imports this module

        for group in sorted(self.dirty):
            records = self.loaded[group]
            data = pack(records)
            write_atomically(self.path(group), data)
            self.index[group] = {"digest": hashlib.sha256(data).hexdigest(),
                                 "asks": asks_of(records)}
        self.dirty.clear()

    def remove_others(self) -> None:
        """Delete the files of groups the index no longer names."""
        prefix = f"{self.cache_path.stem}.units."
        for path in self.cache_path.parent.glob(f"{prefix}*.json"):
            if path.name[len(prefix):-len(".json")] not in self.index:
                path.unlink(missing_ok=True)
