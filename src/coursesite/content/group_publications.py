"""One group's publications (SPEC §8): the page of each BibTeX entry it lists, a
member's entries, an entry's authors (a member's page where one is the author),
and the group's whole list by year.
"""

from __future__ import annotations

import functools

from coursesite.content.bibliography import BibEntry, Bibliography
from coursesite.content.meta import fold
from coursesite.content.page import Page
from coursesite.content.publications import MemberIndex, in_years, sort_entries, type_name
from coursesite.content.shelves import Listing, Pager, Shelf


class GroupPublications:
    """The group's publication pages (one per entry) and its members, by folded name."""

    def __init__(self, pages: list[Page], members: dict[str, Page],
                 bibliography: Bibliography):
        self.pages, self.members, self.bibliography = pages, members, bibliography
        self._authors: dict[str, list[Page | str]] = {}  # by entry key
        self._folded: dict[str, str] = {}  # an author's last name -> its last word, folded

    type_name = staticmethod(type_name)  # "Journal articles", for a layout

    def entry(self, page: Page) -> BibEntry | None:
        """The BibTeX entry a publication's page shows."""
        return self.bibliography.get(page.entry) if page.entry else None

    @functools.cached_property
    def by_key(self) -> dict[str, Page]:
        return {p.entry.lower(): p for p in self.pages if p.entry}

    @functools.cached_property
    def _authored(self) -> MemberIndex:
        return MemberIndex(self.bibliography)

    @functools.cached_property
    def _members_by_last(self) -> dict[str, list[Page]]:
        found: dict[str, list[Page]] = {}
        for page in self.members.values():
            found.setdefault(fold(page.link_text).rpartition(" ")[2], []).append(page)
        return found

    def of(self, bibkeys: list[str], member: Page | None) -> list[Page]:
        """The pages of these keys' entries and of those the member is an author of."""
        keys = [k.lower() for k in bibkeys]
        if member is not None:
            keys += [e.key.lower() for e in self._authored.authored_by(member.link_text)]
        found = {self.by_key[k].content_path: self.by_key[k] for k in keys if k in self.by_key}
        entries = sort_entries(e for p in found.values() if (e := self.entry(p)))
        return [self.by_key[e.key.lower()] for e in entries]

    def authors_of(self, entry: BibEntry) -> list[Page | str]:
        """The entry's authors: a member's page where one is the author, else the name."""
        known = self._authors.get(entry.key)
        if known is not None:
            return known
        shown: list[Page | str] = []
        self._authors[entry.key] = shown
        folded = self._folded
        for person in entry.authors:
            last = folded.get(person.last)
            if last is None:  # the same names recur in entry after entry
                last = folded[person.last] = fold(person.last).rpartition(" ")[2]
            member = next((m for m in self._members_by_last.get(last, ())
                           if person.matches(m.link_text)), None)
            shown.append(member or person.display())
        return shown

    @functools.cached_property
    def entries(self) -> list[BibEntry]:
        """The group's entries, as its list of all publications shows them."""
        return sort_entries(e for p in self.pages
                            if (e := self.entry(p)) is not None)

    @functools.cached_property
    def year_counts(self) -> dict[str, int]:
        return {year.year: len(year.entries) for year in in_years(self.entries)}

    def listing(self, page: Page, pages: tuple[Page, ...] | None, size: int) -> Listing:
        """The group's whole list by year and type; when it has `pages` (of `size` entries
        each), the part of it on `page`."""
        if pages is None:
            return Listing("publications", self.years(self.entries))
        number = max(page.pager, 1)
        shown = self.entries[(number - 1) * size:number * size]
        return Listing("publications", self.years(shown, self.year_counts),
                       Pager(number, pages, len(self.entries)))

    def years(self, entries: list[BibEntry], counts: dict[str, int] | None = None
               ) -> tuple[Shelf, ...]:
        """A shelf per year of `entries` (sorted), with the year's count on all pages."""
        return tuple(Shelf(year.year, tuple(self.by_key[e.key.lower()]
                                            for e in year.entries),
                           total=counts[year.year] if counts else 0)
                     for year in in_years(entries))
