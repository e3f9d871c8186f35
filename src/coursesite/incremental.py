"""The build cache: what the last build read and wrote, so the next one redoes only what changed.

Two things are remembered in `.cache/build.json`, both checked before use:

- every page's header as loaded, keyed by the file's size and mtime, so an
  unchanged page is neither read nor parsed;
- every written page (a "unit": one page in one group) with a key: a hash of
  everything its bytes were made from — the page's source, the group's
  settings, the layouts it used, the pages its navigation and listings show,
  and the answers to every question it asked while rendering (which page a
  link points to, what an image is). When the key is the same, the file of the
  previous output is kept as it is.

The cache is JSON (read and written by orjson), never pickle: a cache copied
from elsewhere must not be able to run code. One that cannot be read, or was
written by another version, is ignored with a warning.

Writing 40 MB of JSON after a one-page edit would cost more than the edit, so
a build that changed a few entries writes only those, to `build.delta.json`
beside it; loading applies them. The delta names the full file it applies to
(its stamp), and the next build that changes many entries folds it back in.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from coursesite import __version__
from coursesite.errors import Problems
from coursesite.structure import Page

CACHE_VERSION = 6
DELTA_LIMIT = 500  # changed entries kept in the delta; beyond, the whole cache is written


@dataclass
class UnitRecord:
    """What the cache keeps of one written page."""

    key: str
    digest: str  # sha256 of the bytes written
    size: int
    ids: list[str]  # the page's anchors
    anchored: list[list[Any]]  # its links to fragments: [value, output target, line]
    links: str  # all its links to files of the site, as JSON text: read when needed
    plan: list[list[Any]]  # [output, source, variant fields or None]
    uses: list[list[Any]]  # [image, page path, line]
    deps: list[list[str]]


def pack_units(units: dict[str, UnitRecord | None]) -> dict[str, Any]:
    """Records as JSON, each distinct image plan and list of dependencies written once.

    Thousands of pages show the same pictures and ask the same questions;
    sharing those lists makes the file smaller and quicker to read, and lets
    the build take in a kept page's plan once for all the pages that have it.
    """
    pool: list[Any] = []
    index: dict[bytes, int] = {}

    def ref(value: object) -> int:
        key = orjson.dumps(value)
        found = index.get(key)
        if found is None:
            found = index[key] = len(pool)
            pool.append(value)
        return found

    records: dict[str, Any] = {}
    for name, record in units.items():
        if record is not None:
            records[name] = {**record.__dict__, "plan": ref(record.plan),
                             "deps": ref(record.deps)}
        else:
            records[name] = None
    return {"pool": pool, "records": records}


def unpack_units(data: dict[str, Any]) -> dict[str, UnitRecord | None]:
    pool = data["pool"]
    units: dict[str, UnitRecord | None] = {}
    for name, record in data["records"].items():
        if record is None:
            units[name] = None
            continue
        plan, deps = record.pop("plan"), record.pop("deps")
        units[name] = UnitRecord(**record, plan=pool[plan], deps=pool[deps])
    return units


@dataclass
class BuildCache:
    path: Path
    output_dir: str
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: dict[str, UnitRecord] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)  # group -> fingerprint of its output
    wanted: dict[str, str] = field(default_factory=dict)  # group -> digest of its file list
    outline: str = ""  # everything but the pages' bodies, at the last good build
    changed: bool = False  # anything to save
    stamp: str = ""  # names the full file, for its delta
    previous_digests: dict[str, str] = field(default_factory=dict)  # page -> digest last time
    # The entries as the full file holds them: what differs goes to the delta.
    base_pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    base_units: dict[str, UnitRecord] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.previous_digests = {path: entry["page"]["digest"]
                                 for path, entry in self.pages.items()}

    @property
    def delta_path(self) -> Path:
        return self.path.with_name(self.path.stem + ".delta.json")

    def bodies_changed(self, pages: list[Page], outline: str) -> set[str] | None:
        """The pages whose bodies alone changed, or None when anything else did too."""
        if outline != self.outline:
            return None
        return {p.content_path for p in pages
                if self.previous_digests.get(p.content_path) != p.digest}

    @classmethod
    def load(cls, path: Path, output_dir: Path, problems: Problems) -> BuildCache:
        fresh = cls(path, str(output_dir))
        if not path.exists():
            return fresh
        try:
            data = orjson.loads(path.read_bytes())
            if data.get("version") != CACHE_VERSION or data.get("tool") != __version__:
                raise ValueError("written by another version of coursesite")
            if data.get("output") != str(output_dir):
                return fresh  # built into another folder: its files are not ours to keep
            units = {name: record for name, record in unpack_units(data["units"]).items()
                     if record is not None}
            pages = dict(data["pages"])
            base_pages, base_units = dict(pages), dict(units)
            groups, wanted, outline = dict(data["groups"]), dict(data["wanted"]), data["outline"]
            delta = read_delta(fresh.delta_path, data["stamp"])
            if delta is not None:
                apply_changes(pages, delta["pages"], dict)
                apply_changes(units, unpack_units(delta["units"]), lambda record: record)
                groups, wanted, outline = delta["groups"], delta["wanted"], delta["outline"]
            return cls(path, str(output_dir), pages, units, dict(groups), dict(wanted),
                       str(outline), stamp=data["stamp"], base_pages=base_pages,
                       base_units=base_units)
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError,
                orjson.JSONDecodeError) as exc:
            problems.warning(str(path), None, f"ignoring the build cache: {exc}",
                             "it is rebuilt from scratch; delete the folder to silence this")
            return fresh

    def save(self) -> None:
        if not self.changed and self.path.exists():
            return
        pages = changes(self.base_pages, self.pages)
        units = changes(self.base_units, self.units)
        if self.stamp and self.path.exists() and len(pages) + len(units) <= DELTA_LIMIT:
            write_json(self.delta_path, {
                "stamp": self.stamp,
                "pages": pages,
                "units": pack_units(units),
                "groups": self.groups, "wanted": self.wanted, "outline": self.outline,
            })
            return
        self.stamp = os.urandom(8).hex()
        write_json(self.path, {
            "version": CACHE_VERSION,
            "tool": __version__,
            "output": self.output_dir,
            "stamp": self.stamp,
            "pages": self.pages,
            "units": pack_units(dict(sorted(self.units.items()))),
            "groups": self.groups,
            "wanted": self.wanted,
            "outline": self.outline,
        })
        self.delta_path.unlink(missing_ok=True)  # folded in
        self.base_pages, self.base_units = dict(self.pages), dict(self.units)

    # -- pages ----------------------------------------------------------------

    def cached_page(self, source: Path, content_path: str, loader_key: str,
                    stat: tuple[int, int] | None) -> Page | None:
        """The page as loaded last time, if its file (`stat`: its size and mtime, as the
        build's scan found them) and the loader's settings are unchanged."""
        entry = self.pages.get(content_path)
        if entry is None or entry["loader"] != loader_key or stat is None:
            return None
        try:
            size, mtime = entry["stat"]
            if stat != (size, mtime):
                return None
            return page_from_json(entry["page"], source)
        except (KeyError, TypeError, ValueError):  # not as this version writes it: load again
            return None

    def remember_page(self, page: Page, loader_key: str) -> None:
        stat = page.source.stat()
        self.changed = True
        self.pages[page.content_path] = {
            "loader": loader_key,
            "stat": [stat.st_size, stat.st_mtime_ns],
            "page": page_to_json(page),
        }


def read_delta(path: Path, stamp: str) -> dict[str, Any] | None:
    """The changes since the full file with this stamp, or None when there are none.

    A delta of another stamp is left over from before the full file was last
    written (which folded it in): it is ignored. One that cannot be read makes
    the whole cache untrustworthy, which the caller reports.
    """
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} is not a build cache delta")
    return data if data.get("stamp") == stamp else None


def changes(base: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """The entries of `now` that are not those of `base` (None for the removed ones)."""
    changed: dict[str, Any] = {key: value for key, value in now.items()
                               if base.get(key) is not value}
    changed.update((key, None) for key in base if key not in now)
    return changed


def apply_changes(entries: dict[str, Any], changed: dict[str, Any],
                  make: Callable[[Any], Any]) -> None:
    for key, value in changed.items():
        if value is None:
            entries.pop(key, None)
        else:
            entries[key] = make(value)


def write_json(path: Path, data: object) -> None:
    write_atomically(path, orjson.dumps(data))


def write_atomically(path: Path, data: bytes) -> None:
    """A reader (or another process) sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)


PAGE_FIELDS = ("path", "content_path", "title", "body_line", "description", "groups",
               "picture", "order", "template", "slug", "category", "status", "redirect",
               "meta", "lines", "url", "output", "is_section", "folder", "digest",
               "title_from_heading", "outline")


def page_to_json(page: Page) -> dict[str, Any]:
    data = {name: getattr(page, name) for name in PAGE_FIELDS}
    data["date"] = page.date.isoformat() if page.date else None
    # Only a body that differs from the file's text is kept; others are read when needed.
    data["body_text"] = page.body_text if page.title_from_heading else None
    return data


def page_from_json(data: dict[str, Any], source: Path) -> Page:
    values = {name: data[name] for name in PAGE_FIELDS}
    values["groups"] = tuple(values["groups"])
    date = datetime.fromisoformat(data["date"]) if data["date"] else None
    return Page(source=source, body_text=data["body_text"], date=date, **values)


def page_outline(page: Page) -> tuple[object, ...]:
    """Everything of a page that other pages can show: all but its body."""
    return (page.content_path, page.title, page.description, page.groups, page.picture,
            page.date, page.order, page.template, page.slug, page.category, page.status,
            page.redirect, page.url, page.broken, sorted(page.meta.items()))


def digest_of(*parts: object) -> str:
    """A stable hash of parts made of strings, numbers, None, tuples, lists and dicts.

    repr() of such values is the same from run to run (dicts keep their order of
    insertion, which the build keeps fixed), and several times faster than JSON.
    """
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


Stats = dict[str, tuple[int, int]]  # file path -> (size, mtime in ns)


def scan(folders: list[Path], files: Sequence[Path] = ()) -> Stats:
    """Every file below these folders, and these files, with its size and mtime.

    A stat per file, no reading: this is what lets a rebuild of an unchanged
    tree of 10,000 pages finish in well under a second. The loader takes the
    pages' stats from here rather than asking again.
    """
    found: Stats = {}
    for folder in folders:
        for root, dirs, names in os.walk(folder):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                found[path] = (stat.st_size, stat.st_mtime_ns)
    for file in files:
        try:
            stat = file.stat()
            found[str(file)] = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            found[str(file)] = (-1, -1)
    return found


def inputs_fingerprint(scanned: Stats, settings: object) -> str:
    """Every input file's path, size and mtime: when equal to the last build's, nothing changed."""
    return digest_of(__version__, CACHE_VERSION, settings, list(scanned.items()))


@dataclass
class LastBuild:
    """A small file beside the cache: the inputs of the last good build, and its summary."""

    path: Path

    def read(self) -> dict[str, Any]:
        try:
            data = orjson.loads(self.path.read_bytes())
            return data if isinstance(data, dict) else {}
        except (OSError, orjson.JSONDecodeError):
            return {}

    def write(self, inputs: str, summaries: dict[str, list[int]]) -> None:
        write_json(self.path, {"inputs": inputs, "groups": summaries})

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)
