"""Fenced code blocks, found as Python-Markdown's fenced_code finds them.

Four parts of the build must agree on what is code: the loader (a heading in code is
not the page's title), the body renderer (site variables in code stay as written), and
the Markdown preprocessors that run before fenced_code has set code aside (display math,
and the `title="…"` form of a fence). Each asks this module, which answers as
fenced_code does (it is the extension that renders fences), not as CommonMark would:

- a fence starts in the first column: indented, it is text (fenced_code does not look
  into lists or block quotes either);
- it is three or more backticks or tildes, and its line holds nothing else but a
  language (`python`, `.python`), `hl_lines="…"`, an attribute list `{ … }`, or the
  `python title="…"` form that FenceTitles rewrites into an attribute list;
- the first later line that is the same fence exactly (same character, same length,
  spaces after it allowed) closes it: a longer fence inside is code;
- a fence that is never closed is no fence: its lines are text, and one of them may
  open a fence of its own.

Markdown expands tabs before fenced_code looks, so a tab counts as spaces here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import NamedTuple

# A line that starts with a fence, and the rest of that line. The newline before it is in
# the pattern so that the regex engine skips from newline to newline (a pattern that starts
# with `^` is tried at every character: 3 to 5 times slower); the first line is alone.
_LINE = re.compile(r"\n(`{3,}|~{3,})([^\n]*)")
_FIRST_LINE = re.compile(r"(`{3,}|~{3,})([^\n]*)")
# What fenced_code's FENCED_BLOCK_RE accepts after the fence, up to the end of the line.
_INFO = re.compile(r"[ \t]*(?:\{(?P<attrs>.*)\}|\.?(?P<lang>[\w#.+-]*)[ \t]*"
                   r"(?:hl_lines=(?P<quote>[\"']).*?(?P=quote)[ \t]*)?)")
# The `python title="train.py" hl_lines="2"` form (see FenceTitles).
TITLED_INFO = re.compile(r"[ \t]*([\w+-]+)[ \t]+((?:[\w-]+=\"[^\"]*\"[ \t]*)+)")
# attr_list's tokens (its get_attrs_and_remainder reads them until one does not fit);
# fenced_code takes no attribute list that leaves a '}' unread.
_ATTR_TOKEN = r"""[^ =}]+=".*?"|[^ =}]+='.*?'|[^ =}]+=[^ =}]+|[^ =}]+"""
_ATTR_TOKENS = re.compile(f"(?:{_ATTR_TOKEN}| )*")
_ATTR_WORDS = re.compile(_ATTR_TOKEN)


class Fence(NamedTuple):
    """A fenced code block: `text[start:end]` is its lines, fences included."""

    start: int  # where its opening fence starts
    end: int  # where its closing line ends (at the newline after it, or the text's end)
    run: str  # the fence: ``` or ~~~~ …
    info: str  # the rest of the opening line

    @property
    def lang(self) -> str:
        """Its language, as fenced_code reads it ('' for none)."""
        titled = TITLED_INFO.fullmatch(self.info)
        if titled:
            return titled.group(1)
        found = _INFO.fullmatch(self.info)
        if found is None:
            return ""
        attrs = found.group("attrs")
        if attrs is None:
            return str(found.group("lang"))
        attrs, read = _read_attrs(attrs)
        words: list[str] = _ATTR_WORDS.findall(attrs, 0, read)
        for word in words:
            if word.startswith(".") and "=" not in word:
                return word[1:]  # the first class, as fenced_code takes it
        return ""


@functools.lru_cache(maxsize=4096)  # asked of every fence; most say "python" or "bash"
def opens(info: str) -> bool:
    """Whether a fence with `info` after it on its line may open a block."""
    if not info or TITLED_INFO.fullmatch(info):
        return True
    found = _INFO.fullmatch(info)
    if found is None:
        return False
    attrs = found.group("attrs")
    if attrs is None:
        return True
    attrs, read = _read_attrs(attrs)
    return "}" not in attrs[read:]


def _read_attrs(attrs: str) -> tuple[str, int]:
    """An attribute list with tabs as spaces, and how much of it attr_list reads."""
    attrs = attrs.replace("\t", " ")
    read = _ATTR_TOKENS.match(attrs)
    return attrs, read.end() if read else 0


@functools.lru_cache(maxsize=64)
def _closing(run: str) -> re.Pattern[str]:
    return re.compile("\n" + re.escape(run) + r"[ \t]*(?![^\n])")


def fences(text: str) -> Iterator[Fence]:
    """The fenced code blocks of a Markdown text, in order, found as they are asked for."""
    unclosed: set[str] = set()  # no closing line after one of these: none after a later one
    found = _FIRST_LINE.match(text)
    pos = 0
    while True:
        if found is None:
            found = _LINE.search(text, pos)
            if found is None:
                return
        run, info = found.group(1, 2)
        start, pos = found.start(1), found.end()
        found = None
        if run in unclosed or not opens(info):
            continue
        closing = _closing(run).search(text, pos)
        if closing is None:
            unclosed.add(run)
            continue
        pos = closing.end()
        yield Fence(start, pos, run, info)


def fence_lines(text: str) -> Iterator[tuple[int, int, Fence]]:
    """Each fenced block with the numbers (from 0) of its opening and closing lines."""
    line = counted = 0
    for fence in fences(text):
        line += text.count("\n", counted, fence.start)
        last = line + text.count("\n", fence.start, fence.end)
        yield line, last, fence
        line, counted = last, fence.end
