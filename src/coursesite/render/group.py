"""One group's pages: their context, layout and links, rendered one unit at a time.

A unit is one page in one group. It is rendered into the group's staging
folder (never into output/), and what the rest of the build needs of it comes
back as a `UnitResult`, which the build cache also keeps. What it gathers while
it renders is in its own `UnitContext` (unit.py), handed down every call; the
layouts' variables are context.py's.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from markupsafe import Markup
from pygments.formatters import HtmlFormatter

from coursesite.config.site import SiteConfig
from coursesite.content import GroupSite, Page
from coursesite.deadline import TimeUp, time_limit
from coursesite.errors import ContentError, Diagnostic, Problems, SiteError
from coursesite.fsutil import make_dirs_below
from coursesite.images.decorate import decorate_images
from coursesite.images.sources import SourceInfo
from coursesite.images.store import ImageNotes, ImageStore, Planned
from coursesite.render import attachments
from coursesite.render.body import BodyRenderer, Converted
from coursesite.render.collections import downloads, event_texts
from coursesite.render.context import LayoutContext
from coursesite.render.layouts import Layouts
from coursesite.render.linkcheck import LinkChecker, PageLinks, extract_links
from coursesite.render.links import Linker, UnitLinks
from coursesite.render.nav import missing_nav
from coursesite.render.sitemap import atom_feed, robots_txt, sitemap_xml
from coursesite.render.sourcelines import layout_line
from coursesite.render.unit import UnitContext
from coursesite.render.unitkey import UnitKeys

HIGHLIGHT_CSS = "css/highlight.css"
GENERATED = ("sitemap.xml", "robots.txt", "feed.xml", HIGHLIGHT_CSS)
TOO_SLOW: set[bytes] = set()  # hashes of bodies that ran out of time to convert


@dataclass
class UnitResult:
    """One page rendered in one group: what the parent process and the cache need of it."""

    group: str
    output: str
    counted: bool  # a page of the content (not the 404 page or a generated home)
    ok: bool
    digest: str  # sha256 of the bytes written
    size: int
    links: PageLinks
    plan: list[tuple[str, Planned]]  # image outputs the page shows
    uses: list[tuple[str, str, int]]  # (image, page, line) for image errors
    problems: list[Diagnostic]
    deps: Sequence[Sequence[str]]  # the questions it asked, for its cache key
    infos: dict[str, SourceInfo] = field(default_factory=dict)
    reused: bool = False  # kept from the previous output
    checked: bool = False  # a page with errors, rendered only to check it: never written
    record: Any = None  # what the build state keeps of it (made where it rendered)

    @classmethod
    def failed(cls, group: str, output: str, problems: Problems) -> UnitResult:
        return cls(group, output, False, False, "", 0, PageLinks([], []), [], [],
                   problems.items, [])


@dataclass
class GroupOutput:
    units: dict[str, UnitResult] = field(default_factory=dict)  # output path -> its page
    files: dict[str, bytes] = field(default_factory=dict)  # files made from the whole group
    images: set[str] = field(default_factory=set)  # output paths under images/
    # Files beside pages that pages link to (attachments.py): output path -> source,
    # relative to the site root.
    attachments: dict[str, str] = field(default_factory=dict)
    pages: int = 0
    listings: set[str] = field(default_factory=set)  # output paths of the listing pages
    external: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # url -> where


@functools.cache
def highlight_css() -> str:
    """Pygments' styles, light and dark: the same for every group, made once.

    Dark follows the system unless the reader chose with the theme's switch
    (data-theme), as the theme's own colours do. Monokai's comments on its
    highlighted lines are brightened to pass WCAG AA contrast.
    """
    light = styles("default", [".highlight"])
    chosen = ':root[data-theme="dark"] .highlight'
    system = ':root:not([data-theme="light"]) .highlight'
    return (f"{light}\n{styles('monokai', [chosen])}\n"
            f"@media (prefers-color-scheme: dark) {{\n{styles('monokai', [system])}\n}}\n")


def styles(style: str, prefixes: list[str]) -> str:
    css: str = HtmlFormatter(style=style).get_style_defs(prefixes)  # type: ignore[no-untyped-call]
    if style == "monokai":
        for prefix in prefixes:
            css += (f"\n{prefix} .hll {{ background-color: #3e3d32 }}"
                    f"\n{prefix} .c, {prefix} .c1, {prefix} .cm, {prefix} .ch, {prefix} .cs, "
                    f"{prefix} .cpf {{ color: #b0ab90 }}")
    return css


def group_files(site: GroupSite, url: Callable[[Page], str]) -> dict[str, str]:
    """The files made from the whole group rather than from one page."""
    return {
        "sitemap.xml": sitemap_xml(site),
        "robots.txt": robots_txt(site),
        "feed.xml": atom_feed(site, url),
        HIGHLIGHT_CSS: highlight_css(),
    }


def later_pages(site: GroupSite) -> tuple[list[Page], list[Diagnostic]]:
    """The later pages of the group's paginated listings, and an error for each that a
    page of the content is at the URL of (that page is kept; the listing loses one)."""
    pages, clashes = [], []
    for page in site.collections.later_pages():
        other = site.by_url.get(page.output)
        if other is None:
            pages.append(page)
            continue
        clashes.append(Diagnostic(
            other.path, other.line_of("slug"),
            f"'{other.url}' is also the URL of page {page.pager} of the listing {page.path}",
            "give this page another 'slug:' or file name: page/<n>/ below a listing "
            "is the listing's", groups=(site.group.name,)))
    return pages, clashes


def virtual_page(config: SiteConfig, title: str, output: str, description: str = "") -> Page:
    """A page with no file: the generated home page, the 404 page."""
    url = "" if output == "index.html" else output
    return Page(source=str(config.content_dir / output), path=config.rel(config.content_dir),
                content_path="", title=title, body_text="", body_line=1, description=description,
                url=url, output=output, is_section=output == "index.html", status="hidden")


def in_layout(config: SiteConfig, layouts: Layouts, layout: str,
              value: str) -> tuple[str, int | None]:
    """The template and line of a layout (or one it extends or includes) that hold the
    link `value`, as written; the layout and no line if none does."""
    sources = layouts.sources(layout)
    found = layout_line({name: text for name, (_, text) in sources.items()}, value)
    if found is None:
        return f"templates/{layout}", None
    name, line = found
    file = Path(sources[name][0])
    own = file.is_relative_to(config.templates_dir)  # else the default theme's
    return config.rel(file) if own else f"templates/{name}", line


def known_outputs(site: GroupSite, later: list[Page], static: set[str],
                  images: ImageStore) -> set[str]:
    """Every file of the group's output a link may point to, those of pages with errors
    too: a link to one is no other mistake."""
    return (static | images.candidates | {p.output for p in site.pages if not p.data_only}
            | {p.output for p in (*later, *site.nav_listings)}
            | {"index.html", "404.html", *GENERATED} | set(downloads(site)))


class GroupRenderer:
    def __init__(self, config: SiteConfig, site: GroupSite, linker: Linker, bodies: BodyRenderer,
                 layouts: Layouts, images: ImageStore, static: set[str]):
        self.config, self.site, self.linker = config, site, linker
        self.group = site.group
        self.bodies, self.layouts, self.images = bodies, layouts, images
        self.build_problems = Problems()
        self.home = site.home or virtual_page(config, self.group.title, "index.html",
                                              self.group.description)
        self.context = LayoutContext(config, site, self.home, linker, images)
        self.later, self.clashes = later_pages(site)  # news/page/2/ and on
        known = known_outputs(site, self.later, static, images)
        # Reported once, at site.yaml's line (begin), not by every layout that shows it.
        self.nav_problems = missing_nav(config, self.group, known)
        known |= {target for target, _ in self.nav_problems}
        self.reserved = attachments.Reserved(known)  # what no attachment may replace
        self.checker = LinkChecker(site, known, images, lambda page, value: in_layout(
            config, layouts, self.context.layout_of(page), value))
        self.keys = UnitKeys(config, site, self.home, linker, layouts, images, self.context)
        self.out = GroupOutput()
        self.page_of: dict[str, Page] = {}  # output path -> page, as accepted
        self._plans: dict[int, list[tuple[str, Planned]]] = {}  # plans taken in, by id

    def pages(self) -> list[Page]:
        """What this group renders: its pages, a generated home if it has none, the 404.

        A page with errors is rendered too, to find the rest of its mistakes in one
        build, unless its body must not reach Markdown."""
        pages = [p for p in self.site.pages if not (p.unrenderable or p.data_only)]
        pages += [*self.later, *self.site.nav_listings]
        if self.site.home is None:
            pages.append(self.home)
        if "404.html" in self.site.by_url:  # a page of its own (Pelican's `save_as: 404.html`)
            return pages
        return [*pages, virtual_page(self.config, "Page not found", "404.html")]

    def begin(self, problems: Problems) -> None:
        self.out = GroupOutput()
        self._plans = {}
        self.build_problems = problems  # the build's; a unit's are in its UnitContext
        problems.items.extend(diagnostic for _, diagnostic in self.nav_problems)
        problems.items.extend(self.clashes)

    def render_unit(self, page: Page, staging: Path) -> UnitResult:
        """Render, decorate and write one page into the staging folder.

        Runs in a worker process when the build is parallel: everything the
        parent needs comes back in the result, nothing is shared.
        """
        ctx = UnitContext(page, self.group)  # all that the unit gathers, and only its own
        problems = ctx.problems
        try:
            html = self.render_page(ctx)
        except SiteError as exc:
            problems.add(exc)
            return UnitResult.failed(self.group.name, page.output, problems)
        html = decorate_images(ctx, html, self.context.locator(page), self.images,
                               self.context.asset_image)
        html = attachments.add_titles(html, ctx.deps, self.group.base_path, self.config.root)
        links = extract_links(ctx, html)
        self.checker.plan_linked(ctx, links)
        data = html.encode("utf-8")
        if not page.broken:
            target = staging / page.output
            # Never the staging folder itself: a worker that outlives a build stopped
            # meanwhile would make again, unmarked, what the next build removed.
            make_dirs_below(staging, target.parent)
            target.write_bytes(data)
        plan = [(out, self.images.plan[out]) for out in sorted(ctx.recorded)]
        sources = sorted({planned.source for _, planned in plan} | {u[0] for u in ctx.uses})
        if page.content_path and (names_pages(page.body) or self.bodies.is_full_page(page)):
            ctx.deps.append(("pages",))
        return UnitResult(
            group=self.group.name, output=page.output, counted=bool(page.content_path),
            ok=not (problems.errors or page.broken), checked=page.broken,
            digest="" if page.broken else hashlib.sha256(data).hexdigest(), size=len(data),
            links=links, plan=plan, uses=ctx.uses, problems=problems.items,
            deps=[*dict.fromkeys(ctx.deps), *(("image", rel) for rel in sources)],
            infos=self.images.sources.infos(sources))

    def accept(self, page: Page, result: UnitResult,
               changed_outputs: set[str] | None = None) -> None:
        """Take in a unit rendered here, in a worker, or kept from the last build.

        `changed_outputs`: when only these pages' bodies changed since the last good
        build, a kept unit's links are known good but for anchors into them.
        """
        if result.problems:  # found in this group: reported once for all it is found in
            mine = (self.group.name,)
            self.build_problems.items.extend(replace(d, groups=mine) for d in result.problems)
        # What taking the unit in plans (the images its links show) is the group's.
        notes = ImageNotes(self.out.images)
        if result.infos:
            self.images.sources.merge(result.infos)
        plan = result.plan
        if self._plans.get(id(plan)) is not plan:  # kept pages share plans: take each in once
            self._plans[id(plan)] = plan  # held, so that no other list can come to have its id
            self.images.plan.update(plan)
            self.out.images.update(out for out, _ in plan)
        for rel, where, line in result.uses:
            self.images.note_use(notes, rel, where, line)
        files = attachments.taken(page, result.deps, self.reserved, self.build_problems)
        self.out.attachments.update(files)  # kept pages' too
        self.checker.known.update(files)
        if result.reused and changed_outputs is not None:
            self.checker.carry(page, result.links, changed_outputs)
        elif result.digest or result.checked:
            # Only a rendered page: one that could not be rendered has no anchors to check
            # links against, and its own error is the one to report, not its linkers'.
            self.checker.evaluate(page, result.links, self.build_problems, notes)
        if page.broken:
            return  # no file of the output, rendered or not
        self.out.units[page.output] = result
        self.out.pages += result.counted
        if self.site.collections.listing(page) is not None:
            self.out.listings.add(page.output)
        self.page_of[page.output] = page

    def replace_unit(self, page: Page, result: UnitResult, problems: Problems) -> bool:
        """Put a unit rendered again (by `serve`) in place of the one the build made.

        False when it shows an image the build has not made: a job for a build.
        """
        if any(out not in self.out.images for out, _ in result.plan) or any(
                dep[0] == "file" and dep[2] not in self.out.attachments for dep in result.deps):
            return False
        # What the check plans is noted nowhere (as before units had contexts): `serve`
        # moves in the page alone, never an image.
        self.checker.recheck(page, result.links, problems, ImageNotes())
        self.out.units[page.output] = result
        return True

    def finish(self) -> GroupOutput:
        """Check the anchors and add the files made from the whole group."""
        self.checker.finish(self.build_problems)
        self.out.external = self.checker.external
        for name, text in group_files(self.site, self.context.url).items():
            self.out.files[name] = text.encode("utf-8")
        self.out.files.update(downloads(self.site))
        self.out.files.update(attachments.publish(self.config, self.out.attachments,
                                                  self.build_problems))
        return self.out

    # -- what a unit depends on (unitkey.py) --------------------------------

    def unit_key(self, page: Page, deps: Sequence[Sequence[str]]) -> str:
        """A hash of everything the page's bytes in this group are made from."""
        return self.keys.unit_key(page, deps)

    # -- one page -----------------------------------------------------------

    def render_page(self, ctx: UnitContext) -> str:
        page = ctx.page
        context = self.context.page_context(ctx)
        if page.redirect:
            href = self.context.redirect_href(ctx, page.redirect)
            context["redirect_href"] = href
            context["redirect_absolute"] = urljoin(self.group.url, href)
            return self.layouts.render("redirect.html", context)
        links = UnitLinks(self.linker, ctx)  # what the Markdown hooks ask, for this unit
        listing = context["listing"]
        if listing is not None and listing.layout == "calendar-archive":
            context["event_texts"] = event_texts(ctx, listing.pages, self.site.collections,
                                                 self.linker, self.convert)
        if self.bodies.is_full_page(page):
            return self.bodies.render_full(links, page, context)
        text = self.bodies.expand(links, page, self.context.body_context(page))
        html, toc = "", []
        if text.strip():
            before = len(ctx.problems.items)
            converted, key = self.convert(page, links, text)
            html, toc = converted.html, converted.toc
            if key and html and len(ctx.problems.items) == before:
                self.bodies.keep(key, converted)  # converted here, and without a problem
        context["content"] = Markup(html)
        context["toc"] = toc if html else []
        # At 200 words a minute, as Medium and Material's blog plugin count.
        context["reading_minutes"] = max(1, round(len(text.split()) / 200)) if html else 0
        layout = self.context.layout_of(page)
        if page.template and not self.layouts.exists(layout):  # reported by check_layouts
            layout = self.context.default_layout(page)
        return self.layouts.render(layout, context)

    def convert(self, page: Page, links: UnitLinks, text: str) -> tuple[Converted, str]:
        return convert_in_time(self.bodies, self.config.limits.render_seconds, page, links,
                               text)


def convert_in_time(bodies: BodyRenderer, seconds: int, page: Page, links: UnitLinks,
                    text: str) -> tuple[Converted, str]:
    """The body's Markdown converted, within limits.render_seconds and Python's stack.

    A body that ran out of time is not tried again in this process (the page's
    other groups, or serve's build after its quick re-render): each try would
    cost the whole limit again.
    """
    tried = hashlib.sha256(f"{seconds}\0{text}".encode(errors="surrogatepass")).digest()
    try:
        if tried in TOO_SLOW:
            raise TimeUp
        with time_limit(seconds):
            return bodies.convert(links, text)
    except SiteError:
        raise
    except RecursionError:  # nesting the loader's check (content/nesting.py) missed
        raise ContentError(page.path, page.body_line, "the page nests too deeply for "
                           "Markdown", "nest its lists, quotes or HTML less deeply"
                           ) from None
    except TimeUp:  # blamed on its longest line: where such runs are
        TOO_SLOW.add(tried)
        lines = page.body.split("\n")
        longest = max(range(len(lines)), key=lambda n: len(lines[n]))
        raise ContentError(page.path, page.body_line + longest, "the page body takes "
                           f"longer than {seconds} s to convert from Markdown",
                           "look for long runs of *, _, [ or < in it, or raise "
                           "limits.render_seconds in site.yaml") from None
    except Exception as exc:  # an extension of site.yaml's markdown_extensions failed
        if not bodies.markdown.more:
            raise
        raise ContentError(page.path, page.body_line, "Markdown could not convert the page: "
                           f"{type(exc).__name__}: {exc}", "one of markdown_extensions in "
                           "site.yaml failed on it: check its options") from None


def names_pages(body: str) -> bool:
    """Whether a body may name the `pages` variable (inside a {{ }} or {% %} tag): it can
    show every listed page's body, so it depends on all of them. The word in text does
    not; a body with many such words is taken to name it (a bounded search)."""
    if "{{" not in body and "{%" not in body:
        return False
    for count, match in enumerate(re.finditer(r"\bpages\b", body)):
        at = match.start()
        opened = max(body.rfind("{{", 0, at), body.rfind("{%", 0, at))
        if count >= 100 or opened > max(body.rfind("}}", 0, at), body.rfind("%}", 0, at)):
            return True
    return False
