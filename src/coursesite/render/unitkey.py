"""What the bytes of one unit (a page in a group) are made from, as one hash.

A unit is rendered again exactly when this key changes (build/fresh.py has the
one freshness rule): its source, its layout, the group's settings, what each
link and image it asked for resolves to now, and every page its layout shows
around it (breadcrumbs, previous/next, the lessons of its course, the cards).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from coursesite.config.site import SiteConfig
from coursesite.content import GroupSite, Page
from coursesite.content.collections import shown_by
from coursesite.content.meta import layout_name
from coursesite.digest import digest_of
from coursesite.images.sources import ImageError
from coursesite.images.store import ImageStore
from coursesite.render.context import LayoutContext
from coursesite.render.layouts import Layouts
from coursesite.render.links import Linker


class UnitKeys:
    """The keys of one group's units, for one build."""

    def __init__(self, config: SiteConfig, site: GroupSite, home: Page, linker: Linker,
                 layouts: Layouts, images: ImageStore, context: LayoutContext):
        self.config, self.site, self.group, self.home = config, site, site.group, home
        self.linker, self.layouts, self.images, self.context = linker, layouts, images, context
        # A memo of this build, keyed by what it answers: no unit's state.
        self._summaries: dict[str, object] = {}

    def unit_key(self, page: Page, deps: Sequence[Sequence[str]]) -> str:
        """A hash of everything the page's bytes in this group are made from."""
        asked = [tuple(dep) for dep in deps]  # the cache gives back lists
        answers = [self.dep_value(dep) for dep in asked]
        source = page.digest if page.content_path else (page.title, page.output)
        return digest_of(self.fingerprint,
                         self.layouts.fingerprint(self.context.layout_of(page)),
                         source, page.content_path, self.neighbourhood(page), asked, answers)

    def dep_value(self, dep: tuple[str, ...]) -> object:
        if dep[0] == "image":
            try:
                info = self.images.info(dep[1])
                return (info.hash, info.width, info.height, info.format)
            except ImageError as exc:
                return str(exc)
        if dep[0] == "pages":
            return self.listing_digest
        return self.linker.dep_value(dep)

    @functools.cached_property
    def fingerprint(self) -> str:
        """The group's settings, and what every page of every group is called and where."""
        groups = [(g.name, g.url, g.img_url) for g in self.config.groups.values()]
        return digest_of(repr(self.group), self.config.language, self.config.search,
                         self.config.repo_url, self.config.edit_uri,  # every page's edit link
                         self.config.markdown_extensions,
                         self.config.images.fingerprint(), groups,
                         self.layouts.fingerprint("redirect.html"))

    @functools.cached_property
    def listing_digest(self) -> str:
        """What a body that uses `pages` can show: every listed page, bodies included."""
        return digest_of([(self.summary(p), p.digest) for p in self.site.listed_pages()])

    def summary(self, page: Page | None) -> object:
        """What a link, a card or a breadcrumb shows of a page."""
        if page is None:
            return None
        known = self._summaries.get(page.path)
        if known is None:
            picture = self.dep_value(("image", page.picture)) if page.picture else None
            known = self._summaries[page.path] = (
                page.content_path, page.title, page.url, page.description, page.picture,
                picture, page.date.isoformat() if page.date else None, page.listed)
        return known

    def neighbourhood(self, page: Page) -> object:
        """Every other page the layout shows around this one."""
        site = self.site
        parent = site.parent(page)
        shown: list[Page | None] = [*site.breadcrumbs(page), *site.prev_next(page)]
        if parent and parent.folder and not page.is_section:
            shown += [parent, *site.section(parent).lessons]
        if page.is_section:
            shown += list(site.section(None if page is self.home else page).children)
        if self.context.shows_courses(page):
            shown += site.courses()
        if page is self.home:
            shown += site.recent(6)
        picture = page.picture or self.group.picture
        # What the collections' layouts show (SPEC §8): the items' headers and pictures.
        collected: list[object] = [(p.outline, p.entry and p.digest, self.summary(p))
                                   for p in shown_by(site.collections, page)]
        listing = site.collections.listing(page)
        if listing and listing.pager:  # "page 2 of 3", and the links to the others
            collected.append((listing.pager.number, [p.url for p in listing.pager.pages]))
        # Which events are upcoming depends on the day of the build.
        today = site.today.isoformat() if layout_name(page) == "calendar-archive" else None
        return ([self.summary(p) for p in shown], picture and self.dep_value(("image", picture)),
                self.home.title, collected, today)
