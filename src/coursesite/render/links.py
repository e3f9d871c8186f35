"""Links as authors write them, resolved for one group.

Authors link to other pages by their .md files (relative, or `{filename}/…` as
in Pelican trees) or as `[category/slug]`; those become the page's URL in the
current group, or its absolute URL on the first group that has it. What the
build then writes is checked by linkcheck.py.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from coursesite.config.site import SiteConfig
from coursesite.content import GroupSite, Page
from coursesite.content.placing import url_folder
from coursesite.errors import closest, did_you_mean
from coursesite.render import attachments
from coursesite.render.unit import UnitContext

EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
PELICAN_FORMS = ("{filename}", "{static}")


class LinkError(Exception):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass
class Linker:
    """Resolves page links for one group, looking into the others when needed.

    Authors name a page by its path in its content folder (`rel`): in a group,
    that is the group's own page there if it has one, else the shared one.
    Each question a unit asks is noted in its context (`deps`): its cache key is
    made from the answers (`dep_value`).
    """

    config: SiteConfig
    site: GroupSite
    sites: dict[str, GroupSite]  # every group, in site.yaml order
    all_pages: dict[str, Page]  # content path -> page, whatever its groups

    @functools.cached_property
    def by_rel(self) -> dict[str, Page]:
        """Every page by its path in its content folder, for a link from this group: the
        group's own first, then the others' (a shared page before another group's own)."""
        found: dict[str, Page] = {}
        ranked = sorted(self.all_pages.values(), key=lambda p: (
            p.own_group is not None and p.own_group != self.site.group.name, p.own_group or ""))
        for page in ranked:
            found.setdefault(page.rel, page)
        found.update(self.site.by_rel)
        return found

    def dep_value(self, dep: tuple[str, ...]) -> object:
        """The answer to a recorded question now: what the build cache compares."""
        try:
            if dep[0] == "page":
                target = self.by_rel.get(dep[1])
                return None if target is None else (self.page_href(target), target.title)
            if dep[0] == "ref":
                return self.find_ref(dep[1], dep[2] or None)
            if dep[0] == "file":  # its link's title shows its size
                return attachments.title_of(self.config.root, dep[1])
        except LinkError as exc:
            return exc.message
        return None

    def href(self, page: Page) -> str:
        return f"{self.site.group.base_path}/{page.url}"

    def page_href(self, target: Page) -> str:
        """The target's URL here, or absolute on the first group that has it (each group
        may place it elsewhere: its own copy of the page says where)."""
        if target.data_only:
            raise LinkError(f"'{target.path}' has no page of its own (its title is empty)",
                            "give it a title, or link to the page that lists it")
        if target.pager:  # a later page of a listing of this group (content/collections.py)
            return self.href(target)
        here = self.site.by_content_path.get(target.content_path)
        if here is not None:
            return self.href(here)
        for site in self.sites.values():
            there = site.by_content_path.get(target.content_path)
            if there is not None:
                return site.group.absolute(there.url)
        raise LinkError(f"'{target.path}' is in no group that is built",
                        "give it a 'groups:' line or remove its 'status: draft'")

    def resolve(self, ctx: UnitContext, value: str) -> str:
        """The href to write for what an author wrote on the unit's page; raises LinkError."""
        if value.startswith(PELICAN_FORMS):
            return self.pelican_link(ctx, value)
        target, sep, fragment = value.partition("#")
        if not target or EXTERNAL.match(target):
            return value
        if not target.endswith(".md"):
            return self.attachment(ctx, value, target)
        if target.startswith("/"):
            path = posixpath.normpath(target.lstrip("/"))
        else:
            path = posixpath.normpath(posixpath.join(ctx.page.folder, unquote(target)))
        ctx.deps.append(("page", path))
        found = self.by_rel.get(path)
        if found is None:
            raise LinkError(f"link '{value}' points to no page",
                            self.no_page_hint(ctx.page, unquote(target), path))
        return self.page_href(found) + (sep + fragment if sep else "")

    def attachment(self, ctx: UnitContext, value: str, target: str) -> str:
        """A file beside the page that it links to (render/attachments.py); its query and
        fragment are kept as written."""
        path = target.partition("?")[0]
        href = self.attachment_href(ctx, unquote(path), value[len(path):])
        return value if href is None else href  # else the link check looks for it

    def attachment_href(self, ctx: UnitContext, written: str, suffix: str) -> str | None:
        try:
            found = attachments.of_page(self.config, ctx.page, written)
        except attachments.AttachmentError as exc:
            raise LinkError(exc.message, exc.hint) from None
        if found is None:
            return None
        ctx.deps.append(("file", *found))
        return f"{self.site.group.base_path}/{quote(found[1])}{suffix}"

    def pelican_link(self, ctx: UnitContext, value: str) -> str:
        """`{filename}path` or `{static}path`: relative to the page, or (with a leading '/'
        or when not found there) to its content folder; a page, or a file in images/."""
        prefix = "{filename}" if value.startswith("{filename}") else "{static}"
        target, sep, fragment = value[len(prefix):].partition("#")
        written = unquote(target)
        tries = [posixpath.normpath(written.lstrip("/"))]
        if not written.startswith("/"):
            tries.insert(0, posixpath.normpath(posixpath.join(ctx.page.folder, written)))
        tail = sep + fragment if sep else ""
        for path in tries:
            if path.endswith(".md"):
                ctx.deps.append(("page", path))
                if path in self.by_rel:
                    return self.page_href(self.by_rel[path]) + tail
            elif path.startswith("images/") and (self.config.content_dir / path).is_file():
                return f"{self.site.group.img_url}/{path}{tail}"
        if any(p.endswith(".md") for p in tries):
            raise LinkError(f"link '{value}' points to no page",
                            self.no_page_hint(ctx.page, prefix + written, tries[-1]))
        for path in tries:  # a file beside the page or in the content folder: attachments.py
            href = self.attachment_href(ctx, "/" + path, tail)
            if href is not None:
                return href
        raise LinkError(f"link '{value}' points to no file",
                        f"there is no content/{tries[-1]}")

    def no_page_hint(self, page: Page, written: str, path: str) -> str:
        """The page the author may have meant, written as they wrote theirs (relative to
        their page, from the content folder or as `{filename}`), or what was looked for."""
        if written.startswith("{filename}"):
            prefix = "{filename}/" if written.startswith("{filename}/") else "{filename}"
            spelled = {prefix + other: other for other in self.by_rel}
        elif written.startswith("/"):
            spelled = {"/" + other: other for other in self.by_rel}
        else:
            spelled = {posixpath.relpath(other, page.folder or "."): other
                       for other in self.by_rel}
        near = did_you_mean(written, [w for w, other in spelled.items() if other != page.rel])
        if near:
            return near
        if (self.config.content_dir / path).is_file():
            return (f"content/{path} is not built: it is a draft (built with --drafts) or "
                    "could not be read")
        return f"there is no content/{path}"

    def page_ref(self, ctx: UnitContext, ref: str, group: str | None) -> tuple[str, str]:
        """`[category/slug]` (optionally in a named group) as (href, text)."""
        ctx.deps.append(("ref", ref, group or ""))
        return self.find_ref(ref, group)

    def find_ref(self, ref: str, group: str | None) -> tuple[str, str]:
        """page_ref's answer, asked for no unit (the cache key's answers). `[tag/slug]` of
        `link_tags` names the page `slug` of the tag's folder, else of that category."""
        category, _, slug = ref.partition("/")
        if group is not None and group not in self.sites:
            raise LinkError(f"'[{ref}, group: {group}]' names unknown group '{group}'",
                            did_you_mean(group, self.sites))
        folder = self.config.link_tags.get(category)
        sites = [self.sites[group]] if group else [self.site, *self.sites.values()]
        for site in sites:
            found = site.by_ref(folder, slug) if folder else site.by_category(category, slug)
            if found is not None:
                href = (self.href(found) if site is self.site
                        else site.group.absolute(found.url))
                return href, found.link_text
        raise LinkError(f"'[{ref}]' names no page", self.left_out(ref, folder)
                        or self.tag_hint(category, slug) or self.near_ref(category, slug))

    def near_ref(self, category: str, slug: str) -> str | None:
        """A page of the same tag or category with a slug like this one: slugs compared
        alone, as 'member/' in front of each made any two names look alike."""
        folder = self.config.link_tags.get(category)
        slugs = {p.slug for p in self.all_pages.values()
                 if (folder in (p.folder, url_folder(p)) if folder else p.category == category)}
        if slugs:
            near = closest(slug, slugs)
            return (f"did you mean '[{category}/{near}]'?" if near is not None
                    else f"no page of {folder or category}/ has the slug '{slug}'")
        names = {f"{p.category}/{p.slug}" for p in self.all_pages.values()}
        return did_you_mean(f"{category}/{slug}", names)  # no such category: a typo in it

    def left_out(self, ref: str, folder: str | None) -> str | None:
        """Why a page that `ref` names is not there to link to, when it is in the tree."""
        category, _, slug = ref.partition("/")
        for page in self.all_pages.values():
            if page.slug == slug and (folder in (page.folder, url_folder(page)) if folder
                                      else page.category == category):
                where = (f"is built into {', '.join(page.groups)} only" if page.groups
                         else "is built into no group")
                return f"{page.path} {where}"
        return None

    def tag_hint(self, tag: str, slug: str) -> str | None:
        """`[member/x]` in a tree whose page x is in folder members: the link_tags entry."""
        if tag in self.config.link_tags:
            return None
        for page in self.all_pages.values():
            if page.slug == slug and page.category != tag:
                return (f"a page '{slug}' is in folder {url_folder(page) or page.folder}: add "
                        f"'link_tags: {{{tag}: {url_folder(page) or page.folder}}}' to site.yaml")
        return None


# The slugs of `[tag/slug]` as the real tree's plugin matched them: letters, digits and
# hyphens (its older versions took no digits either).
TAG_SLUG = re.compile(r"[A-Za-z0-9-]+")


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
        tag, _, slug = ref.partition("/")
        if tag in self.linker.config.link_tags and not TAG_SLUG.fullmatch(slug):
            return None  # no tag to Pelican's plugin, which left it as it was written
        try:
            return self.linker.page_ref(ctx, ref, group)
        except LinkError as exc:
            ctx.problems.error(ctx.page.path, ctx.lines.line(source), exc.message, exc.hint)
            return None

    def problem(self, message: str, written: str, hint: str, at: int | None) -> None:
        ctx = self.ctx
        line = ctx.lines.line(written) + written.count("\n", 0, at or 0)
        ctx.problems.error(ctx.page.path, line, message, hint)
