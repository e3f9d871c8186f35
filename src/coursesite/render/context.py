"""The variables of a group's layouts and bodies, made for one unit at a time.

`page_context(ctx)` is what a layout sees of one page in one group: the page,
the pages around it, and functions. Those that plan images and may report a
problem (a card's `thumbnail`, the og:image) do it for the unit whose context
they were made with; the others (`url`, `asset`, `picture_url`) ask nothing of
a unit and are the same for every page of the group.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urljoin

from markupsafe import Markup

from coursesite.config.site import SiteConfig
from coursesite.content import GroupSite, Page
from coursesite.images.sources import ImageError
from coursesite.images.store import ImageStore, Thumbnail
from coursesite.render.linkcheck import output_target
from coursesite.render.links import Linker, LinkError
from coursesite.render.publist import entry_items, entry_links, people_html
from coursesite.render.unit import UnitContext


class LayoutContext:
    """One group's layout variables; holds nothing of a unit (see UnitContext)."""

    def __init__(self, config: SiteConfig, site: GroupSite, home: Page, linker: Linker,
                 images: ImageStore):
        self.config, self.site, self.home = config, site, home
        self.group = site.group
        self.linker, self.images = linker, images
        self.sources = images.candidates  # every file under content/images/, as output paths
        self._absolute: dict[str, str] = {}  # image output path -> its absolute URL (a memo)

    def layout_of(self, page: Page) -> str:
        if page.template:
            return page.template if page.template.endswith(".html") else page.template + ".html"
        return self.default_layout(page)

    def shows_courses(self, page: Page) -> bool:
        """The home page, a `courses` listing and the theme's 404 page list the courses."""
        return (page is self.home or page.template in ("courses", "courses.html")
                or self.layout_of(page) == "404.html")

    def default_layout(self, page: Page) -> str:
        """The theme's layout for a page that names none (or one that does not exist)."""
        if page is self.home:
            return "home.html"
        if page.output == "404.html" and not page.content_path:  # a site's own is a page
            return "404.html"
        return "section.html" if page.is_section else "page.html"

    def body_context(self, page: Page) -> dict[str, Any]:
        return {
            "IMGURL": self.group.img_url,
            "SITEURL": self.group.url.rstrip("/"),
            "SITENAME": self.group.title,
            "GROUP": self.group.name,
            "group": self.group,
            "page": page,
            "pages": self.site.listed_pages(),
        }

    def page_context(self, ctx: UnitContext) -> dict[str, Any]:
        """The layout's variables; what asks for images reports into the unit's context."""
        page, site, group = ctx.page, self.site, self.group
        parent = site.parent(page)
        before, after = site.prev_next(page)
        picture = page.picture or group.picture
        return {
            **self.body_context(page),
            "config": self.config,
            "nav": group.nav,
            "home": self.home,
            "parent": parent,
            "breadcrumbs": site.breadcrumbs(page),
            "prev": before,
            "next": after,
            "section": site.section(None if page is self.home else page)
            if page.is_section else None,
            "course": site.section(parent) if parent and parent.folder and not page.is_section
            else None,
            "recent": site.recent(6) if page is self.home else [],
            "courses": site.courses() if self.shows_courses(page) else [],
            "canonical": group.absolute(page.url),
            "edit_url": self.edit_url(page),
            "description": page.description or group.description,
            "og_image": self.social_image(ctx, picture) if picture else None,
            "content": "",
            "toc": [],
            "reading_minutes": 0,  # of the body, once it is converted
            # Group websites (SPEC §8): what a listing shows, and the collections' lookups
            # (a project's people, a member's projects).
            "listing": site.collections.listing(page),
            "collections": site.collections,
            "event_texts": {},
            "url": self.url,
            "people_links": self.people_links,
            "publication_items": self.publication_items,
            "entry_links": entry_links,
            "asset": self.asset,
            "picture_url": self.picture_url,
            # A closure over the unit (it plans images and may report a problem);
            # the other functions ask nothing of it.
            "thumbnail": functools.partial(self.thumbnail, ctx),
        }

    def edit_url(self, page: Page) -> str | None:
        """The page's file in the repository's editor (site.yaml's repo_url, edit_uri)."""
        if self.config.repo_url is None or page.entry or not page.path.endswith(".md"):
            return None  # made by coursesite (the 404 page), or from a .bib file
        folder = self.config.edit_uri.strip("/")
        return urljoin(self.config.repo_url, f"{folder}/" if folder else "") + quote(page.path)

    def redirect_href(self, ctx: UnitContext, target: str) -> str:
        """A site path ('/x/') gets the group's base path; a .md file becomes its URL."""
        if target.startswith("/") and not target.startswith("//"):
            return self.asset(target)
        try:
            return self.linker.resolve(ctx, target)
        except LinkError as exc:
            ctx.failed.add(target)
            page = ctx.page
            ctx.problems.error(page.path, page.line_of("redirect"), exc.message, exc.hint)
            return target

    def url(self, page: Page) -> str:
        return self.home_href() if page is self.home else self.linker.page_href(page)

    def people_links(self, people: list[Page | str]) -> Markup:
        """"Ann Smith, B. Li": each a link where a member's page is the person. In Python,
        not a macro: a bibliography's list shows tens of thousands of names."""
        return people_html((p.link_text, self.url(p)) if isinstance(p, Page) else (p, None)
                           for p in people)

    def publication_items(self, pages: list[Page]) -> Markup:
        """The `<li>` of each publication of `pages` (render/publist.py)."""
        collections = self.site.collections
        return entry_items(pages, collections.entry, self.url,
                           lambda entry: self.people_links(collections.pubs.authors_of(entry)))

    def home_href(self) -> str:
        return f"{self.group.base_path}/"

    def asset(self, path: str) -> str:
        return f"{self.group.base_path}/{path.lstrip('/')}"

    def picture_url(self, picture: str) -> str:
        return f"{self.group.img_url}/images/{picture}"

    def asset_image(self, out: str) -> str:
        """The URL of an output path under images/ (on the asset host, if any)."""
        return f"{self.group.img_url}/{out}"

    def absolute_image(self, out: str) -> str:
        absolute = self._absolute.get(out)
        if absolute is None:  # every page shows an og:image, most of them the same few
            url = self.asset_image(out)
            absolute = url if "://" in url else urljoin(self.group.url, url)
            self._absolute[out] = absolute
        return absolute

    def thumbnail(self, ctx: UnitContext, page: Page, square: bool = False) -> Thumbnail | None:
        """A card's picture as a cropped thumbnail, with URLs (None without a picture).

        `page` is the page the card shows; `ctx` the unit whose layout shows it;
        `square` for a member's photo (a round frame)."""
        if not page.picture:
            return None
        self.images.note_use(ctx, page.picture, page.path, page.line_of("picture"))
        try:
            thumb = self.images.thumbnail(ctx, page.picture, square)
        except ImageError as exc:  # told at the picture's line, not also at the link's path
            ctx.problems.error(page.path, page.line_of("picture"), str(exc), exc.hint)
            return None
        return Thumbnail(self.asset_image(thumb.src),
                         tuple((mime, self.asset_image(u)) for mime, u in thumb.sources),
                         thumb.width, thumb.height)

    def social_image(self, ctx: UnitContext, picture: str) -> str | None:
        """The absolute URL of the 1200x630 og:image."""
        page = ctx.page
        try:
            return self.absolute_image(self.images.social(ctx, picture))
        except ImageError as exc:
            where = (page.path, page.line_of("picture")) if page.picture else (
                self.config.rel(self.config.config_path), None)
            ctx.problems.error(where[0], where[1], str(exc), exc.hint)
            return None

    def locator(self, page: Page) -> Callable[[str], str | None]:
        """For decorate_images: a src on `page` -> its source under content/images/."""
        page_dir = posixpath.dirname(page.output)

        def locate(src: str) -> str | None:
            target = output_target(src, page_dir, self.group.base_path, self.group.img_url)
            if target and target.startswith("images/") and target in self.sources:
                return target[len("images/"):]
            return None
        return locate
