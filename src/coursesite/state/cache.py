"""The build cache: what the last build read and wrote, so the next one redoes only what changed.

Two things are remembered, both checked before use:

- in `.cache/build.json`, every page's header as loaded, keyed by the file's
  size and mtime, so an unchanged page is neither read nor parsed;
- in a file per group (see unitfiles.py), every written page (a "unit": one
  page in one group) with a key: a hash of everything its bytes were made
  from — the page's source, the group's settings, the layouts it used, the
  pages its navigation and listings show, and the answers to every question
  it asked while rendering (which page a link points to, what an image is).
  When the key is the same, the file of the previous output is kept as it is.

The cache is JSON (read and written by orjson), never pickle: a cache copied
from elsewhere must not be able to run code. One that cannot be read, or was
written by another version, is ignored with a warning.

Writing 10 MB of pages after a one-page edit would cost more than the edit, so
a build that changed a few pages writes only those, to `build.delta.json`
beside it; loading applies them. The delta names the full file it applies to
(its stamp), and the next build that changes many pages folds it back in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from coursesite import __version__
from coursesite.content import Page
from coursesite.digest import digest_of
from coursesite.errors import Problems
from coursesite.fsutil import Stats
from coursesite.state.files import apply_changes, changes, write_json
from coursesite.state.units import UnitFiles, checked_index

CACHE_VERSION = 7
DELTA_LIMIT = 500  # changed pages kept in the delta; beyond, the whole cache is written


@dataclass
class BuildCache:
    path: Path
    output_dir: str
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: UnitFiles = field(init=False)  # every group's records, in files of their own
    groups: dict[str, str] = field(default_factory=dict)  # group -> fingerprint of its output
    wanted: dict[str, str] = field(default_factory=dict)  # group -> digest of its file list
    outline: str = ""  # everything but the pages' bodies, at the last good build
    changed: bool = False  # anything to save
    stamp: str = ""  # names the full file, for its delta
    previous_digests: dict[str, str] = field(default_factory=dict)  # page -> digest last time
    # The pages as the full file holds them: what differs goes to the delta.
    base_pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    unit_index: dict[str, dict[str, Any]] = field(default_factory=dict)  # see UnitFiles
    unit_changes: dict[str, Any] = field(default_factory=dict)  # the delta's, by group
    problems: Problems | None = None

    def __post_init__(self) -> None:
        self.previous_digests = {path: entry["page"][DIGEST]
                                 for path, entry in self.pages.items()}
        self.units = UnitFiles(self.path, self.unit_index, self.unit_changes, self.problems)

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
            pages = dict(data["pages"])
            base_pages = dict(pages)
            groups, wanted, outline = dict(data["groups"]), dict(data["wanted"]), data["outline"]
            index, unit_changes = data["units"], {}
            delta = read_delta(fresh.delta_path, data["stamp"])
            if delta is not None:
                apply_changes(pages, delta["pages"], dict)
                groups, wanted, outline = delta["groups"], delta["wanted"], delta["outline"]
                index, unit_changes = delta["units"], dict(delta["unit_changes"])
            return cls(path, str(output_dir), pages, dict(groups), dict(wanted), str(outline),
                       stamp=data["stamp"], base_pages=base_pages,
                       unit_index=checked_index(index), unit_changes=unit_changes,
                       problems=problems)
        except (OSError, ValueError, orjson.JSONDecodeError) as exc:
            reason = str(exc)
        except (TypeError, KeyError, IndexError, AttributeError):
            reason = "it is not laid out as this version of coursesite writes it"
        problems.warning(str(path), None, f"ignoring the build cache: {reason}",
                         "it is rebuilt from scratch; delete the folder to silence this")
        return fresh

    def save(self) -> None:
        """Write what changed: after a small build only the changed pages and records (the
        delta), else the whole file and the files of the groups whose records changed."""
        if not self.changed and self.path.exists():
            return
        pages = changes(self.base_pages, self.pages)
        small = bool(self.stamp) and self.path.exists() and len(pages) <= DELTA_LIMIT
        unit_changes = self.units.save(room=DELTA_LIMIT - len(pages) if small else 0)
        if small:
            write_json(self.delta_path, {
                "stamp": self.stamp, "pages": pages, "units": self.units.index,
                "unit_changes": unit_changes,
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
            "units": self.units.index,
            "groups": self.groups,
            "wanted": self.wanted,
            "outline": self.outline,
        })
        self.delta_path.unlink(missing_ok=True)  # folded in
        self.units.remove_others()
        self.base_pages = dict(self.pages)

    # -- pages ----------------------------------------------------------------

    def cached_page(self, source: str, content_path: str, loader_key: str,
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
        stat = os.stat(page.source)
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


PAGE_FIELDS = [f.name for f in fields(Page)][1:]  # all but the source, in their order
DATE, BODY, DIGEST = (PAGE_FIELDS.index(name) for name in ("date", "body_text", "digest"))


def page_to_json(page: Page) -> list[Any]:
    """The page's fields in their order (a list: restoring 10,000 pages from dicts of
    keyword arguments would cost twice as much)."""
    data = [getattr(page, name) for name in PAGE_FIELDS]
    data[DATE] = page.date.isoformat() if page.date else None
    # Only a body that differs from the file's text is kept; others are read when needed.
    data[BODY] = page.body_text if page.title_from_heading else None
    return data


def page_from_json(data: list[Any], source: str) -> Page:
    page = Page(source, *data)
    page.groups = tuple(page.groups)
    if page.date is not None:
        page.date = datetime.fromisoformat(page.date)  # type: ignore[arg-type]
    return page





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
