"""Links as authors write them, resolved for one group.

Authors link to other pages by their .md files (relative, or `{filename}/…` as
in Pelican trees) or as `[category/slug]`; those become the page's URL in the
current group, or its absolute URL on the first group that has it. What the
build then writes is checked by linkcheck.py.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

from coursesite.config.site import SiteConfig
from coursesite.content import GroupSite, Page
from coursesite.errors import did_you_mean
from coursesite.render.unit import UnitContext

EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


class LinkError(Exception):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass
class Linker:
    """Resolves page links for one group, looking into the others when needed.

    Each question a unit asks is noted in its context (`deps`): its cache key is
    made from the answers (`dep_value`).
    """

    config: SiteConfig
    site: GroupSite
    sites: dict[str, GroupSite]  # every group, in site.yaml order
    all_pages: dict[str, Page]  # content path -> page, whatever its groups

    def dep_value(self, dep: tuple[str, ...]) -> object:
        """The answer to a recorded question now: what the build cache compares."""
        try:
            if dep[0] == "page":
                target = self.all_pages.get(dep[1])
                return None if target is None else (self.page_href(target), target.title)
            if dep[0] == "ref":
                return self.find_ref(dep[1], dep[2] or None)
        except LinkError as exc:
            return exc.message
        return None

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

    def resolve(self, ctx: UnitContext, value: str) -> str:
        """The href to write for what an author wrote on the unit's page; raises LinkError."""
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
            path = posixpath.normpath(posixpath.join(ctx.page.folder, unquote(target)))
        ctx.deps.append(("page", path))
        found = self.all_pages.get(path)
        if found is None:
            raise LinkError(f"link '{value}' points to no page",
                            self.no_page_hint(ctx.page, unquote(target), path))
        return self.page_href(found) + (sep + fragment if sep else "")

    def no_page_hint(self, page: Page, written: str, path: str) -> str:
        """The page the author may have meant, written as they wrote theirs (relative to
        their page, from the content folder or as `{filename}`), or what was looked for."""
        if written.startswith("{filename}"):
            prefix = "{filename}/" if written.startswith("{filename}/") else "{filename}"
            spelled = {prefix + other: other for other in self.all_pages}
        elif written.startswith("/"):
            spelled = {"/" + other: other for other in self.all_pages}
        else:
            spelled = {posixpath.relpath(other, page.folder or "."): other
                       for other in self.all_pages}
        near = did_you_mean(written, [w for w, other in spelled.items()
                                      if other != page.content_path])
        if near:
            return near
        if (self.config.content_dir / path).is_file():
            return (f"content/{path} is not built: it is a draft (built with --drafts) or "
                    "could not be read")
        return f"there is no content/{path}"

    def page_ref(self, ctx: UnitContext, ref: str, group: str | None) -> tuple[str, str]:
        """`[category/slug]` (optionally in a named group) as (href, title)."""
        ctx.deps.append(("ref", ref, group or ""))
        return self.find_ref(ref, group)

    def find_ref(self, ref: str, group: str | None) -> tuple[str, str]:
        """page_ref's answer, asked for no unit (the cache key's answers)."""
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


@dataclass(frozen=True, slots=True)
class UnitLinks:
    """What the Markdown extensions ask of one unit (a markdown.extensions.Target): its
    links resolved for its group, and its mistakes reported at their body lines."""

    linker: Linker
    ctx: UnitContext

    def rewrite(self, tag: str, value: str) -> str:
        ctx = self.ctx
        try:
            resolved = self.linker.resolve(ctx, value)
        except LinkError as exc:
            ctx.failed.add(value)  # reported here: not again as a link to no file
            ctx.problems.error(ctx.page.path, ctx.lines.place(value)[0], exc.message,
                               exc.hint)
            return value
        spellings = ctx.written.setdefault(resolved, [])
        if value not in spellings:  # a body converted again asks its links again
            spellings.append(value)
        return resolved

    def page_ref(self, ref: str, group: str | None, source: str) -> tuple[str, str] | None:
        ctx = self.ctx
        try:
            return self.linker.page_ref(ctx, ref, group)
        except LinkError as exc:
            ctx.problems.error(ctx.page.path, ctx.lines.line(source), exc.message, exc.hint)
            return None

    def problem(self, message: str, written: str, hint: str) -> None:
        ctx = self.ctx
        ctx.problems.error(ctx.page.path, ctx.lines.line(written), message, hint)
