"""The loader: content/**/*.md into typed `Page`s, every mistake at its line.

Two header forms are read: the bare `key: value` block ended by a blank line
(the form of the real content this tool replaces) and YAML between `---`
lines. A file with neither has no header; its title is its first heading.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from coursesite.config.site import SiteConfig
from coursesite.content.fences import Fence, fences
from coursesite.content.fields import Fields, picture_exists
from coursesite.content.header import Header, decode, parse_header, read_page_file
from coursesite.content.meta import EVENT_FOLDERS
from coursesite.content.nesting import too_deep
from coursesite.content.page import MetaValue, Page, page_outline
from coursesite.content.placing import place_page
from coursesite.content.sources import Root, find_pages, identity, root_of
from coursesite.digest import digest_of
from coursesite.errors import ConfigError, ContentError, Diagnostic, Problems
from coursesite.fsutil import Stats
from coursesite.parallel import forked_map

# A heading line, matched where a line starts (up to its end: `(?![^\n])`).
HEADING = re.compile(r"(#{1,6})[ \t]*([^#\s][^\n]*?)[ \t]*#*[ \t]*(?![^\n])")
TYPED = {"title", "description", "groups", "picture", "date", "order", "template", "slug",
         "category", "status", "redirect"}


class PageCache(Protocol):
    """What the loader asks of the build state: pages as the last build loaded them."""

    def cached_page(self, source: str, content_path: str, loader_key: str,
                    stat: tuple[int, int] | None) -> Page | None: ...

    def remember_page(self, page: Page, loader_key: str, stat: tuple[int, int]) -> None: ...


def loader_key(config: SiteConfig) -> str:
    """All of site.yaml a page's loading depends on: a page loaded under other settings
    is read again (under a higher limits.yaml_nodes, say, or with other groups)."""
    groups = [(name, str(g.content_dir), [item.url for item in g.nav])
              for name, g in config.groups.items()]
    return digest_of(groups, config.default_groups, config.list_fields, config.ungrouped,
                     config.limits.yaml_nodes, config.limits.nesting)


def load_pages(config: SiteConfig, problems: Problems, drafts: bool = False,
               cache: PageCache | None = None, stats: Stats | None = None,
               jobs: int = 1) -> list[Page]:
    """Load every page, reporting each mistake to `problems`.

    A page whose header has errors is kept, marked broken, so that links to it
    still resolve and the build can go on to report the other errors of that page
    (its body is rendered to be checked, never written) and of the others.
    With a `cache`, a page whose file has the size and mtime of the last build
    (in `stats`, the build's scan of the files) is taken from it. The others
    are read in `jobs` processes when there are many.
    """
    picture_exists.cache_clear()  # a long-lived process (serve) sees pictures come and go
    key = loader_key(config)
    images = str(config.content_dir / "images")
    found_pages = find_pages(config, problems, stats)
    sources = [source for _, source in found_pages]
    if not sources and not problems.errors:  # a wrong 'content:', or no page written yet
        line = config.line_of("content") if ("content",) in config.lines else None
        raise ConfigError(config.rel(config.config_path), line,
                          f"the content folder {config.rel(config.content_dir)} holds no page",
                          "pages are *.md files with a header (title:, groups:) and a text; "
                          "check 'content:' in site.yaml")
    kept: dict[str, Page] = {}
    if cache is not None and stats is not None:
        for root, source in found_pages:
            page = cache.cached_page(source, identity(root, source)[0], key, stats.get(source))
            # A page whose picture has gone is read again, to report that.
            if page is not None and (not page.picture or picture_exists(images, page.picture)):
                kept[source] = page
    read = read_pages(config, [source for source in sources if source not in kept], jobs)
    pages = []
    for source in sources:
        page = kept.get(source)
        if page is None:
            page, found = read[source]
            problems.items.extend(found)
            if page is None:
                continue
            stat = stats.get(source) if stats is not None else None
            if cache is not None and not found and stat is not None:
                # The stat of the scan, taken before the file was read: a file saved again
                # meanwhile has another one by the next build, and is read again.
                cache.remember_page(page, key, stat)
        if drafts or page.status != "draft":
            pages.append(page)
    return pages


PARALLEL_FROM = 1000  # pages to read: fewer are read faster by this process alone


def read_pages(config: SiteConfig, sources: list[str],
               jobs: int) -> dict[str, tuple[Page | None, list[Diagnostic]]]:
    """Each file read into a page (None if it cannot be) with the mistakes found in it."""
    if jobs <= 1 or len(sources) < PARALLEL_FROM:
        return {source: read_page(config, source) for source in sources}
    size = -(-len(sources) // (jobs * 4))
    pieces = [sources[start:start + size] for start in range(0, len(sources), size)]
    read = forked_map(lambda piece: [read_page(config, source) for source in piece],
                      pieces, jobs)
    return dict(zip(sources, (page for piece in read for page in piece), strict=True))


def read_page(config: SiteConfig, source: str) -> tuple[Page | None, list[Diagnostic]]:
    problems = Problems()
    try:
        return load_page(config, source, problems), problems.items
    except ContentError as exc:
        problems.add(exc)
        return None, problems.items


def content_path_of(source: str | Path, config: SiteConfig) -> str | None:
    """'courses/intro.md' for content/courses/intro.md; None outside every content folder."""
    root = root_of(config, str(source))
    return None if root is None else identity(root, str(source))[0]


def load_page(config: SiteConfig, source: str | Path, problems: Problems) -> Page:
    source = str(source)
    root = root_of(config, source)
    if root is None:
        raise ContentError(config.rel(Path(source)), None, "the file is in no content folder")
    content_path, rel = identity(root, source)
    shown = f"{root.shown}/{rel}"
    data = read_page_file(source, shown, config.limits.page_bytes)
    text = decode(data, shown)
    header = parse_header(text, shown, problems, config.limits.yaml_nodes,
                          ("groups", *config.list_fields))
    before = len(problems.errors)
    page = _typed_page(config, source, shown, (content_path, rel, root), header, problems)
    page.broken = len(problems.errors) > before
    page.digest = hashlib.sha256(data).hexdigest()
    page.outline = digest_of(page_outline(page))
    return page


def _typed_page(config: SiteConfig, source: str, shown: str, where: tuple[str, str, Root],
                header: Header, problems: Problems) -> Page:
    content_path, rel, root = where
    values, lines = header.values, header.lines
    fields = Fields(shown, values, lines, problems)
    body, title = header.body, fields.text("title")
    from_heading = not title
    if from_heading:
        body, title = _title_from_heading(body)
    data_only = _data_only(title, values, body, rel)
    groups = fields.groups(config, root.group, rel)
    # A page in no group is in no output: its picture is not looked for (a site this
    # site.yaml does not build may have it). Its other fields are read as always.
    picture = fields.picture(config) if groups or config.ungrouped == "error" else None
    page = Page(
        source=source, path=shown, content_path=content_path, title=title, body_text=body,
        body_line=header.body_line, description=fields.text("description"),
        groups=groups, picture=picture,
        date=fields.date(), order=fields.order(), template=fields.text("template") or None,
        slug=fields.slug(), category=fields.text("category"), status=fields.status(),
        redirect=fields.text("redirect") or None, lines=dict(lines),
        meta=_meta(values, config.list_fields), title_from_heading=from_heading,
        rel=rel, own_group=root.group, data_only=data_only,
    )
    if not title and not data_only:
        _no_title(config, page, problems)
    deep = too_deep(body, config.limits.nesting)
    if deep:  # Markdown would recurse past Python's limit, or take minutes
        problems.error(shown, header.body_line + deep[0], f"{deep[1]}: Markdown takes "
                       f"{config.limits.nesting} levels at most",
                       "nest less deeply, or raise limits.nesting in site.yaml")
        page.unrenderable = True
    place_page(page, fields.path("save_as"), fields.path("url"))
    return page


def _data_only(title: str, values: dict[str, MetaValue], body: str, rel: str) -> bool:
    """An empty `title:` on a page with no text, or on an event, is a data item a layout
    lists (a calendar entry, its text in content_before or content_after): it gets no
    page of its own (nor had it one on the real tree's sites)."""
    folder = rel.rpartition("/")[0].rpartition("/")[2]
    return not title and "title" in values and (
        not body.strip() or "content_before" in values or "content_after" in values
        or folder in EVENT_FOLDERS)


def _no_title(config: SiteConfig, page: Page, problems: Problems) -> None:
    """A page with no title is an error; with `ungrouped: skip` it is left out with a
    warning, as Pelican leaves it out (a page with no groups is no error there either)."""
    hint = ("add 'title: …' to the header, or start the body with a heading; a file that "
            "is no page is left out by 'exclude:' in site.yaml")
    line = page.lines.get("title", 1)
    if config.ungrouped == "skip":
        if page.groups:  # one that names none was reported as left out already
            problems.warning(page.path, line, "the page has no title: it is left out", hint)
        page.groups = ()
    else:
        problems.error(page.path, line, "the page has no title", hint)


def _meta(values: dict[str, MetaValue], list_fields: tuple[str, ...]) -> dict[str, MetaValue]:
    meta: dict[str, MetaValue] = {}
    for key, value in values.items():
        if key in list_fields and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        meta[key] = value
    return meta


def _title_from_heading(body: str) -> tuple[str, str]:
    """The first heading outside code as title, and the body without it when nothing but
    blank lines comes before it (the layout shows the title)."""
    code: Iterator[Fence] | None = None  # read only as far as the headings are
    fence: Fence | None = None  # the first that does not end before the heading
    for heading in _headings(body):
        start = heading.start()
        if code is None:
            if body.find("```", 0, start) < 0 and body.find("~~~", 0, start) < 0:
                return _taken(body, heading)  # no fence opens before it: most bodies
            code = fences(body)
            fence = next(code, None)
        while fence is not None and fence.end < start:
            fence = next(code, None)
        if fence is None or fence.start > start:
            return _taken(body, heading)
    return body, ""


def _taken(body: str, heading: re.Match[str]) -> tuple[str, str]:
    start = heading.start()
    if body[:start].strip():
        return body, heading.group(2)
    return body[:start] + body[heading.end():], heading.group(2)


def _headings(body: str) -> Iterator[re.Match[str]]:
    """The heading lines of a body, in order (found from one '\\n#' to the next)."""
    start = 0
    while start >= 0:
        heading = HEADING.match(body, start)
        if heading:
            yield heading
        start = body.find("\n#", start)
        if start >= 0:
            start += 1


