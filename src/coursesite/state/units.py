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
body edit without reading its records. A build that changed a few records
puts them in the cache's delta instead of rewriting their group's file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import orjson

from coursesite.errors import Problems
from coursesite.fsutil import write_atomically
from coursesite.parallel import out_of_collectors_sight
from coursesite.state.files import apply_changes, changes


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


def packed(records: dict[str, UnitRecord | None]) -> dict[str, Any]:
    """Records as JSON, each distinct image plan and list of dependencies written once
    (None: a record removed, in a delta).

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

    rows: dict[str, list[Any] | None] = {}
    for name, record in sorted(records.items()):
        if record is None:
            rows[name] = None
            continue
        row = [getattr(record, name) for name in FIELDS]
        row[PLAN], row[DEPS] = ref(record.plan), ref(record.deps)
        rows[name] = row
    return {"pool": pool, "records": rows}


def unpacked(data: dict[str, Any]) -> dict[str, UnitRecord | None]:
    pool = data["pool"]
    records: dict[str, UnitRecord | None] = {}
    for name, row in data["records"].items():
        if row is None:
            records[name] = None
            continue
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
    as the cache holds it. A build that changed a few records keeps them in the
    cache's delta rather than rewriting their group's file: `pending` holds
    those of the last delta, by group, applied when the group is read.
    `problems` receives a warning for a file not trusted.
    """

    def __init__(self, cache_path: Path, index: dict[str, dict[str, Any]],
                 pending: dict[str, Any] | None = None, problems: Problems | None = None):
        self.cache_path = cache_path
        self.index = index
        self.pending: dict[str, Any] = dict(pending or {})
        self.problems = problems
        self.base: dict[str, dict[str, UnitRecord]] = {}  # as each group's file holds them
        self.loaded: dict[str, dict[str, UnitRecord]] = {}

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
        pending = self.pending.pop(group, None)
        if entry is None:
            return {}
        path = self.path(group)
        try:
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != entry["digest"]:
                raise ValueError("it is not the file the build cache names")
            with out_of_collectors_sight():
                base = {name: record for name, record in unpacked(orjson.loads(data)).items()
                        if record is not None}
                records = dict(base)
                if pending:
                    apply_changes(records, unpacked(pending), lambda record: record)
        except (OSError, ValueError) as exc:
            self._distrust(group, path, str(exc))
            return {}
        except (TypeError, KeyError, IndexError, AttributeError):
            self._distrust(group, path, "it is not laid out as this version writes it")
            return {}
        self.base[group] = base
        return records

    def _distrust(self, group: str, path: Path, reason: str) -> None:
        if self.problems is not None:
            self.problems.warning(str(path), None, f"ignoring the records of '{group}': {reason}",
                                  "its pages are rendered again")
        self.index.pop(group, None)

    def update(self, group: str, fresh: dict[str, UnitRecord], live: set[str]) -> bool:
        """Take in the group's new records and forget those of pages it no longer has;
        whether anything changed."""
        records = self.of(group)
        gone = [output for output in records if output not in live]
        for output in gone:
            del records[output]
        records.update(fresh)
        return bool(fresh or gone)

    def save(self, room: int) -> dict[str, Any]:
        """Write what changed; returns the changes to keep in the cache's delta, by group.

        While they fit in `room` entries, changed records go to the delta and their
        group's file stays as it is (rewriting 5 MB for one page would cost more
        than the page); otherwise every group with changes has its file rewritten.
        """
        changed = {group: changes(self.base.get(group, {}), records)
                   for group, records in self.loaded.items()}
        changed = {group: found for group, found in changed.items() if found}
        waiting = sum(len(found) for found in changed.values()) + sum(
            len(found["records"]) for found in self.pending.values())
        if waiting <= room and all(group in self.index for group in changed):
            for group in changed:
                self.index[group]["asks"] = asks_of(self.loaded[group])
            return {**self.pending, **{group: packed(found) for group, found in changed.items()}}
        for group in list(self.pending):
            changed[group] = {}
            self.of(group)  # read, with its changes applied: its file is written anew
        for group in sorted(changed):
            records = self.loaded[group]
            data = orjson.dumps(packed(dict(records)))
            write_atomically(self.path(group), data)
            self.index[group] = {"digest": hashlib.sha256(data).hexdigest(),
                                 "asks": asks_of(records)}
            self.base[group] = dict(records)
        return {}

    def remove_others(self) -> None:
        """Delete the files of groups the index no longer names."""
        prefix = f"{self.cache_path.stem}.units."
        for path in self.cache_path.parent.glob(f"{prefix}*.json"):
            if path.name[len(prefix):-len(".json")] not in self.index:
                path.unlink(missing_ok=True)
