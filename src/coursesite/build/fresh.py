"""The one freshness rule: what a build makes again, and what it keeps.

**A file of a group's output is kept when the build state records it as
written, it is on disk exactly as written (size and mtime), and what it would
be made from now has the key recorded with it.** Everything else is made
again. For a page, the key is a hash of everything its bytes were made from
(render/unitkey.py, UnitKeys.unit_key: its source, its layouts, the group's settings, the
pages around it, and the answer to every question it asked while rendering);
for other files, the hash of their bytes.

The rest of this module are the rule's shortcuts, each a consequence of it:

- nothing read changed (every input file's size and mtime, the settings and
  the code are those of the last good build) and every output folder is
  exactly as written: nothing to do, nothing loaded (`unchanged`);
- only page bodies changed: a page that neither is one of them nor shows or
  links to one has its old key, without computing it (`untouched`), and a
  group none of whose pages does is kept whole, unread (`untouched_groups`).
  A BibTeX entry is the body of its page (content/publications.py): when
  entries changed, an entry's page that neither is one of them nor links to
  one has its old key, and every other page's key is computed (the lists of
  publications and the members' pages show entries, and their keys say which).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from coursesite.content.page import Page
from coursesite.digest import code_fingerprint, digest_of
from coursesite.fsutil import Stats
from coursesite.state.records import UnitRecord

FEW_BODIES = 8  # changed pages up to which each record's questions are looked up one by one


def inputs_fingerprint(scanned: Stats, settings: object) -> str:
    """Every input file's path, size and mtime, the build's settings and the code."""
    # orjson, not digest_of's repr(): a tenth of the time for 10,000 stats.
    stats = hashlib.sha256(orjson.dumps(scanned)).hexdigest()
    return digest_of(code_fingerprint(), settings, stats)


def outline_of(scanned: Stats, settings: object, pages: list[Page]) -> str:
    """Everything the build reads but the pages' bodies (`scanned`: all but the pages)."""
    return digest_of(inputs_fingerprint(scanned, settings), [page.outline for page in pages])


def bodies_changed(previous_outline: Any, outline: str, previous: dict[str, str],
                   pages: list[Page]) -> set[str] | None:
    """The pages whose bodies (or entries) alone changed since the last good build
    (`previous`: their digests then), or None when anything else changed too."""
    if previous_outline != outline:
        return None
    return {p.content_path for p in pages if previous.get(p.content_path) != p.digest}


def unit_is_fresh(record: UnitRecord, written_sha: str | None, page: Page,
                  key_now: Callable[[], str], bodies: set[str] | None,
                  stale: Callable[[Page, UnitRecord], bool]) -> bool:
    """The rule for one page in one group. `written_sha`: the hash of its file when that
    file is on disk exactly as written, else None."""
    if written_sha != record.digest:
        return False
    if bodies is not None and untouched(page, record, bodies, stale):
        return True
    return key_now() == record.key


def untouched(page: Page, record: UnitRecord, bodies: set[str],
              stale: Callable[[Page, UnitRecord], bool]) -> bool:
    """Whether a unit cannot have changed when only these pages' bodies did."""
    if not bodies:
        return True
    if page.content_path in bodies:
        return False
    return not stale(page, record)


def stale_test(bodies: set[str], entries: bool = False) -> Callable[[Page, UnitRecord], bool]:
    """Whether a page may show one of these bodies: its record lists bodies or links to
    one of these pages, or (`entries`: some are BibTeX entries) it is no entry's page.

    This runs for every kept page. For a few changed pages, looking each question
    up in the record's list (in C) beats walking the list in Python.
    """
    if len(bodies) <= FEW_BODIES:
        asked = [["pages"], *(["page", path] for path in sorted(bodies))]

        def asks(record: UnitRecord) -> bool:
            return any(question in record.deps for question in asked)
    else:
        def asks(record: UnitRecord) -> bool:
            return any(dep[0] == "pages" or (dep[0] == "page" and dep[1] in bodies)
                       for dep in record.deps)
    return lambda page, record: (entries and not page.entry) or asks(record)


def asks_of(records: Iterable[UnitRecord]) -> dict[str, Any]:
    """What a group's pages show of other pages' bodies: whether any lists bodies
    (`pages` in its body), and the pages their links point to (for their anchors)."""
    lists = False
    linked: set[str] = set()
    for record in records:
        for dep in record.deps:
            lists = lists or dep[0] == "pages"
            if dep[0] == "page":
                linked.add(dep[1])
    return {"lists": lists, "pages": sorted(linked)}


def untouched_groups(summaries: dict[str, dict[str, Any]], pages: list[Page],
                     bodies: set[str] | None) -> set[str]:
    """The groups whose every page stays as it is when only these pages' bodies changed:
    none of them is in the group, and none of the group's pages lists bodies or links to
    them (`summaries`: the last good build's, with what each group asks)."""
    if bodies is None:
        return set()
    touched = {group for page in pages if page.content_path in bodies for group in page.groups}
    return {group for group, summary in summaries.items()
            if group not in touched and not summary["asks"]["lists"]
            and bodies.isdisjoint(summary["asks"]["pages"])}
