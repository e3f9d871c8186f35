"""How deep a page's Markdown nests, found before Markdown sees it.

Python-Markdown recurses once (or more) per level of lists, `<div markdown>`
blocks and the elements inside them: a list 300 deep ends in a RecursionError,
after 12 s at 1,000. Its link pattern rescans nested brackets, so `[` 4,000
deep takes 15 s. No real page nests more than a few levels, so the loader
refuses a page that nests deeper than `limits.nesting`, at the line where it
does, and the page is never handed to Markdown. Code (fenced blocks) is not
looked at: it is not Markdown.
"""

from __future__ import annotations

import re

from coursesite.content.fences import fences

LIST_ITEM = re.compile(r"^([ \t]*)(?:[-*+]|\d+[.)])(?:[ \t]|$)")
QUOTES = re.compile(r"^(?:[ \t]*>)+")
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b([^>]*)>")
MARKDOWN_ATTR = re.compile(r"\bmarkdown\s*=")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
ESCAPED_OR_CODE = re.compile(r"\\.|`[^`\n]*`")
BRACKET_TOKENS = re.compile(r"\\.|`[^`\n]*`|[\[\]]")  # code spans and escapes are skipped
INNER_PAIR = re.compile(r"\[[^\[\]]*\]")
BLANK_LINES = re.compile(r"\n[ \t]*(?=\n)")


def too_deep(body: str, limit: int) -> tuple[int, str] | None:
    """The line (from 0) where the body first nests deeper than `limit`, and what nests.

    Each kind is looked for only where a search at C speed finds that it could be
    there, so that an ordinary page (nearly every page) costs a microsecond or two.
    """
    brackets = body.count("[") > limit
    html = "markdown" in body and MARKDOWN_ATTR.search(body) is not None
    quotes = body.count(">") > limit and re.search(rf"(?:>[ \t]*){{{limit + 1}}}", body)
    # A list item `limit` levels in is indented by 4 * limit columns: spaces, or tabs.
    lists = " " * (4 * limit) in body or ("\t" in body
                                         and re.search(rf"\n[ \t]{{{limit},}}", body))
    if not (brackets or html or quotes or lists):
        return None
    text = _without_code(body)
    found = [_deepest_line(text, limit, bool(lists), bool(quotes), html)]
    if brackets:
        found.append(_deepest_brackets(text, limit))
    return min((f for f in found if f), default=None)


def _without_code(body: str) -> str:
    """The body with the lines of fenced code emptied: they are not Markdown."""
    parts, pos = [], 0
    for fence in fences(body):
        parts += [body[pos:fence.start], "\n" * body.count("\n", fence.start, fence.end)]
        pos = fence.end
    return "".join(parts) + body[pos:]


def _deepest_line(text: str, limit: int, lists: bool, quotes: bool,
                  html: bool) -> tuple[int, str] | None:
    """The first line in a list, quotes or HTML nested deeper than `limit`."""
    if not (lists or quotes or html):
        return None
    open_html = _Html()
    for number, line in enumerate(text.split("\n")):
        for depth, what in ((lists and _list_depth(line), "a list"),
                            (quotes and _quote_depth(line), "block quotes"),
                            (html and open_html.depth(line),
                             "HTML elements in a <div markdown> block")):
            if depth > limit:
                return number, f"{what} nested {depth} deep"
    return None


def _deepest_brackets(text: str, limit: int) -> tuple[int, str] | None:
    """The first paragraph (a blank line ends one) with `[` open deeper than `limit`."""
    starts = [0, *(blank.end() for blank in BLANK_LINES.finditer(text))]
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        if text.count("[", start, end) > limit and _could_nest(text[start:end], limit):
            depth = 0
            for token in BRACKET_TOKENS.finditer(text, start, end):
                if token.group() == "[":
                    depth += 1
                    if depth > limit:
                        return (text.count("\n", 0, token.start()),
                                f"[brackets] nested over {limit} deep")
                elif token.group() == "]":
                    depth = max(depth - 1, 0)
    return None


def _could_nest(paragraph: str, limit: int) -> bool:
    """Whether `[` could be open deeper than `limit`, found at C speed: each pass takes out
    the innermost pairs, so a paragraph of links nested two deep is done in three passes."""
    rest = ESCAPED_OR_CODE.sub("", paragraph)
    passes = 0
    while passes <= limit:
        rest, taken = INNER_PAIR.subn("", rest)
        if not taken:
            break
        passes += 1
    return passes + rest.count("[") > limit


def _list_depth(line: str) -> int:
    item = LIST_ITEM.match(line)
    return len(item.group(1).expandtabs(4)) // 4 + 1 if item else 0


def _quote_depth(line: str) -> int:
    quotes = QUOTES.match(line)
    return quotes.group(0).count(">") if quotes else 0


class _Html:
    """HTML elements open inside a `<… markdown>` block: Markdown makes a node of each."""

    def __init__(self) -> None:
        self.open: list[tuple[str, bool]] = []  # the elements open, and which are markdown

    def depth(self, line: str) -> int:
        for closing, name, attrs in TAG.findall(line):
            name = name.lower()
            if closing:
                while self.open and self.open.pop()[0] != name:
                    pass
            elif name not in VOID and not attrs.rstrip().endswith("/"):
                self.open.append((name, MARKDOWN_ATTR.search(attrs) is not None))
        return len(self.open) if any(markdown for _, markdown in self.open) else 0
