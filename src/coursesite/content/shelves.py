"""The shapes listing pages show (SPEC §8): shelves of pages, the pages of a long
listing, and the orders items are shown in. Which pages a listing holds is decided
in collections.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from coursesite.content.meta import fold
from coursesite.content.page import Page


@dataclass(frozen=True)
class Shelf:
    """One headed group of a listing's items."""

    heading: str
    pages: tuple[Page, ...]
    apart: bool = False  # former members, closed vacancies, past events: after, quieter
    total: int = 0  # its items on all pages of a paginated listing (0: those shown)


@dataclass(frozen=True)
class Paging:
    """Items per page of the paginated listings (site.yaml's paginate keys); 0: one page."""

    news: int = 0
    publications: int = 0


@dataclass(frozen=True)
class Pager:
    """Where one page of a paginated listing is among its pages (news/, news/page/2/, ...)."""

    number: int  # from 1
    pages: tuple[Page, ...]  # the listing's pages, its first one first
    total: int  # the items on all of them

    @property
    def newer(self) -> Page | None:
        return self.pages[self.number - 2] if self.number > 1 else None

    @property
    def older(self) -> Page | None:
        return self.pages[self.number] if self.number < len(self.pages) else None


@dataclass(frozen=True)
class Listing:
    layout: str
    shelves: tuple[Shelf, ...]
    pager: Pager | None = None

    @property
    def pages(self) -> tuple[Page, ...]:
        return tuple(p for shelf in self.shelves for p in shelf.pages)


def newest_first(pages: list[Page]) -> tuple[Page, ...]:
    return tuple(sorted(pages, key=lambda p: (-(p.date.timestamp() if p.date else 0.0),
                                              p.title.casefold(), p.path)))


def paged_copy(first: Page, number: int) -> Page:
    """The `number`-th page of a paginated listing: Hugo's <url>page/<n>/ ("news.html"
    gives news/page/2/). No section, so that it is its first page's child; no body."""
    base = first.url if not first.url or first.url.endswith("/") else \
        first.url.rpartition(".")[0] + "/"
    url = f"{base}page/{number}/"
    return replace(first, url=url, output=f"{url}index.html", body_text="", pager=number,
                   content_path=f"{first.content_path}#page/{number}", is_section=False,
                   title=f"{first.title}, page {number}", status="hidden")


def by_title(pages: list[Page]) -> tuple[Page, ...]:
    return tuple(sorted(pages, key=lambda p: (p.order is None, p.order or 0,
                                              fold(p.link_text), p.path)))
