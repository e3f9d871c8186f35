"""Links: resolving what authors write, and checking what the build writes.

Authors link to other pages by their .md files (relative, or `{filename}/…` as
in Pelican trees) or as `[category/slug]`; those become the page's URL in the
current group, or its absolute URL on the first group that has it. After
rendering, every href and src of every written page must point at a file of
the group's output, at another group's site, or outside.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from coursesite.config import SiteConfig
from coursesite.errors import did_you_mean
from coursesite.structure import GroupSite, Page

ATTRIBUTE = re.compile(r"""\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
OUTSIDE = "\0outside"
EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


class LinkError(Exception):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass
class Linker:
    """Resolves page links for one group, looking into the others when needed."""

    config: SiteConfig
    site: GroupSite
    sites: dict[str, GroupSite]  # every group, in site.yaml order
    all_pages: dict[str, Page]  # content path -> page, whatever its groups

    def href(self, page: Page) -> str:
        return f"{self.site.group.base_path}/{page.url}"

    def page_href(self, target: Page) -> str:
        """The target's URL here, or absolute on the first group that has it."""
        if target.content_path in self.site.by_content_path:
            return self.href(target)
        for site in self.sites.values():
            if target.content_path in site.by_content_path:
                return site.group.absolute(target.url)
        raise LinkError(f"'{target.path}' is in no group that is built",
                        "give it a 'groups:' line or remove its 'status: draft'")

    def resolve(self, page: Page, value: str) -> str:
        """The href to write for what an author wrote; raises LinkError."""
        if value.startswith("{static}"):
            return f"{self.site.group.img_url}/{value[len('{static}'):].lstrip('/')}"
        target, sep, fragment = value.partition("#")
        is_filename = target.startswith("{filename}")
        if not (is_filename or (target.endswith(".md") and not EXTERNAL.match(target))):
            return value
        if is_filename:
            path = posixpath.normpath(target[len("{filename}"):].lstrip("/"))
        elif target.startswith("/"):
            path = posixpath.normpath(target.lstrip("/"))
        else:
            path = posixpath.normpath(posixpath.join(page.folder, unquote(target)))
        found = self.all_pages.get(path)
        if found is None:
            raise LinkError(f"link to '{value}': there is no page content/{path}",
                            did_you_mean(path, self.all_pages))
        return self.page_href(found) + (sep + fragment if sep else "")

    def page_ref(self, ref: str, group: str | None) -> tuple[str, str]:
        """`[category/slug]` (optionally in a named group) as (href, title)."""
        category, _, slug = ref.partition("/")
        if group is not None and group not in self.sites:
            raise LinkError(f"'[{ref}, group: {group}]' names unknown group '{group}'",
                            did_you_mean(group, self.sites))
        sites = [self.sites[group]] if group else [self.site, *self.sites.values()]
        for site in sites:
            for candidate in site.pages:
                if candidate.category == category and candidate.slug == slug:
                    href = (self.href(candidate) if site is self.site
                            else site.group.absolute(candidate.url))
                    return href, candidate.title
        names = {f"{p.category}/{p.slug}" for p in self.all_pages.values()}
        raise LinkError(f"'[{ref}]' names no page", did_you_mean(ref, names))


def attribute_values(html: str) -> Iterable[str]:
    for match in ATTRIBUTE.finditer(html):
        yield match.group(1) if match.group(1) is not None else match.group(2)


def output_target(value: str, page_dir: str, base_path: str, img_url: str) -> str | None:
    """The output file a link points at, or None for an external link.

    Returns a path relative to the group's output folder, or OUTSIDE for a
    link that leaves the group's base path (an error too).
    """
    if not value or value.startswith(("#", "data:")):
        return None
    if EXTERNAL.match(img_url) and value.startswith(img_url + "/images/"):
        return value[len(img_url) + 1:].split("#")[0].split("?")[0]
    if EXTERNAL.match(value):
        return None
    path = unquote(urlsplit(value).path)
    if not path:
        return None
    if path.startswith("/"):
        if base_path and not (path == base_path or path.startswith(base_path + "/")):
            return OUTSIDE
        rel = path[len(base_path):].lstrip("/")
    else:
        rel = posixpath.normpath(posixpath.join(page_dir, path))
        if rel.startswith(".."):
            return OUTSIDE
        rel = "" if rel == "." else rel + ("/" if path.endswith("/") else "")
    if rel == "" or rel.endswith("/"):
        return rel + "index.html"
    return rel


def file_exists(target: str, files: set[str]) -> bool:
    return target in files or f"{target}/index.html" in files
