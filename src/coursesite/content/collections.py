"""Group websites (SPEC §8): what each listing layout shows, and in which order.

A listing is a page whose `template:` names one of LISTINGS (`people`,
`vacancies`, `calendar-archive`, ...). Its items are pages of the same group,
found by their own layout (`people-single`, `vacancy-single`, ...) or, for
events and news, which name none, by their folder (`calendar/`, `news/`) or by
being in the listing's own folder. Items are no lessons: they get no course
sidebar and no previous/next (GroupSite leaves them out of its sections).
Every decision of that kind is made here; the layouts only show the result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date

from coursesite.content.bibliography import BibEntry, Bibliography
from coursesite.content.group_publications import GroupPublications
from coursesite.content.meta import (
    EVENT_FOLDERS,
    NEWS_FOLDERS,
    flag,
    fold,
    items_of,
    layout_name,
    text_of,
)
from coursesite.content.page import Page
from coursesite.content.shelves import (
    Listing,
    Pager,
    Paging,
    Shelf,
    by_title,
    newest_first,
    paged_copy,
)

# The layouts of one item each, and the listing layouts (the real tree's names).
ITEM_LAYOUTS = frozenset({"people-single", "project-single", "software-single",
                          "research-single", "vacancy-single", "publication"})
LISTINGS = frozenset({"people", "projects", "vacancies", "student-vacancies",
                      "calendar-archive", "news-archive", "courses", "publications",
                      "publications-author"})
# A member's `type:` -> the heading of their group on the people page, in this order.
PEOPLE_TYPES = (("faculty", "Faculty"), ("postdoc", "Postdocs"),
                ("phd", "PhD candidates"), ("engineer", "Research engineers"),
                ("staff", "Support staff"), ("student", "Students"), ("guest", "Guests"))
TYPE_ALIASES = {"postdocs": "postdoc", "phd-student": "phd", "phd candidate": "phd",
                "phdstudent": "phd", "phd-candidate": "phd", "students": "student",
                "msc": "student", "support": "staff", "engineers": "engineer",
                "researcher": "postdoc", "professor": "faculty", "pi": "faculty"}
PROJECT_KINDS = (("research-single", "Research lines"), ("project-single", "Projects"),
                 ("software-single", "Software"))
# The listing layout that shows each item layout: the item's breadcrumb goes through it.
LISTED_IN = {"people-single": "people", "project-single": "projects",
             "software-single": "projects", "research-single": "projects",
             "vacancy-single": "vacancies", "publication": "publications"}


def person_type(page: Page) -> str:
    kind = fold(text_of(page, "type"))
    return TYPE_ALIASES.get(kind, kind)


class Collections:
    """One group's listings, for one build date (events are upcoming or past)."""

    def __init__(self, pages: list[Page], parent: Callable[[Page], Page | None],
                 today: date, bibliography: Bibliography | None = None,
                 paging: Paging | None = None):
        self.pages = [p for p in pages if p.status == "published" and p.redirect is None
                      and not p.broken]
        self.parent, self.today, self.paging = parent, today, paging or Paging()
        self.bibliography = bibliography or Bibliography({})
        self._listings: dict[str, Listing | None] = {}  # by content path

    def is_item(self, page: Page) -> bool:
        """A page of a collection, not a lesson: no sidebar, no previous/next."""
        if layout_name(page) in ITEM_LAYOUTS:
            return True
        if page.folder.rpartition("/")[2] in EVENT_FOLDERS | NEWS_FOLDERS and not page.is_section:
            return True
        parent = self.parent(page)
        return (parent is not None and parent is not page and not page.is_section
                and layout_name(parent) in LISTINGS)

    def listed_in(self, page: Page) -> Page | None:
        """The group's listing page that shows an item (the first by path), if any; for a
        later page of a paginated listing, its first page."""
        if page.pager:
            return self._pagers[first_path(page)][0]
        layout = LISTED_IN.get(layout_name(page))
        if layout == "vacancies" and person_type(page) == "student":
            layout = "student-vacancies"
        kind = page.folder.rpartition("/")[2]
        if layout is None and not page.is_section:
            layout = ("calendar-archive" if kind in EVENT_FOLDERS else
                      "news-archive" if kind in NEWS_FOLDERS else None)
        found = self._first_listings.get(layout or "")
        return found if found is not page else None

    @functools.cached_property
    def _first_listings(self) -> dict[str, Page]:
        """Each listing layout's first page by path (every item's breadcrumb asks)."""
        return {layout: min(self.with_layout(layout), key=lambda p: p.path)
                for layout in LISTINGS if self.with_layout(layout)}

    @functools.cached_property
    def _by_layout(self) -> dict[str, list[Page]]:
        found: dict[str, list[Page]] = {}
        for page in self.pages:
            found.setdefault(layout_name(page), []).append(page)
        return found

    def with_layout(self, name: str) -> list[Page]:
        return [p for p in self._by_layout.get(name, []) if not p.data_only]

    @functools.cached_property
    def members(self) -> dict[str, Page]:
        """The group's member pages by their folded `name:` (else title)."""
        found: dict[str, Page] = {}
        for page in self.with_layout("people-single"):
            found.setdefault(fold(page.link_text), page)
        return found

    def people_of(self, page: Page) -> list[Page | str]:
        """A page's `people:`: each a member page when one has that name, else the name."""
        return [self.members.get(fold(name), name) for name in items_of(page, "people")]

    def projects_of(self, member: Page) -> list[Page]:
        """The projects, software and research lines whose `people:` name the member."""
        name = fold(member.link_text)
        found = [p for layout, _ in PROJECT_KINDS for p in self.with_layout(layout)
                 if name in {fold(n) for n in items_of(p, "people")}]
        return list(by_title(found))

    def listing(self, page: Page) -> Listing | None:
        """What a listing page shows; None for any other page. Made once per page: its
        unit's key and its layout both ask (a bibliography's list has thousands)."""
        if page.content_path not in self._listings:
            make = LISTING_MAKERS.get(layout_name(page))
            self._listings[page.content_path] = make(self, page) if make else None
        return self._listings[page.content_path]

    # -- the listings ---------------------------------------------------------------

    def people(self, page: Page) -> Listing:
        current = [p for p in self.with_layout("people-single") if flag(p, "active", True)]
        former = [p for p in self.with_layout("people-single") if not flag(p, "active", True)]
        known = dict(PEOPLE_TYPES)
        shelves = [Shelf(heading, by_title([p for p in current if person_type(p) == kind]))
                   for kind, heading in PEOPLE_TYPES]
        others = sorted({person_type(p) for p in current} - set(known))
        shelves += [Shelf(kind.title() if kind else "Members",
                          by_title([p for p in current if person_type(p) == kind]))
                    for kind in others]
        shelves.append(Shelf("Former members", by_title(former), apart=True))
        return Listing("people", tuple(s for s in shelves if s.pages))

    def projects(self, page: Page) -> Listing:
        shelves = [Shelf(heading, by_title(self.with_layout(layout)))
                   for layout, heading in PROJECT_KINDS]
        return Listing("projects", tuple(s for s in shelves if s.pages))

    def vacancies(self, page: Page) -> Listing:
        student = layout_name(page) == "student-vacancies"
        chosen = [p for p in self.with_layout("vacancy-single")
                  if (person_type(p) == "student") == student]
        open_ = [p for p in chosen if not flag(p, "closed", False)]
        closed = [p for p in chosen if flag(p, "closed", False)]
        heading = "Student projects" if student else "Open positions"
        shelves = (Shelf(heading, newest_first(open_)),
                   Shelf("Closed", newest_first(closed), apart=True))
        return Listing(layout_name(page), tuple(s for s in shelves if s.pages))

    def in_folders(self, page: Page, folders: frozenset[str]) -> list[Page]:
        """Dated pages of these folders, or of the listing's own folder."""
        own = page.folder if page.is_section and page.folder else None
        return [p for p in self.pages if p is not page and p.date is not None
                and not p.is_section and layout_name(p) not in LISTINGS | ITEM_LAYOUTS
                and (p.folder.rpartition("/")[2] in folders or p.folder == own)]

    def events(self, page: Page) -> Listing:
        items = self.in_folders(page, EVENT_FOLDERS)
        upcoming = [p for p in items if p.date and p.date.date() >= self.today]
        past = [p for p in items if p.date and p.date.date() < self.today]
        shelves = (Shelf("Upcoming", tuple(reversed(newest_first(upcoming)))),
                   Shelf("Past", newest_first(past), apart=True))
        return Listing("calendar-archive", tuple(s for s in shelves if s.pages))

    def news(self, page: Page) -> Listing:
        """Newest first, `paging.news` items on each page of the listing (SPEC §8)."""
        pages = self._pagers.get(first_path(page))
        items = self._news_items(pages[0] if pages else page)
        if pages is None:
            return Listing("news-archive", (Shelf("News", items),))
        number, size = max(page.pager, 1), self.paging.news
        shown = items[(number - 1) * size:number * size]
        return Listing("news-archive", (Shelf("News", shown, total=len(items)),),
                       Pager(number, pages, len(items)))

    def _news_items(self, page: Page) -> tuple[Page, ...]:
        return newest_first([p for p in self.in_folders(page, NEWS_FOLDERS) if not p.data_only])

    @functools.cached_property
    def _pagers(self) -> dict[str, tuple[Page, ...]]:
        """Each news listing and list of all publications with more items than a page
        holds -> its pages, by the first page's content path: the later ones are made
        here, once per build."""
        found = {}
        for layout, size in (("news-archive", self.paging.news),
                             ("publications", self.paging.publications)):
            for first in self.with_layout(layout) if size else ():
                items = len(self._news_items(first) if layout == "news-archive"
                            else self.pubs.entries)
                count = -(-items // size)  # rounded up
                if count > 1:
                    found[first.content_path] = (first, *(paged_copy(first, number)
                                                          for number in range(2, count + 1)))
        return found

    def later_pages(self) -> list[Page]:
        """The pages of paginated listings after their first: pages of the group's own."""
        return [page for pages in self._pagers.values() for page in pages[1:]]

    def courses(self, page: Page) -> Listing:
        return Listing("courses", ())  # the layout shows the group's courses (GroupSite)

    def event_text(self, page: Page) -> str:
        """What an event shows: `content_before` until its day, `content_after` from then."""
        upcoming = page.date is not None and page.date.date() >= self.today
        first, second = ("content_before", "content_after") if upcoming else (
            "content_after", "content_before")
        return text_of(page, first) or text_of(page, second) or page.description

    # -- publications (group_publications.py) -----------------------------------

    @functools.cached_property
    def pubs(self) -> GroupPublications:
        return GroupPublications(self.with_layout("publication"), self.members, self.bibliography)

    def entry(self, page: Page) -> BibEntry | None:
        """The BibTeX entry a publication's page shows."""
        return self.pubs.entry(page)

    def publications_of(self, page: Page) -> list[Page]:
        """A member's publications (its `bibkeys:` and those it is an author of), or a
        publications-author page's (its `bibkeys:`, and its `author:` member's)."""
        member: Page | None = page if layout_name(page) == "people-single" else None
        author = text_of(page, "author")
        if member is None and author:
            member = self.members.get(fold(author)) or next(
                (p for p in self.members.values() if p.slug == author.lower()), None)
        return self.pubs.of(items_of(page, "bibkeys"), member)

    def publications(self, page: Page) -> Listing:
        """By year and type; the group's whole list `paging.publications` on a page."""
        if layout_name(page) == "publications-author":
            entries = [e for p in self.publications_of(page) if (e := self.entry(p))]  # sorted
            return Listing("publications-author", self.pubs.years(entries))
        return self.pubs.listing(page, self._pagers.get(first_path(page)),
                                 self.paging.publications)


LISTING_MAKERS: dict[str, Callable[[Collections, Page], Listing]] = {
    "people": Collections.people, "projects": Collections.projects,
    "vacancies": Collections.vacancies, "student-vacancies": Collections.vacancies,
    "calendar-archive": Collections.events, "news-archive": Collections.news,
    "courses": Collections.courses, "publications": Collections.publications,
    "publications-author": Collections.publications,
}


def first_path(page: Page) -> str:
    """The content path of a listing's first page, from any of its pages."""
    return page.content_path.rpartition("#page/")[0] if page.pager else page.content_path


def shown_by(collections: Collections, page: Page) -> list[Page]:
    """Every other page a page's layout shows of the collections: for its unit key."""
    listing = collections.listing(page)
    shown: list[Page] = list(listing.pages) if listing else []
    if layout_name(page) == "people-single":
        shown += collections.projects_of(page) + collections.publications_of(page)
    # The people each shown item links to are shown too (a vacancy's contacts, an entry's
    # authors): a member's new URL or name must reach a list that links to the member.
    return shown + [person for item in (page, *shown)
                    for person in people_shown(collections, item)]


def people_shown(collections: Collections, page: Page) -> list[Page]:
    """The members' pages a page's people and, for a publication, its authors link to."""
    found = [p for p in collections.people_of(page) if isinstance(p, Page)] \
        if items_of(page, "people") else []
    entry = collections.entry(page)
    if entry is not None:
        found += [p for p in collections.pubs.authors_of(entry) if isinstance(p, Page)]
    return found
