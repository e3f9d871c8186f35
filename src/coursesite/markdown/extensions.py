"""Python-Markdown extensions for course content.

- headings written without a space (`##Topic`) are headings, as in the real content;
- `[youtube: ID]` and `[vimeo: ID]` on a line of their own become players, loaded on demand;
- a fence's `title="file.py"` becomes a caption (`hl_lines`, `linenums` as fenced_code has them);
- `[category/slug]` links to that page with its title as the text;
- every `<a href>` and `<img src>` is passed through a link resolver (see links.py);
- math is mathml.py's; `??? solution` makes a collapsible <details> (pymdownx.details).

`Converter` gives each body a Markdown with only the extensions its text may use, and
tries an inline pattern only on text that holds its key characters: the same HTML as
the full set, for a third less work.
"""

from __future__ import annotations

import importlib
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import escape
from typing import Any, ClassVar, Protocol

import markdown.extensions.codehilite as codehilite
from markdown import Extension, Markdown
from markdown.extensions.toc import TocExtension, TocTreeprocessor
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name

from coursesite.config.extensions import MarkdownExtension
from coursesite.content.fences import TITLED_INFO, fences
from coursesite.markdown.lean import KeyedInlineProcessor, streamline
from coursesite.markdown.mathml import MathExtension

STASHED = re.compile("\x02wzxhzdk:(\\d+)\x03")  # Python-Markdown's placeholder of raw HTML
HEADING_NO_SPACE = re.compile(r"^(#{1,6})(?=[^#\s])")
SCROLLING = re.compile(r"<(pre|table)(?=[\s>])(?![^>]*tabindex)")
# `\[youtube: ID]` and `\[member/slug]` too: Pelican trees escape them, because their
# plugin looked for the tags in the HTML that Markdown made of them.
EMBED = re.compile(r"^\\?\[(youtube|vimeo):\s*([A-Za-z0-9_-]+)\s*\]\s*$")
PAGE_REF = r"\[([\w.-]+/[\w.-]+)(?:,\s*group:\s*([\w-]+))?\](?![(\[:])"
ESCAPED_PAGE_REF = "\\\\" + PAGE_REF


class Target(Protocol):
    """What the extensions ask of the build while one body is converted: its unit's links."""

    def page_ref(self, ref: str, group: str | None, source: str) -> tuple[str, str] | None:
        """(href, title) for a "category/slug" reference and its group, or None when unknown."""

    def rewrite(self, tag: str, value: str) -> str:
        """The new value of an href/src, given its element tag and value."""

    def problem(self, message: str, written: str, hint: str, at: int | None) -> None:
        """A mistake in the body (a formula), with what the author wrote, a hint, and
        where in what was written it is (None: not known, the start is shown)."""


class NoTarget:
    """Asked when no body is being converted for a unit: links stay as written."""

    def page_ref(self, ref: str, group: str | None, source: str) -> tuple[str, str] | None:
        return None

    def rewrite(self, tag: str, value: str) -> str:
        return value

    def problem(self, message: str, written: str, hint: str, at: int | None) -> None:
        pass


NO_TARGET = NoTarget()


class Hooks:
    """What the extensions call: the target bound for the conversion under way.

    One Markdown per set of extensions serves every body (made once, `reset()`
    between bodies: making one costs more than converting a page), and
    Python-Markdown gives its processors no way to be handed anything per
    `convert` call. So the unit's links are bound here for the length of one
    conversion (`with hooks.bound(links):`) and unbound after it: between units
    nothing of one is left set for the next.
    """

    def __init__(self) -> None:
        self._target: Target = NO_TARGET

    @contextmanager
    def bound(self, target: Target) -> Iterator[None]:
        previous, self._target = self._target, target
        try:
            yield
        finally:
            self._target = previous

    def page_ref(self, ref: str, group: str | None, source: str) -> tuple[str, str] | None:
        return self._target.page_ref(ref, group, source)

    def rewrite(self, tag: str, value: str) -> str:
        return self._target.rewrite(tag, value)

    def problem(self, message: str, written: str, hint: str, at: int | None) -> None:
        self._target.problem(message, written, hint, at)


def embed_html(kind: str, video: str) -> str:
    """A video that loads from its host only when the reader asks for it.

    Until then it is a link to the video (which works without JavaScript), so a
    page makes no request to another host; the theme's script swaps in the player.
    """
    if kind == "youtube":
        src = f"https://www.youtube-nocookie.com/embed/{video}?autoplay=1"
        link = f"https://www.youtube.com/watch?v={video}"
        host, title = "YouTube", "YouTube video player"
    else:
        src = f"https://player.vimeo.com/video/{video}?dnt=1&autoplay=1"
        link = f"https://vimeo.com/{video}"
        host, title = "Vimeo", "Vimeo video player"
    return (
        f'<div class="embed embed-{kind}" data-src="{escape(src)}" data-title="{title}">'
        f'<a class="embed-play" href="{escape(link)}">Play the video (loads from {host})</a>'
        "</div>"
    )


class FenceTitles(Preprocessor):
    """```python title="train.py" hl_lines="2" becomes the attribute form fenced_code reads,
    with the title as the caption Pygments writes above the code: on the opening lines of
    fenced code only (content/fences.py), not on a line of code that looks like one."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if '="' not in text or ("```" not in text and "~~~" not in text):
            return lines  # no option, or no fence: no need to look for fences
        out = list(lines)
        line = counted = 0  # the number of the line that starts at `counted`
        for fence in fences(text):
            titled = TITLED_INFO.fullmatch(fence.info) if '="' in fence.info else None
            if titled:
                line += text.count("\n", counted, fence.start)
                counted = fence.start
                options = titled.group(2).replace("title=", "filename=")
                out[line] = f"{fence.run}{{ .{titled.group(1)} {options.strip()} }}"
        return out


class CoursePreprocessor(Preprocessor):
    """Runs after fenced code is stashed, so code blocks are never touched."""

    def run(self, lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            # Both patterns are anchored on a line's first character: tested only there.
            first = line[:1]
            if first == "#":
                line = HEADING_NO_SPACE.sub(r"\1 ", line)
            elif first == "[" or line[:2] == "\\[":
                embed = EMBED.match(line)
                if embed:
                    line = self.md.htmlStash.store(embed_html(embed.group(1), embed.group(2)))
            out.append(line)
        return out


class PageRefProcessor(InlineProcessor):
    def __init__(self, pattern: str, md: Markdown, hooks: Hooks):
        super().__init__(pattern, md)
        self.hooks = hooks

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element | None, int | None, int | None]:
        found = self.hooks.page_ref(m.group(1), m.group(2), m.group(0))
        if found is None:
            return None, None, None
        href, title = found
        link = etree.Element("a", {"href": href})
        link.text = title
        return link, m.start(0), m.end(0)


class LinkTreeprocessor(Treeprocessor):
    def __init__(self, md: Markdown, hooks: Hooks):
        super().__init__(md)
        self.hooks = hooks

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            if attribute and element.get(attribute) is not None:
                element.set(attribute, self.hooks.rewrite(element.tag, element.get(attribute, "")))


class CollapsibleSolutions(Treeprocessor):
    """`!!! solution` opens on demand, like `??? solution`: a <details> with its title."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter("div"):
            if "solution" in (element.get("class") or "").split():
                element.tag = "details"
                element.set("class", "solution")
                title = element.find("p")
                if title is not None and title.get("class") == "admonition-title":
                    title.tag = "summary"
                    del title.attrib["class"]


class TaskNames(Treeprocessor):
    """A task list's checkbox is named by its item's text, as a labelled checkbox is:
    pymdownx.tasklist leaves it nameless ("checkbox", says a screen reader). Its
    checkbox is raw HTML, stashed at the start of the item: the stash entry is named."""

    def run(self, root: etree.Element) -> None:
        for item in root.iter("li"):
            if "task-list-item" not in (item.get("class") or ""):
                continue
            first = item[0] if len(item) and not STASHED.search(item.text or "") else item
            texts = (first.text or "") + "".join(  # the item's own line, not its sub-lists
                "".join(child.itertext()) + (child.tail or "")
                for child in first if child.tag not in ("ul", "ol", "p"))
            found = STASHED.search(texts)
            if found is None:
                continue
            name = " ".join(STASHED.sub("", texts).split())[:200] or "task"
            stash = self.md.htmlStash.rawHtmlBlocks
            raw = stash[int(found.group(1))]
            if isinstance(raw, str) and raw.startswith("<input "):
                stash[int(found.group(1))] = raw.replace(
                    "<input ", f'<input aria-label="{escape(name)}" ', 1)


class FocusableScrolling(Postprocessor):
    """Code blocks and tables scroll sideways on a phone: keyboard users must reach them too."""

    def run(self, text: str) -> str:
        return SCROLLING.sub(r'<\1 tabindex="0"', text)


class CourseExtension(Extension):
    def __init__(self, hooks: Hooks):
        super().__init__()
        self.hooks = hooks

    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(CoursePreprocessor(md), "course", 15)
        md.preprocessors.register(FenceTitles(md), "fence_titles", 28)
        md.inlinePatterns.register(PageRefProcessor(PAGE_REF, md, self.hooks), "page_ref", 175)
        # Before `escape` (180), which would make the bracket text.
        md.inlinePatterns.register(PageRefProcessor(ESCAPED_PAGE_REF, md, self.hooks),
                                   "escaped_page_ref", 185)
        # After the inline patterns (20) and before prettify (10).
        md.treeprocessors.register(LinkTreeprocessor(md, self.hooks), "course_links", 15)
        md.postprocessors.register(FocusableScrolling(md), "focusable_scrolling", 5)
        md.treeprocessors.register(CollapsibleSolutions(md), "solutions", 16)
        md.treeprocessors.register(TaskNames(md), "task_names", 14)  # after inline (20)


class SharedStyleFormatter(HtmlFormatter):  # type: ignore[type-arg]
    """Pygments' HTML formatter, with its table of token classes made once per style
    instead of once per code block (a tenth of a code block's time)."""

    _tables: ClassVar[dict[tuple[object, str], tuple[dict[Any, str], dict[str, Any]]]] = {}
    ttype2class: dict[Any, str]
    class2style: dict[str, Any]

    def _create_stylesheet(self) -> None:
        key = (self.style, self.classprefix)
        if key not in self._tables:
            super()._create_stylesheet()  # type: ignore[misc]
            self._tables[key] = (self.ttype2class, self.class2style)
        self.ttype2class, self.class2style = self._tables[key]


_LEXERS: dict[tuple[str, str], Lexer] = {}


def shared_lexer(alias: str, **options: Any) -> Lexer:
    """Pygments' lexer for a language, made once per language and options.

    Finding it walks Pygments' table of several hundred lexers (a third of the
    time of highlighting a short block); a lexer keeps nothing from one text to
    the next, so one can serve every block of that language.
    """
    key = (alias, repr(sorted(options.items())))
    lexer = _LEXERS.get(key)
    if lexer is None:
        lexer = _LEXERS[key] = get_lexer_by_name(alias, **options)
    return lexer


codehilite.get_lexer_by_name = shared_lexer  # type: ignore[attr-defined]  # called per code block


class HeadingIds(TocTreeprocessor):
    """The toc extension's heading ids, permalinks and `toc_tokens`, without building and
    serialising a table of contents that no body asked for with its `[TOC]` marker
    (the layouts list headings from `toc_tokens`), for every body converted."""

    def run(self, doc: etree.Element) -> None:
        lines = getattr(self.md, "lines", None)  # the text after preprocessing
        self.wanted = lines is None or any(self.marker in line for line in lines)
        super().run(doc)

    def add_permalink(self, c: etree.Element, elem_id: str) -> None:
        super().add_permalink(c, elem_id)
        c[-1].set("data-pagefind-ignore", "")  # its "#" is none of the heading's words

    def build_toc_div(self, toc_list: list[Any]) -> etree.Element:
        return super().build_toc_div(toc_list) if self.wanted else etree.Element("div")

    def replace_marker(self, root: etree.Element, elem: etree.Element) -> None:
        if self.wanted:
            super().replace_marker(root, elem)


class HeadingIdsExtension(TocExtension):
    TreeProcessorClass = HeadingIds


# A definition (`: text`): its colon, then what may come before it on its line (the
# prefixes that nest blocks). Found colon first: a regex that starts with `^` is tried
# at every character of the text.
DEFINITION_COLON = re.compile(r":[ \t]")
DEFINITION_PREFIX = re.compile(r"[ \t>*+\-0-9.)]*")


def may_define(text: str) -> bool:
    """Whether a line may hold a definition (`: text`) after the prefixes that nest blocks."""
    for colon in DEFINITION_COLON.finditer(text):
        line_start = text.rfind("\n", 0, colon.start()) + 1
        if DEFINITION_PREFIX.fullmatch(text, line_start, colon.start()):
            return True
    return False


# Extensions that change nothing in a body that does not have their syntax, with the
# test of whether it may. Each test errs towards yes; every extension a body may use
# is on for it, so its HTML is what the full set gives (tests/test_mdext.py checks).
# Left out (with the table of contents above), they save a sixth of Markdown's work:
# most of their block tests run on every paragraph.
OPTIONAL: dict[str, Callable[[str], bool]] = {
    "tables": lambda text: "|" in text,
    "footnotes": lambda text: "[^" in text,
    "attr_list": lambda text: "{" in text or '="' in text,  # '="': see FenceTitles
    "def_list": lambda text: may_define(text) or "[^" in text
    or "markdown" in text,  # a definition may start a footnote or a markdown="1" block
    "abbr": lambda text: "*[" in text,
    "admonition": lambda text: "!!!" in text or "admonition" in text,
    "md_in_html": lambda text: "<" in text,
    "pymdownx.details": lambda text: "???" in text or "details" in text,
    # The Markdown MkDocs-Material users write: none of it changes a plain page.
    "pymdownx.tasklist": lambda text: "[ ]" in text or "[x]" in text or "[X]" in text,
    "pymdownx.mark": lambda text: "==" in text,
    "pymdownx.tilde": lambda text: "~" in text,
    "pymdownx.caret": lambda text: "^" in text,
    "pymdownx.keys": lambda text: "++" in text,
    "pymdownx.tabbed": lambda text: "===" in text,
    "math": lambda text: "$" in text or "math" in text,
}


def features_of(text: str) -> frozenset[str]:
    """The optional extensions a body may use."""
    return frozenset(name for name, may_use in OPTIONAL.items() if may_use(text))


class Converter:
    """Markdown for one body at a time, with only the extensions that body may use
    (one Markdown per combination, made on first use) and inline patterns tried only
    where they can match: the HTML is what the full set gives, with much less work."""

    def __init__(self, hooks: Hooks, more: tuple[MarkdownExtension, ...] = ()):
        self.hooks = hooks
        self.more = more  # site.yaml's markdown_extensions, on for every body
        self._markdowns: dict[frozenset[str], Markdown] = {}

    def convert(self, text: str) -> tuple[str, list[dict[str, Any]]]:
        """The HTML of a body, and its headings (the toc extension's `toc_tokens`)."""
        features = features_of(text)
        md = self._markdowns.get(features)
        if md is None:
            md = self._markdowns[features] = make_markdown(self.hooks, features, self.more)
            if KeyedInlineProcessor.fits():
                md.treeprocessors.register(KeyedInlineProcessor(md), "inline", 20)
            streamline(md)
        md.reset()
        html = md.convert(text)
        return html, getattr(md, "toc_tokens", [])


# Their options, where coursesite's differ from the extensions' own.
PYMDOWN_OPTIONS: dict[str, dict[str, Any]] = {
    "pymdownx.tabbed": {"alternate_style": True},  # tabs that work without JavaScript
}


def make_markdown(hooks: Hooks, features: frozenset[str] = frozenset(OPTIONAL),
                  more: tuple[MarkdownExtension, ...] = ()) -> Markdown:
    """Markdown with every extension a course page may use (or those in `features`,
    for a body that uses no others), and site.yaml's `more`."""
    def wanted(name: str) -> bool:
        return name not in OPTIONAL or name in features

    configs: dict[str, dict[str, Any]] = {
        "codehilite": {"css_class": "highlight", "guess_lang": False,
                       "pygments_formatter": SharedStyleFormatter}}
    extensions = [named(name, configs.get(name, {})) for name in (
        "tables", "fenced_code", "codehilite", "footnotes", "attr_list", "def_list", "abbr",
        "admonition", "md_in_html") if wanted(name)]
    extensions.append(HeadingIdsExtension(permalink="#", permalink_title="Link to this section"))
    extensions += [named(name, PYMDOWN_OPTIONS.get(name, {})) for name in OPTIONAL
                   if name.startswith("pymdownx.") and wanted(name)]
    if wanted("math"):
        extensions.append(MathExtension(hooks.problem))
    extensions.append(CourseExtension(hooks))
    # site.yaml's, by name as Markdown finds them (an entry point's name, or a module's)
    return Markdown(extensions=[*extensions, *(extension.name for extension in more)],
                    extension_configs={extension.name: extension.options for extension in more},
                    output_format="html")


def named(name: str, config: dict[str, Any]) -> Extension:
    """The extension Markdown would make of its name, made from its module.

    Given a name, Markdown looks it up first among the entry points of every
    installed package (importlib.metadata: a fifth of a one-page rebuild's
    render stage); these are its own modules and pymdown-extensions'.
    """
    module = importlib.import_module(name if "." in name else f"markdown.extensions.{name}")
    made: Extension = module.makeExtension(**config)
    return made
