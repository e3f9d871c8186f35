"""The loader: content/**/*.md into typed `Page`s, every mistake at its line.

Two header forms are read: the bare `key: value` block ended by a blank line
(the form of the real content this tool replaces) and YAML between `---`
lines. A file with neither has no header; its title is its first heading.
"""

from __future__ import annotations

import functools
import hashlib
import os
import posixpath
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from coursesite.config import yamltext
from coursesite.config.site import SiteConfig
from coursesite.content.fences import Fence, fences
from coursesite.content.nesting import too_deep
from coursesite.content.page import MetaValue, Page, page_outline
from coursesite.digest import digest_of
from coursesite.errors import ConfigError, ContentError, Diagnostic, Problems, did_you_mean
from coursesite.fsutil import Stats, files_inside, report_links
from coursesite.parallel import forked_map

KEY_LINE = re.compile(r"^([A-Za-z0-9_-]+):(?:[ \t]+(.*?))?[ \t]*$")
# A heading line, matched where a line starts (up to its end: `(?![^\n])`).
HEADING = re.compile(r"(#{1,6})[ \t]*([^#\s][^\n]*?)[ \t]*#*[ \t]*(?![^\n])")
STATUSES = ("published", "draft", "hidden")
TYPED = {"title", "description", "groups", "picture", "date", "order", "template", "slug",
         "category", "status", "redirect"}


class PageCache(Protocol):
    """What the loader asks of the build state: pages as the last build loaded them."""

    def cached_page(self, source: str, content_path: str, loader_key: str,
                    stat: tuple[int, int] | None) -> Page | None: ...

    def remember_page(self, page: Page, loader_key: str, stat: tuple[int, int]) -> None: ...


@dataclass
class Header:
    values: dict[str, MetaValue]
    lines: dict[str, int]
    body: str
    body_line: int


def find_pages(config: SiteConfig, problems: Problems) -> list[str]:
    """Every page below content/, in a stable order; images/ and hidden folders hold none.

    A page that is a link to a file outside content/ (or to nothing) is an
    error at its path, and a linked folder is not walked: nothing outside
    content/ is ever read.
    """
    root = str(config.content_dir)
    found, links = files_inside(
        root, root, lambda rel: rel == "images" or rel.rpartition("/")[2].startswith("."),
        lambda name: name.endswith(".md") and not name.startswith("."))
    shown = config.rel(config.content_dir)
    report_links(links, shown, shown, "page", problems)
    return [path for _, path in found]


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
    # A page read under a higher limits.yaml_nodes is read again under a lower one.
    loader_key = digest_of(list(config.groups), config.default_groups, config.list_fields,
                           config.limits.yaml_nodes, config.limits.nesting)
    images = str(config.content_dir / "images")
    sources = find_pages(config, problems)
    if not sources and not problems.errors:  # a wrong 'content:', or no page written yet
        line = config.line_of("content") if ("content",) in config.lines else None
        raise ConfigError(config.rel(config.config_path), line,
                          f"the content folder {config.rel(config.content_dir)} holds no page",
                          "pages are *.md files with a header (title:, groups:) and a text; "
                          "check 'content:' in site.yaml")
    kept: dict[str, Page] = {}
    if cache is not None and stats is not None:
        for source in sources:
            page = cache.cached_page(source, content_path_of(source, config), loader_key,
                                     stats.get(source))
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
                cache.remember_page(page, loader_key, stat)
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


def content_path_of(source: str | Path, config: SiteConfig) -> str:
    """'courses/intro.md' for content/courses/intro.md (a string slice: this runs per page)."""
    return str(source)[len(str(config.content_dir)) + 1:].replace(os.sep, "/")


def load_page(config: SiteConfig, source: str | Path, problems: Problems) -> Page:
    source = str(source)
    content_path = content_path_of(source, config)
    shown = config.rel(config.content_dir) + "/" + content_path
    with open(source, "rb") as file:
        data = file.read()
    text = decode(data, shown)
    header = parse_header(text, shown, problems, config.limits.yaml_nodes,
                          ("groups", *config.list_fields))
    before = len(problems.errors)
    page = _typed_page(config, source, shown, content_path, header, problems)
    page.broken = len(problems.errors) > before
    page.digest = hashlib.sha256(data).hexdigest()
    page.outline = digest_of(page_outline(page))
    return page


def decode(data: bytes, shown: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(shown, line, "the file is not valid UTF-8",
                           "save it as UTF-8 in your editor") from None
    if "\0" in text:  # not text: it would go into the HTML as it is
        raise ContentError(shown, text[:text.index("\0")].count("\n") + 1,
                           "the file holds a NUL byte (a binary or damaged file)",
                           "delete the NUL characters in your editor, or move a binary file "
                           "out of content/ (images belong in content/images/)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_header(text: str, shown: str, problems: Problems, yaml_nodes: int,
                 list_keys: tuple[str, ...] = ("groups",)) -> Header:
    """The header and the body; a YAML header may expand to `yaml_nodes` values."""
    lines = text.split("\n")
    if lines[0].strip() == "---":
        return _yaml_header(lines, shown, yaml_nodes)
    if KEY_LINE.match(lines[0]):
        return _bare_header(lines, shown, problems, list_keys)
    return Header({}, {}, text, 1)


def _bare_header(lines: list[str], shown: str, problems: Problems,
                 list_keys: tuple[str, ...]) -> Header:
    """Pelican's `key: value` lines; a key given again adds a value, which only the keys
    read as lists (groups, list_fields) keep: any other takes the last one."""
    values: dict[str, MetaValue] = {}
    key_lines: dict[str, int] = {}
    last: str | None = None
    end = len(lines)
    for index, line in enumerate(lines):
        number = index + 1
        if not line.strip():
            end = index + 1
            break
        if line.startswith("    ") and last is not None:
            _continue_value(values, last, line.strip())
            continue
        match = KEY_LINE.match(line)
        if not match:
            problems.error(shown, number, f"'{line.strip()[:60]}' is not a 'key: value' line",
                           "the header ends at the first blank line: add one before the body")
            continue
        key, value = match.group(1).lower(), match.group(2) or ""
        if key in values:
            outcome = ("its values are read as one list" if key in list_keys
                       else f"the last value, '{value.strip()[:40]}', is the one used")
            problems.warning(shown, number, f"'{key}' is repeated; {outcome}",
                             f"first given on line {key_lines[key]}")
            previous = values[key]
            values[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            values[key] = value
            key_lines[key] = number
        last = key
    return Header(values, key_lines, "\n".join(lines[end:]), end + 1)


def _continue_value(values: dict[str, MetaValue], key: str, more: str) -> None:
    current = values[key]
    if isinstance(current, list):
        current[-1] = f"{current[-1]} {more}".strip()
    else:
        values[key] = f"{current} {more}".strip()


YAML_HINT = "raise limits.yaml_nodes in site.yaml, or use fewer aliases"


def _yaml_header(lines: list[str], shown: str, yaml_nodes: int) -> Header:
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            break
    else:
        raise ContentError(shown, 1, "the YAML header has no closing '---' line",
                           "end the header with a line holding only '---'")
    try:
        data, key_lines = yamltext.load("\n".join(lines[1:index]), first_line=2,
                                        bound=yamltext.Bound(yaml_nodes, "the header",
                                                             YAML_HINT))
    except yamltext.YamlSyntaxError as exc:
        raise ContentError(shown, exc.line, exc.message, exc.hint or
                           "quote values that contain ': ' or start with a special character"
                           ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContentError(shown, 2, "the YAML header must be a mapping of 'key: value' lines")
    values: dict[str, MetaValue] = {}
    lines_by_key: dict[str, int] = {}
    for key, value in data.items():
        name = str(key).lower()
        values[name] = _yaml_value(value)
        lines_by_key[name] = key_lines.get((str(key),), 2)
    return Header(values, lines_by_key, "\n".join(lines[index + 1:]), index + 2)


def _yaml_value(value: Any) -> MetaValue:
    if isinstance(value, list):
        return [_scalar(v) for v in value]
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _typed_page(config: SiteConfig, source: str, shown: str, content_path: str,
                header: Header, problems: Problems) -> Page:
    values, lines = header.values, header.lines
    fields = _Fields(shown, values, lines, problems)
    body, title = header.body, fields.text("title")
    from_heading = not title
    if from_heading:
        body, title = _title_from_heading(body)
    if not title:
        problems.error(shown, lines.get("title", 1), "the page has no title",
                       "add 'title: …' to the header, or start the body with a heading")
    page = Page(
        source=source, path=shown, content_path=content_path, title=title, body_text=body,
        body_line=header.body_line, description=fields.text("description"),
        groups=fields.groups(config), picture=fields.picture(config),
        date=fields.date(), order=fields.order(), template=fields.text("template") or None,
        slug=fields.slug(), category=fields.text("category"), status=fields.status(),
        redirect=fields.text("redirect") or None, lines=dict(lines),
        meta=_meta(values, config.list_fields), title_from_heading=from_heading,
    )
    deep = too_deep(body, config.limits.nesting)
    if deep:  # Markdown would recurse past Python's limit, or take minutes
        problems.error(shown, header.body_line + deep[0], f"{deep[1]}: Markdown takes "
                       f"{config.limits.nesting} levels at most",
                       "nest less deeply, or raise limits.nesting in site.yaml")
        page.unrenderable = True
    place_page(page)
    return page


def _meta(values: dict[str, MetaValue], list_fields: tuple[str, ...]) -> dict[str, MetaValue]:
    meta: dict[str, MetaValue] = {}
    for key, value in values.items():
        if key in list_fields and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        meta[key] = value
    return meta


def place_page(page: Page) -> None:
    """Derive the page's folder, slug, category, URL and output file from its path."""
    parts = page.content_path.split("/")
    folder_parts, stem = parts[:-1], parts[-1][: -len(".md")]
    page.folder = "/".join(folder_parts)
    # Trees laid out the Pelican way keep pages under pages/; their URLs drop it.
    url_parts = folder_parts[1:] if folder_parts[:1] == ["pages"] else folder_parts
    page.category = page.category or (folder_parts[-1] if folder_parts else "")
    if stem == "index":
        page.is_section = True
        page.slug = page.slug or (folder_parts[-1] if folder_parts else "index")
        page.url = "".join(f"{p}/" for p in url_parts)
        page.output = page.url + "index.html"
    else:
        page.slug = page.slug or slugify(stem)
        page.url = "".join(f"{p}/" for p in url_parts) + page.slug + "/"
        page.output = page.url + "index.html"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9_]+", "-", ascii_text.lower()).strip("-") or "page"


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


class _Fields:
    """Typed access to header fields, reporting a wrong value at its key's line."""

    def __init__(self, shown: str, values: dict[str, MetaValue], lines: dict[str, int],
                 problems: Problems):
        self.shown, self.values, self.lines, self.problems = shown, values, lines, problems

    def error(self, key: str, message: str, hint: str | None = None) -> None:
        self.problems.error(self.shown, self.lines.get(key, 1), message, hint)

    def text(self, key: str) -> str:
        value = self.values.get(key, "")
        if isinstance(value, list):
            return value[-1] if value else ""
        return value.strip()

    def items(self, key: str) -> list[str]:
        value = self.values.get(key, "")
        raw = value if isinstance(value, list) else [value]
        return [item.strip() for chunk in raw for item in chunk.split(",") if item.strip()]

    def groups(self, config: SiteConfig) -> tuple[str, ...]:
        names = self.items("groups") or list(config.default_groups)
        if not names:
            self.error("groups", "the page names no groups",
                       "add 'groups: " + ", ".join(config.groups) + "' (or 'all') to the header, "
                       "or set default_groups in site.yaml")
            return ()
        chosen: list[str] = []
        for name in names:
            if name == "all":
                chosen.extend(config.groups)
            elif name in config.groups:
                chosen.append(name)
            else:
                self.error("groups", f"unknown group '{name}'",
                           did_you_mean(name, [*config.groups, "all"])
                           or f"groups in site.yaml: {', '.join(config.groups)}")
        return tuple(g for g in config.groups if g in chosen)

    def picture(self, config: SiteConfig) -> str | None:
        picture = self.text("picture")
        if not picture:
            return None
        images = config.content_dir / "images"
        if picture_outside(picture):
            self.error("picture", f"picture '{picture}' is outside content/images/")
        elif not picture_exists(str(images), picture):
            near = did_you_mean(picture, _image_names(images))
            self.error("picture", f"picture 'content/images/{picture}' does not exist",
                       near or "pictures are paths under content/images/")
        else:
            return picture
        return None  # reported: the page is checked without it, not reported again

    def date(self) -> datetime | None:
        text = self.text("date")
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            self.error("date", f"'{text}' is not a date", "write dates as YYYY-MM-DD")
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def order(self) -> int | None:
        text = self.text("order")
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            self.error("order", f"order '{text}' is not a whole number", "e.g. 'order: 2'")
            return None

    def slug(self) -> str:
        slug = self.text("slug")
        if slug and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", slug):
            self.error("slug", f"slug '{slug}' may only hold letters, digits, '-', '_' and '.'")
            return ""
        return slug

    def status(self) -> str:
        status = self.text("status").lower() or "published"
        if status not in STATUSES:
            self.error("status", f"unknown status '{status}'",
                       did_you_mean(status, STATUSES) or "use published, draft or hidden")
            return "published"
        return status


def picture_outside(picture: str) -> bool:
    normal = posixpath.normpath(picture)
    return picture.startswith("/") or normal == ".." or normal.startswith("../")


@functools.lru_cache(maxsize=4096)
def picture_exists(images: str, picture: str) -> bool:
    """Asked once per picture and build: many pages share a few cover pictures."""
    return os.path.isfile(os.path.join(images, picture))


def _image_names(images: Path) -> list[str]:
    if not images.is_dir():
        return []
    return [p.relative_to(images).as_posix() for p in images.rglob("*") if p.is_file()]
