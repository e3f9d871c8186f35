"""Which files are pages, and in which content folder each one is.

The shared `content/` holds pages for the groups their headers name; a group's
own content folder (`groups.<g>.content`, SPEC §7: `website-rtc/content` of a
Pelican tree) holds pages of that group alone. `exclude:` globs name files in
either that are not pages.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable
from dataclasses import dataclass

from coursesite.config.site import SiteConfig
from coursesite.errors import Problems
from coursesite.fsutil import Stats, files_in_scan, files_inside, report_links


@dataclass(frozen=True)
class Root:
    """A folder of pages: the shared one (group None) or a group's own."""

    folder: str  # absolute
    group: str | None
    shown: str  # as messages show it: relative to the site root


def roots(config: SiteConfig) -> list[Root]:
    return [Root(str(folder), group, config.rel(folder))
            for folder, group in config.content_roots()]


def root_of(config: SiteConfig, source: str) -> Root | None:
    """The content folder a file is in (a group's own first: it may lie inside content/)."""
    found = None
    for root in roots(config):
        if source.startswith(root.folder + os.sep) and (
                found is None or len(root.folder) > len(found.folder)):
            found = root
    return found


def identity(root: Root, source: str) -> tuple[str, str]:
    """A page's (content_path, rel): its key among all pages, and its path in its folder."""
    rel = source[len(root.folder) + 1:].replace(os.sep, "/")
    return (rel if root.group is None else f"{root.shown}/{rel}"), rel


def excluded(rel: str, globs: tuple[str, ...]) -> bool:
    """Whether `exclude:` leaves a file out: a glob matches it or a folder above it
    (fnmatch's: `*` also matches across '/', so `pages/drafts/**` is the whole folder)."""
    if not globs:
        return False
    parts = rel.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return any(fnmatch.fnmatchcase(prefix, glob) for glob in globs for prefix in prefixes)


def find_pages(config: SiteConfig, problems: Problems,
               stats: Stats | None = None) -> list[tuple[Root, str]]:
    """Every page of every content folder, in a stable order; images/ and hidden folders
    hold none. With `stats`, the build's scan of the content folders, they are not
    walked again.

    A page that is a link to a file outside its content folder (or to nothing) is
    an error at its path, and a linked folder is not walked: nothing outside the
    content folders is ever read.
    """
    found: list[tuple[Root, str]] = []
    all_roots = roots(config)
    for root in all_roots:
        # A group's own folder inside content/ is walked as its own, not as shared pages.
        inner = {other.folder[len(root.folder) + 1:].replace(os.sep, "/") for other in all_roots
                 if other.folder.startswith(root.folder + os.sep)}
        files, links = (files_inside(root.folder, root.folder, _skipped(inner), _is_page)
                        if stats is None else
                        files_in_scan(stats, root.folder, _skipped(inner), _is_page))
        report_links(links, root.shown, root.shown, "page", problems)
        found.extend((root, path) for rel, path in files
                     if not excluded(rel, config.exclude))
    return found


def _is_page(name: str) -> bool:
    return name.endswith(".md") and not name.startswith(".")


def _skipped(inner: set[str]) -> Callable[[str], bool]:
    """Folders that hold no pages of this content folder: images/, hidden ones, and
    the groups' own content folders inside it."""
    return lambda rel: rel == "images" or rel in inner or rel.rpartition("/")[2].startswith(".")
