"""The rows of the build state: how a page, a written unit and a written file are kept."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple

from coursesite.content.page import Page


@dataclass
class UnitRecord:
    """What the state keeps of one written page (stored as a list of these fields)."""

    key: str  # a hash of everything its bytes were made from (render/unitkey.py)
    digest: str  # sha256 of the bytes written
    size: int
    ids: list[str]  # the page's anchors
    anchored: list[list[Any]]  # its links to fragments: [value, output target, line]
    # All its links to files of the site, as JSON: read when needed. A column of its
    # own, not text inside the record: a third of the time to read 3,800 records went to
    # taking these apart from the record's JSON.
    links: bytes
    plan: list[list[Any]]  # [output, source, variant fields or None]
    uses: list[list[Any]]  # [image, page path, line]
    deps: list[list[str]]  # the questions it asked while rendering

    def row(self) -> list[Any]:
        """Every field but `links`, which is kept beside the others."""
        return [getattr(self, name) for name in UNIT_FIELDS]

    @classmethod
    def of_row(cls, row: list[Any], links: bytes) -> UnitRecord:
        key, digest, size, ids, anchored, plan, uses, deps = row
        return cls(key, digest, size, ids, anchored, links, plan, uses, deps)


UNIT_FIELDS = [f.name for f in fields(UnitRecord) if f.name != "links"]


class FileRecord(NamedTuple):
    """A file the build wrote into a group's output, as it was right after writing."""

    size: int  # -1: being written (the build that wrote it may have been stopped)
    mtime: int  # in ns
    sha: str  # sha256 of the bytes

    def matches(self, size: int, mtime: int) -> bool:
        """Whether the file on disk is still the one written (a hand edit changes its mtime)."""
        return self.size == size and self.mtime == mtime


PAGE_FIELDS = [f.name for f in fields(Page)][1:]  # all but the source, in their order
DATE, BODY = PAGE_FIELDS.index("date"), PAGE_FIELDS.index("body_text")


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
