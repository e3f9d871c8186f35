"""Where on a page's file something a unit reports was written, and in what words.

Errors are found in what the build made of a page (its HTML, a link resolved for one
group), but are reported at the line of the page's file that holds what the author
wrote, in the words written there: `{{ IMGURL }}/images/x.png`, not `/beta/images/x.png`.
The place is found by looking for the text in the body where a link can be written
in Markdown or HTML (after `(`, `"`, `<`, `=`, or in a `[ref]: url` line), never in
prose that happens to hold it. The same text can be written in several places (two
links to the same missing page, a path that is also the tail of another): the n-th
time a text is asked for, its n-th place is given, so that each error is at its own
line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from coursesite.content import Page

# What a link starts after in Markdown or HTML: [x](a.md), href="a.md", <a.md>, and
# (after spaces) [x]: a.md. Not any space: prose that names a file is no link.
OPENING = frozenset("(<\"'=")
REFERENCE = re.compile(r"^[ ]{0,3}\[[^\]\n]+\]:[ \t]*\Z", re.MULTILINE)
# An attribute that names an anchor, not a link to one: `<a id="x">`.
NAMING = re.compile(r"\b(?:id|name)=[\"']?\Z")
# What ends it (a title may follow after a space); also where its words end.
STOP = frozenset(" \t\n()<>\"'")
# Site variables before a path, as in `{{ IMGURL }}/images/x.png`: part of its words.
VARIABLES = (("}}", "{{"), (">>", "<<"))


class SourceLines:
    """The places of what one unit reports, each asked for in the order it is found."""

    __slots__ = ("_asked", "_header", "page")

    def __init__(self, page: Page):
        self.page = page
        self._asked: dict[str, int] = {}  # text -> the places given for it so far
        self._header: str | None = None

    def place(self, value: str, default: int = 1) -> tuple[int, str]:
        """The file line of the next place that holds the link `value` (or the longest
        tail of its path), and the words written there; (default, value) if none does."""
        body = self.page.body
        path = value.split("#")[0].split("?")[0]
        last = path.rfind("/", 0, len(path) - 1)  # the last '/' that has something after it
        # Not even the shortest tail, after its '/', is there: most links (the layout's) are not.
        if (path[last:] if last >= 0 else value) not in body:
            return self._in_header(value, lambda header: link_spots(header, value, path),
                                   default, value)
        spots = link_spots(body, value, path)
        if not spots:
            return default, value
        start, words = self._next(value, spots)
        return self.page.body_line + body.count("\n", 0, start), words or value

    def line(self, text: str, default: int = 1) -> int:
        """The file line of the next place that holds `text` (a formula, a `[ref]`)."""
        body = self.page.body
        spots = [(at, "") for at in occurrences(body, text)] if text else []
        if not spots:
            return self._in_header(text, lambda header: [
                (at, "") for at in occurrences(header, text)] if text else [], default, text)[0]
        start, _ = self._next(text, spots)
        return self.page.body_line + body.count("\n", 0, start)

    def _in_header(self, text: str, find: Callable[[str], list[tuple[int, str]]],
                   default: int, value: str) -> tuple[int, str]:
        """The place in the page's header, where text that a layout shows is written
        (an event's `content_after`), when the body does not hold it."""
        if self._header is None:
            self._header = header_of(self.page)
        spots = find(self._header) if self._header else []
        if not spots:
            return default, value
        start, words = self._next(text, spots)
        return 1 + self._header.count("\n", 0, start), words or value

    def _next(self, text: str, spots: list[tuple[int, str]]) -> tuple[int, str]:
        index = self._asked.get(text, 0)
        self._asked[text] = index + 1
        return spots[min(index, len(spots) - 1)]  # asked more often than written: the last


def header_of(page: Page) -> str:
    """The lines of a page's file before its body ("" for a page of no file)."""
    if page.body_line <= 1 or not page.source:
        return ""
    try:
        return "\n".join(page.file_lines()[:page.body_line - 1])
    except (OSError, ValueError):  # changed since it was loaded: no place to give
        return ""


def occurrences(body: str, text: str) -> list[int]:
    found, at = [], body.find(text)
    while at >= 0:
        found.append(at)
        at = body.find(text, at + 1)
    return found


def link_spots(body: str, value: str, path: str) -> list[tuple[int, str]]:
    """Where `value` is written as a link (start, words), in order: as it is, else the
    longest tail of its path after a '/' (what a site variable or '../' led to)."""
    tails = [value]
    while "/" in path:
        path = path.split("/", 1)[1]
        if path:
            tails.append(path)
    tails = [tail for tail in tails if "\n" not in tail]  # no line holds a newline
    for number, tail in enumerate(tails):
        spots = []
        for at in occurrences(body, tail):
            end = at + len(tail)
            after = body[end] if end < len(body) else "\n"
            if number == 0:
                if after in STOP and opens_link(body, at):
                    spots.append((at, tail))
            elif body[at - 1] == "/" and (after in STOP or after in "#?"):
                start, words = widen(body, at, end)
                if opens_link(body, start):  # a prose '/x/' is no link
                    spots.append((start, words))
        if spots:
            return spots
    return []  # in the prose (a layout's link whose text a sentence holds), not as a link


def opens_link(body: str, start: int) -> bool:
    """Whether a link as written can start at body[start]."""
    before = body[start - 1] if start else "\n"
    if before in OPENING:
        return NAMING.search(body, max(0, start - 8), start) is None
    line_start = body.rfind("\n", 0, start) + 1
    return before in " \t" and REFERENCE.match(body, line_start, start) is not None


def widen(body: str, start: int, end: int) -> tuple[int, str]:
    """The whole link as written around body[start:end], site variables included."""
    while start > 0:
        for closing, opening in VARIABLES:
            if body.endswith(closing, 0, start):
                begins = body.rfind(opening, 0, start)
                if begins >= 0 and "\n" not in body[begins:start]:
                    start = begins
                    break
        else:
            if body[start - 1] in STOP or body[start - 1] == "=":
                break
            start -= 1
    while end < len(body) and body[end] not in STOP:
        end += 1
    return start, body[start:end]


def layout_line(sources: dict[str, str], value: str) -> tuple[str, int] | None:
    """The template (of a layout, then those it extends or includes) and the line that
    hold the link `value` as written, or the longest tail of its path; None if none does."""
    path = value.split("#")[0].split("?")[0]
    for name, source in sources.items():
        spots = link_spots(source, value, path)
        if spots:
            return name, source.count("\n", 0, spots[0][0]) + 1
    return None
