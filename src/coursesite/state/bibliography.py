"""The BibTeX entries last read, by the digest of their text: a later build parses
only the entries whose text changed (content/bibliography's `cache`).

Facts about text, true whatever the build does next, like the images' rows: kept as
soon as they are read. An entry is taken from here only when its macros still have
the texts it was made with (content/bibliography checks), so a row can make a build
slower, never wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from coursesite.content.bibliography import BibEntry, Person
from coursesite.state.db import Database


class BibRows:
    def __init__(self, db: Database):
        self.db = db
        self._known: set[str] = set()

    def entries(self) -> dict[str, BibEntry]:
        """Every kept entry, by its chunk's digest (a row not as this code writes it is
        left out)."""
        found = {}
        for chunk, value in self.db.select("SELECT chunk, entry FROM bibentries"):
            try:
                found[chunk] = entry_from_json(orjson.loads(value))
            except (orjson.JSONDecodeError, TypeError, ValueError):
                continue
        self._known = set(found)
        return found

    def save(self, cache: Mapping[str, BibEntry]) -> None:
        """Keep `cache` (what this read found) in place of what `entries` gave."""
        gone = self._known - cache.keys()
        new = [(chunk, orjson.dumps(entry_to_json(entry)))
               for chunk, entry in cache.items() if chunk not in self._known]
        if gone:
            self.db.write("DELETE FROM bibentries WHERE chunk = ?", [(c,) for c in gone])
        if new:
            self.db.write("INSERT OR REPLACE INTO bibentries VALUES (?, ?)", new)
        self._known = set(cache)


def entry_to_json(entry: BibEntry) -> list[Any]:
    return [entry.key, entry.type, entry.path, entry.line, dict(entry.fields),
            [_person(p) for p in entry.authors], [_person(p) for p in entry.editors],
            entry.bibtex, entry.digest, entry.chunk, entry.macros, entry.broken]


def entry_from_json(data: list[Any]) -> BibEntry:
    (key, kind, path, line, fields, authors, editors, bibtex, digest, chunk, macros,
     broken) = data
    return BibEntry(key, kind, path, line, fields, tuple(Person(*p) for p in authors),
                    tuple(Person(*p) for p in editors), bibtex, digest, chunk,
                    tuple((name, text) for name, text in macros), broken)


def _person(person: Person) -> list[str]:
    return [person.first, person.von, person.last, person.jr]
