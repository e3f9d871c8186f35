"""A page as the loader reads it: the same for every group it belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

MetaValue = str | list[str]


@dataclass
class Page:
    # The .md file's absolute path, as a string: a build restores 10,000 pages from its
    # cache, and making a Path of each would cost a twentieth of a one-page rebuild.
    source: str
    path: str  # as shown in messages: relative to the site root
    # What tells it from every other page (the build state's key): relative to content/,
    # e.g. "courses/intro.md"; a page of a group's own content folder (SPEC §7) is
    # "<that folder, from the site root>/<rel>".
    content_path: str
    title: str
    body_text: str | None  # None: not read yet (a page restored from the build cache)
    body_line: int  # the file line on which the body starts
    description: str = ""
    groups: tuple[str, ...] = ()
    picture: str | None = None  # under content/images/
    date: datetime | None = None
    order: int | None = None
    template: str | None = None
    slug: str = ""
    category: str = ""
    status: str = "published"
    redirect: str | None = None
    meta: dict[str, MetaValue] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # header key -> file line
    url: str = ""  # site path, "" for the home page, else ending in "/" or ".html"
    output: str = "index.html"  # file written inside output/<group>/
    is_section: bool = False
    folder: str = ""  # the content folder holding the page ("" at the top)
    # Its header has errors: a link target, rendered only to check its body (never
    # written), in no listing.
    broken: bool = False
    digest: str = ""  # sha256 of the file's bytes: what the build cache compares
    title_from_heading: bool = False  # the body lost its first heading to the title
    outline: str = ""  # a hash of all but its body: what other pages can show of it
    # Its body nests too deeply for Markdown (content/nesting.py): never rendered at all.
    unrenderable: bool = False
    rel: str = ""  # relative to its content folder: where it lands, what links name
    own_group: str | None = None  # it is in this group's own content folder, and only there
    # An empty `title:`: data a layout lists (a calendar item), with no page of its own.
    data_only: bool = False
    # The key of the BibTeX entry it shows (a publication's page, content/publications.py);
    # what changes of it is in its outline, not in a body.
    entry: str = ""
    # The n-th page (from 2) of a paginated listing: a copy of its first page at
    # <url>page/<n>/, showing the n-th slice of its items and not its body (collections.py).
    pager: int = 0

    @property
    def body(self) -> str:
        """The Markdown after the header, read from the file when first asked for."""
        if self.body_text is None:
            self.body_text = "\n".join(self.file_lines()[self.body_line - 1:])
        return self.body_text

    def file_lines(self) -> list[str]:
        """The lines of the page's file (its header and its body), any line end made one."""
        with open(self.source, "rb") as file:
            text = file.read().decode("utf-8-sig")
        return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    @property
    def listed(self) -> bool:
        """Whether listings, navigation and the sitemap show this page."""
        return (self.status == "published" and self.redirect is None and not self.broken
                and not self.data_only)

    @property
    def link_text(self) -> str:
        """What a link to the page shows: its `name:` (a member's), else its title."""
        name = self.meta.get("name")
        return name.strip() if isinstance(name, str) and name.strip() else self.title

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)

    def __hash__(self) -> int:
        return hash(self.path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Page) and other.path == self.path


def page_outline(page: Page) -> tuple[object, ...]:
    """Everything of a page that other pages can show: all but its body."""
    return (page.content_path, page.title, page.description, page.groups, page.picture,
            page.date, page.order, page.template, page.slug, page.category, page.status,
            page.redirect, page.url, page.broken, sorted(page.meta.items()), page.own_group,
            page.data_only)
