"""Publications (SPEC §8): a page per BibTeX entry a group lists, at publications/<key>/.

A group lists an entry when one of its pages names the key in `bibkeys:`, when
one of its members (`people-single` pages) is among the entry's authors, or when
the entry's `optnote`/`groups` field names the group (the real tree's
`optnote = {DIAG, RADIOLOGY}`). The entries themselves are read by
bibliography.py; this module decides which groups have which, and makes their
pages: one Page per entry, shared by the groups that list it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from coursesite.config.site import SiteConfig
from coursesite.content.bibliography import BibEntry, Bibliography, groups_named
from coursesite.content.meta import fold, items_of, layout_name
from coursesite.content.page import Page
from coursesite.content.sources import excluded, root_of
from coursesite.digest import digest_of
from coursesite.errors import Problems

FOLDER = "publications"


def bib_files(config: SiteConfig, paths: Iterable[str]) -> list[str]:
    """The .bib files among the build's scanned files, in content folders, not excluded."""
    found = []
    for path in sorted(paths):
        if not path.endswith(".bib"):
            continue
        root = root_of(config, path)
        if root is not None and not excluded(
                path[len(root.folder) + 1:].replace(os.sep, "/"), config.exclude):
            found.append(path)
    return found


class MemberIndex:
    """Which entries have a member among their authors, looked up by last name."""

    def __init__(self, bibliography: Bibliography):
        self.by_last: dict[str, list[BibEntry]] = {}
        folded: dict[str, str] = {}  # the same names recur in entry after entry
        for entry in bibliography.entries.values():
            for person in entry.authors:
                last = folded.get(person.last)
                if last is None:
                    last = folded[person.last] = fold(person.last).rpartition(" ")[2]
                entries = self.by_last.setdefault(last, [])
                if not entries or entries[-1] is not entry:
                    entries.append(entry)

    def authored_by(self, name: str) -> list[BibEntry]:
        last = fold(name).rpartition(" ")[2]
        return [e for e in self.by_last.get(last, ()) if any(a.matches(name) for a in e.authors)]


def named_keys(page: Page) -> list[str]:
    return items_of(page, "bibkeys")


def check_bibkeys(pages: list[Page], bibliography: Bibliography, problems: Problems) -> None:
    """Every `bibkeys:` key names an entry: else a warning at the page's line. Not an
    error: the real tree lists keys of entries its .bib files do not have (its plugin
    read them from a JSON file of its own, and passed over the missing ones)."""
    for page in pages:
        for key in named_keys(page):
            if bibliography.get(key) is None:
                problems.warning(page.path, page.line_of("bibkeys"),
                                 f"bibkeys: no BibTeX entry has the key '{key}'; "
                                 "the page lists the others",
                                 "check the key against your .bib files (keys ignore case)")


def listed_by(config: SiteConfig, pages: list[Page], bibliography: Bibliography
              ) -> dict[str, set[str]]:
    """Each entry's key (lowercase) -> the groups that list it."""
    if not bibliography.entries:
        return {}
    index = MemberIndex(bibliography)
    found: dict[str, set[str]] = {}
    for page in pages:
        if page.broken or page.status != "published":
            continue
        keys = [k.lower() for k in named_keys(page) if bibliography.get(k)]
        if layout_name(page) == "people-single":
            keys += [e.key.lower() for e in index.authored_by(page.link_text)]
        for key in keys:
            found.setdefault(key, set()).update(page.groups)
    names = set(config.groups)
    for key, entry in bibliography.entries.items():
        named = groups_named(entry) & names
        if named:
            found.setdefault(key, set()).update(named)
    return found


def publication_pages(config: SiteConfig, pages: list[Page], bibliography: Bibliography
                      ) -> list[Page]:
    """A page for each entry some group lists, in the groups that list it."""
    made = []
    for key, groups in sorted(listed_by(config, pages, bibliography).items()):
        entry = bibliography.entries[key]
        made.append(entry_page(config, entry, tuple(sorted(groups))))
    return made


def entry_page(config: SiteConfig, entry: BibEntry, groups: tuple[str, ...]) -> Page:
    shown = entry.path
    page = Page(
        source=str(config.root / shown), path=shown,
        content_path=f"{shown}#{entry.key}", title=entry.title or entry.key,
        body_text="", body_line=entry.line, groups=groups, template="publication",
        slug=entry.key.lower(), lines={"title": entry.line}, entry=entry.key,
        # lowercase, as the real tree's pages and links have it (`/publications/jaco15b/`)
        url=f"{FOLDER}/{entry.key.lower()}/", output=f"{FOLDER}/{entry.key.lower()}/index.html",
        folder=FOLDER, digest=entry.digest, rel=f"{shown}#{entry.key}",
        description=entry.venue or "")
    # What other pages show of it (a list, a member's page) is the entry itself, its
    # `digest`: an entry changed is like a body changed (build/fresh.py), and the pages
    # that show it have its digest in their keys (render/unitkey.py).
    page.outline = digest_of("entry", page.content_path, page.url, page.groups, page.template)
    return page


@dataclass(frozen=True)
class Year:
    year: str
    entries: tuple[BibEntry, ...]


TYPE_ORDER = ("article", "inproceedings", "conference", "incollection", "book",
              "phdthesis", "mastersthesis", "techreport", "misc", "unpublished")


def sort_entries(entries: Iterable[BibEntry]) -> list[BibEntry]:
    """Newest first; within a year by type, then by title."""
    def key(e: BibEntry) -> tuple[int, int, str, str]:
        kind = TYPE_ORDER.index(e.type) if e.type in TYPE_ORDER else len(TYPE_ORDER)
        # The key last: two entries alike are listed in one order, wherever they are.
        return (-(e.year or 0), kind, fold(e.title or e.key), e.key.lower())
    return sorted(entries, key=key)


def in_years(entries: Iterable[BibEntry]) -> list[Year]:
    """Entries in sort_entries' order, by year."""
    years: dict[str, list[BibEntry]] = {}
    for entry in entries:
        years.setdefault(str(entry.year) if entry.year else "Undated", []).append(entry)
    return [Year(year, tuple(found)) for year, found in years.items()]


TYPE_LABELS = {"article": "Journal article", "inproceedings": "Conference paper",
               "conference": "Conference paper", "incollection": "Book chapter",
               "book": "Book", "phdthesis": "PhD thesis", "mastersthesis": "Master thesis",
               "techreport": "Report", "misc": "Other", "unpublished": "Preprint"}


def type_name(entry: BibEntry) -> str:
    """What kind of publication it is, in words: "Journal article"."""
    return TYPE_LABELS.get(entry.type, entry.type.title())
