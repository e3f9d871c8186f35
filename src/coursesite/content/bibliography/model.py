"""The typed entries a site's bibliography gives its pages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from coursesite.content.bibliography.names import Person

YEAR = re.compile(r"\d{4}")
HTTP = re.compile(r"https?://", re.IGNORECASE)
DOI_PREFIX = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
FILE_TYPE = re.compile(r":[A-Za-z]+$")  # JabRef's `description:path:type`
# The field holding the venue, by entry type; other types take the first one present.
VENUE_OF = {"article": "journal", "inproceedings": "booktitle", "conference": "booktitle",
            "incollection": "booktitle", "phdthesis": "school", "mastersthesis": "school",
            "techreport": "institution", "book": "publisher", "inbook": "publisher"}
VENUES = ("journal", "booktitle", "school", "institution", "publisher")


@dataclass(frozen=True)
class BibEntry:
    key: str  # as written, "Jaco15b"
    type: str  # lowercased, "article"
    path: str  # the .bib file as messages show it
    line: int  # the line of its "@type{"
    fields: Mapping[str, str]  # lowercased names, Unicode text (macros and LaTeX resolved)
    authors: tuple[Person, ...]
    editors: tuple[Person, ...]
    bibtex: str  # the entry as a self-contained BibTeX text, for download
    digest: str  # of everything its page can show: changes iff the entry or a macro it uses does
    # What a later build checks before taking this entry from its cache: the chunk's
    # digest, and each macro the entry uses (lowercased) with the text it had.
    chunk: str = ""
    macros: tuple[tuple[str, str], ...] = ()
    broken: bool = False  # reported as an error (no title, a macro defined nowhere)

    def _field(self, *names: str) -> str | None:
        for name in names:
            value = self.fields.get(name)
            if value:
                return value
        return None

    @property
    def title(self) -> str:
        return self.fields.get("title", "")

    @property
    def year(self) -> int | None:
        match = YEAR.search(self.fields.get("year", ""))
        return int(match.group()) if match else None

    @property
    def venue(self) -> str | None:
        """The journal, booktitle, school, institution or publisher: the one of its type."""
        own = VENUE_OF.get(self.type)
        return self._field(*((own,) if own else ()), *VENUES)

    @property
    def doi(self) -> str | None:
        """The DOI alone ("10.1148/..."), also when written as an address or `doi:...`."""
        doi = self._field("doi")
        return DOI_PREFIX.sub("", doi) if doi else None

    @property
    def url(self) -> str | None:
        return self._field("url")

    @property
    def abstract(self) -> str | None:
        return self._field("abstract")

    @property
    def pdf(self) -> str | None:
        """A `pdf` or `file` field's http(s) address (JabRef's `:https\\://…:PDF` too)."""
        for name in ("pdf", "file"):
            for piece in self.fields.get(name, "").split(";"):
                piece = piece.replace("\\:", ":")
                match = HTTP.search(piece)
                if match:
                    return FILE_TYPE.sub("", piece[match.start():].strip())
        return None

    @property
    def code(self) -> str | None:
        """The `code` field, or the `github` one (a bare `owner/name` made a URL)."""
        link = self._field("code", "github")
        if link and not HTTP.match(link) and self._field("code") is None:
            return f"https://github.com/{link.strip('/')}"
        return link


GROUP_WORDS = re.compile(r"[\s,;]+")


def groups_named(entry: BibEntry) -> set[str]:
    """The lowercased words of its `optnote` and `groups` fields: {"diag", "radiology"}."""
    words = f"{entry.fields.get('optnote', '')} {entry.fields.get('groups', '')}"
    return {word.lower() for word in GROUP_WORDS.split(words) if word}
