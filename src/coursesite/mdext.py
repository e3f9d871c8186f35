"""Python-Markdown extensions for course content.

- headings written without a space (`##Topic`) are headings, as in the real content;
- `[youtube: ID]` and `[vimeo: ID]` on a line of their own become players, loaded on demand;
- a fence's `title="file.py"` becomes a caption (`hl_lines`, `linenums` as fenced_code has them);
- `[category/slug]` links to that page with its title as the text;
- every `<a href>` and `<img src>` is passed through a link resolver (see links.py);
- math is mathml.py's; `??? solution` makes a collapsible <details> (pymdownx.details).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from html import escape

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from coursesite.mathml import MathExtension, Report

# (href, title) for a "category/slug" reference and its group, or None when unknown.
PageRef = Callable[[str, str | None, str], tuple[str, str] | None]
# The new value of an href/src, given its element tag and value.
Rewrite = Callable[[str, str], str]

HEADING_NO_SPACE = re.compile(r"^(#{1,6})(?=[^#\s])")
FENCE_WITH_OPTIONS = re.compile(
    r"^([ \t]{0,3}(?:`{3,}|~{3,}))[ \t]*([\w+-]+)[ \t]+((?:[\w-]+=\"[^\"]*\"[ \t]*)+)$")
SCROLLING = re.compile(r"<(pre|table)(?=[\s>])(?![^>]*tabindex)")
EMBED = re.compile(r"^\[(youtube|vimeo):\s*([A-Za-z0-9_-]+)\s*\]\s*$")
PAGE_REF = r"\[([\w.-]+/[\w.-]+)(?:,\s*group:\s*([\w-]+))?\](?![(\[:])"


class Hooks:
    """What the extensions ask of the build; swapped per page by the renderer."""

    def __init__(self) -> None:
        self.page_ref: PageRef = lambda ref, group, source: None
        self.rewrite: Rewrite = lambda tag, value: value
        self.problem: Report = lambda message, written, hint: None


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
    with the title as the caption Pygments writes above the code."""

    def run(self, lines: list[str]) -> list[str]:
        return [FENCE_WITH_OPTIONS.sub(_attribute_fence, line) for line in lines]


def _attribute_fence(m: re.Match[str]) -> str:
    options = m.group(3).replace("title=", "filename=")
    return f"{m.group(1)}{{ .{m.group(2)} {options.strip()} }}"


class CoursePreprocessor(Preprocessor):
    """Runs after fenced code is stashed, so code blocks are never touched."""

    def run(self, lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            embed = EMBED.match(line)
            if embed:
                out.append(self.md.htmlStash.store(embed_html(embed.group(1), embed.group(2))))
                continue
            out.append(HEADING_NO_SPACE.sub(r"\1 ", line))
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
        # After the inline patterns (20) and before prettify (10).
        md.treeprocessors.register(LinkTreeprocessor(md, self.hooks), "course_links", 15)
        md.postprocessors.register(FocusableScrolling(md), "focusable_scrolling", 5)
        md.treeprocessors.register(CollapsibleSolutions(md), "solutions", 16)


def make_markdown(hooks: Hooks) -> Markdown:
    return Markdown(
        extensions=[
            "tables", "fenced_code", "codehilite", "footnotes", "attr_list", "def_list",
            "abbr", "admonition", "md_in_html", "toc", "pymdownx.details",
            MathExtension(lambda: hooks.problem), CourseExtension(hooks),
        ],
        extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False},
            "toc": {"permalink": "#", "permalink_title": "Link to this section"},
        },
        output_format="html",
    )
