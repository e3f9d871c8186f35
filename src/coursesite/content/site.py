"""One group's view of the pages: URLs, sections, ordering and navigation.

A folder with an index.md is a section (a course); every other page belongs
to its nearest ancestor section. content/index.md is the group's home page,
the root section.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

from coursesite.config.site import GroupConfig
from coursesite.content.bibliography import Bibliography
from coursesite.content.collections import Collections
from coursesite.content.meta import NEWS_FOLDERS
from coursesite.content.page import Page
from coursesite.content.placing import url_folder
from coursesite.content.shelves import Paging
from coursesite.errors import Problems


def sort_key(page: Page) -> tuple[bool, int, bool, float, str, str]:
    """`order` first (pages without one last), then newest date, then title."""
    date_key = -page.date.timestamp() if page.date else 0.0
    return (page.order is None, page.order or 0, page.date is None, date_key,
            page.title.casefold(), page.path)


@dataclass(frozen=True)
class Section:
    """A section page with its listed children, in order."""

    page: Page | None  # None for a group without content/index.md
    children: tuple[Page, ...]

    @functools.cached_property
    def subsections(self) -> tuple[Page, ...]:
        return tuple(p for p in self.children if p.is_section)

    @functools.cached_property
    def lessons(self) -> tuple[Page, ...]:
        return tuple(p for p in self.children if not p.is_section)


class GroupSite:
    def __init__(self, group: GroupConfig, pages: list[Page], problems: Problems,
                 today: date | None = None, bibliography: Bibliography | None = None,
                 paging: Paging | None = None):
        self.group, self.paging = group, paging or Paging()
        self.bibliography = bibliography
        self.today = today or date.today()  # what is upcoming and what past (events)
        self.pages = sorted(pages, key=lambda p: p.content_path)
        self.by_content_path = {p.content_path: p for p in self.pages}
        self.by_url: dict[str, Page] = {}
        for page in self.pages:
            if page.data_only:  # no page of its own: at no URL
                continue
            other = self.by_url.get(page.output)
            if other is not None:
                problems.error(page.path, page.line_of("slug"),
                               f"'{page.url or '/'}' is also the URL of {other.path}",
                               "give one of them another 'slug:' or file name")
            else:
                self.by_url[page.output] = page
        self.section_pages = {p.folder: p for p in self.pages if p.is_section}
        self._sections: dict[str, Section] = {}
        self._positions: dict[str, int] = {}  # page path -> index among its section's lessons

    # What follows is worked out on first use: a rebuild after a body edit elsewhere
    # needs only the URLs of a group it keeps as it is.

    @functools.cached_property
    def _children(self) -> dict[str, list[Page]]:
        """Each section's listed pages, by the section's folder, in order."""
        children: dict[str, list[Page]] = {}
        for page in self.pages:
            parent = self.parent(page)
            if page.listed and not (page.is_section and page.folder == "") \
                    and not self.collections.is_item(page):  # a listing shows it instead
                children.setdefault(parent.folder if parent else "", []).append(page)
        for pages in children.values():
            pages.sort(key=sort_key)
        return children

    @functools.cached_property
    def collections(self) -> Collections:
        """The group's people, projects, vacancies, events and news (SPEC §8)."""
        return Collections(self.pages, self.parent, self.today, self.bibliography,
                           self.paging)

    @functools.cached_property
    def _listed(self) -> list[Page]:
        return [p for p in self.pages if p.listed]

    @functools.cached_property
    def by_rel(self) -> dict[str, Page]:
        """The group's pages by their paths in their content folders."""
        return {p.rel: p for p in self.pages}

    @functools.cached_property
    def _refs(self) -> dict[tuple[str, str], Page]:
        """(category, slug), (folder, slug) and (URL folder, slug) -> the first such page."""
        refs: dict[tuple[str, str], Page] = {}
        for page in self.pages:
            for where in (("c", page.category), ("f", page.folder), ("f", url_folder(page))):
                refs.setdefault((where[0] + where[1], page.slug), page)
        return refs

    def by_category(self, category: str, slug: str) -> Page | None:
        """The page `[category/slug]` names."""
        return self._refs.get(("c" + category, slug))

    def by_ref(self, folder: str, slug: str) -> Page | None:
        """The page `slug` of a folder (`[member/slug]` with link_tags member: members)."""
        return self._refs.get(("f" + folder, slug))

    @property
    def home(self) -> Page | None:
        """content/index.md, or a page saved as the site's index.html (`save_as:`)."""
        return self.section_pages.get("") or self.by_url.get("index.html")

    def parent(self, page: Page) -> Page | None:
        """The nearest section above the page (None above the home page)."""
        if page.is_section and page.folder == "":
            return None
        folder = page.folder
        if page.is_section:
            folder = folder.rpartition("/")[0] if "/" in folder else ""
        while True:
            section = self.section_pages.get(folder)
            if section is not None and section is not page:
                return section
            if folder == "":
                return None
            folder = folder.rpartition("/")[0] if "/" in folder else ""

    def section(self, page: Page | None) -> Section:
        """The section a section page stands for (the root for None)."""
        folder = "" if page is None else page.folder
        found = self._sections.get(folder)
        if found is None or found.page is not page:
            found = Section(page, tuple(self._children.get(folder, ())))
            self._sections[folder] = found
            for index, lesson in enumerate(found.lessons):
                self._positions[lesson.path] = index
        return found

    def breadcrumbs(self, page: Page) -> list[Page]:
        """The sections from the home page down to the page's parent, and for an item
        of a collection the listing that shows it (Home > People > Ann Smith)."""
        trail: list[Page] = []
        parent = self.parent(page)
        while parent is not None:
            trail.insert(0, parent)
            parent = self.parent(parent)
        listing = self.collections.listed_in(page)
        if listing is not None and listing not in trail:
            trail.append(listing)
        return trail

    def siblings(self, page: Page) -> tuple[Page, ...]:
        """The lessons beside a page in its section (none for a section page)."""
        if page.is_section:
            return ()
        parent = self.parent(page)
        return self.section(parent).lessons

    def prev_next(self, page: Page) -> tuple[Page | None, Page | None]:
        siblings = self.siblings(page)
        index = self._positions.get(page.path, -1)
        if index < 0 or index >= len(siblings) or siblings[index] is not page:
            return None, None
        before = siblings[index - 1] if index > 0 else None
        after = siblings[index + 1] if index + 1 < len(siblings) else None
        return before, after

    def listed_pages(self) -> tuple[Page, ...]:
        """Every listed page: in the context of each page, so made once (and immutable)."""
        return self._listed_tuple

    @functools.cached_property
    def _listed_tuple(self) -> tuple[Page, ...]:
        return tuple(self._listed)

    def courses(self) -> list[Page]:
        """Listed sections that hold lessons: what the home page offers."""
        found = [p for p in self.pages if p.is_section and p.folder and p.listed
                 and self.section(p).lessons]
        return sorted(found, key=sort_key)

    def recent(self, count: int) -> list[Page]:
        dated = [p for p in self._listed if p.date is not None and not p.is_section
                 and not self.collections.is_item(p)]
        dated.sort(key=lambda p: (-(p.date or datetime.min).timestamp(), p.path))
        return dated[:count]

    @functools.cached_property
    def nav_listings(self) -> list[Page]:
        """A news listing at each folder that holds the group's news items and has no
        page of its own (news/, or highlights/ with `urls: {news: highlights/{slug}/}`):
        what Pelican's INDEX_SAVE_AS made (`highlights/index.html`), and what Hugo makes
        of a section with no index page. A nav entry at that URL gives it its title."""
        titles = {item.url.strip("/"): item.title for item in self.group.nav
                  if item.url.startswith("/")}
        folders = sorted({p.output.partition("/")[0] for p in self.pages
                          if not p.data_only and "/" in p.output
                          and p.folder.rpartition("/")[2] in NEWS_FOLDERS})
        return [Page(source="", path="site.yaml", content_path=f"#nav/{folder}",
                     title=titles.get(folder) or folder.replace("-", " ").capitalize(),
                     body_text="", body_line=1, url=f"{folder}/", output=f"{folder}/index.html",
                     template="news-archive", status="hidden")
                for folder in folders if f"{folder}/index.html" not in self.by_url]
