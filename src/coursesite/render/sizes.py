"""What an operator, a method or a filter of a page body will make or cost, worked out
from its arguments before it runs, where they say it.

A check after the fact is too late for `'x' | center(10**9)`: the gigabyte is made
first. These estimates are upper bounds where they can be had cheaply, so that the
sandbox (render/sandbox.py) refuses the work before it is done.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sized
from typing import Any

# The widths and precisions of '%' fields: '%999999999s'.
PERCENT_WIDTHS = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d*)(?:\.(\d+))?")
# The width and precision of a format spec: [[fill]align][sign][z][#][0][width][,_][.precision]
SPEC_WIDTH = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(\d*)[,_]?(?:\.(\d+))?", re.DOTALL)
# Filters sized from their arguments, which are bound to the filter's parameter names
# first (`center(width=10**9)` says it as well as `center(10**9)`).
SIZED_FILTERS = {"batch", "center", "format", "indent", "join", "replace", "slice", "wordwrap"}
# textwrap runs in Python, at about a microsecond (a step) per character of its text; a
# word longer than the width is cut by slicing it again for each line, which copies
# characters at about ten thousand a microsecond.
COPIES_PER_STEP = 10_000
LONG_WORD = "\\S{{{},}}"  # a word longer than the width


def length(value: Any) -> int:
    """The length of what an operation made, when it is a text or a collection."""
    return len(value) if isinstance(value, str | bytes | list | tuple | dict) else 0


def sized(value: Any) -> bool:
    return isinstance(value, str | bytes | list | tuple)


def field_widths(pattern: re.Pattern[str], text: str) -> int:
    """The widest field a format string asks for: it is made that wide, whatever it holds."""
    return max((number(n) for groups in pattern.findall(text) for n in groups if n), default=0)


def number(digits: str) -> int:
    """A width as written: Python reads no number of more than 4,300 digits, and any of
    more than 18 is too large to be a width."""
    return int(digits) if len(digits) < 19 else 10**18


def largest_int(values: Iterable[Any]) -> int:
    return max((v for v in values if isinstance(v, int)), default=0)


def operator_size(operator: str, left: Any, right: Any) -> int:
    """The length of `left <operator> right` worked out before it is made (0: not a sequence)."""
    if operator == "*":
        if sized(left) and isinstance(right, int):
            return len(left) * right
        if sized(right) and isinstance(left, int):
            return len(right) * left
    if operator == "+" and sized(left) and sized(right):
        return len(left) + len(right)
    if operator == "%" and isinstance(left, str):  # '%*s' takes its width from the values
        values = right if isinstance(right, tuple) else (right,)
        return max(field_widths(PERCENT_WIDTHS, left), largest_int(values))
    return 0


def asked_size(obj: Any, args: tuple[Any, ...]) -> int:
    """The length a str method will make, worked out from its arguments: 'x'.ljust(10**9),
    'ab'.replace('', s), 'x'.join([s] * 1000), 'a'.translate({97: s}). (str.format is
    bounded field by field as it runs: see BoundedFormatter.)"""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str) or not args:
        return 0
    first = args[0]
    if name in ("ljust", "rjust", "center", "zfill") and isinstance(first, int):
        return max(len(owner), first)
    if name == "expandtabs" and isinstance(first, int):
        return len(owner) + owner.count("\t") * max(first, 0)
    if name == "replace" and len(args) >= 2 and isinstance(first, str):
        count = args[2] if len(args) > 2 else None
        return len(owner) + occurrences(owner, first, count) * len(str(args[1]))
    if name == "join" and isinstance(first, list | tuple):
        return len(owner) * len(first) + sum(map(length, first))
    if name == "translate" and isinstance(first, dict | list | tuple):
        values = first.values() if isinstance(first, dict) else first
        return len(owner) * max(map(length, values), default=1)
    return 0


def spec_size(spec: str) -> int:
    """The width or precision a format spec asks for ('>999999999', '.999999999f'), however
    long the value it formats: at least that many characters are made."""
    found = SPEC_WIDTH.match(spec)
    return max((number(n) for n in found.groups() if n), default=0) if found else 0


def lines_of(text: Any) -> int:
    return text.count("\n") + 1 if isinstance(text, str) else 1


def occurrences(text: str, old: str, count: Any) -> int:
    """How many times `replace` puts its new text in: an empty `old` goes between every
    two characters, so 'ab' | replace('', s) makes three copies of s."""
    found = text.count(old)
    return min(found, count) if isinstance(count, int) and count >= 0 else found


def filter_size(name: str, named: dict[str, Any]) -> int:
    """The length a filter will make, from its arguments by name (see SIZED_FILTERS)."""
    value = named.get("value")
    if name in ("center", "indent"):
        width = named.get("width")
        width = len(width) if isinstance(width, str) else width  # indent('  ') takes a text
        text = value if name == "center" else named.get("s", "")
        if isinstance(width, int) and name == "center":
            return max(len(str(text)), width)
        if isinstance(width, int):
            return len(str(text)) + width * lines_of(text)
    if name == "wordwrap":
        return wrapped_size(named)
    if name == "replace" and isinstance(named.get("s"), str):
        text, old, new = named["s"], str(named.get("old", "")), str(named.get("new", ""))
        return len(text) + occurrences(text, old, named.get("count")) * len(new)
    if name == "join" and isinstance(value, Sized):
        return len(str(named.get("d", ""))) * len(value)
    if name == "format" and isinstance(value, str):
        values = (*named.get("args", ()), *named.get("kwargs", {}).values())
        return max(field_widths(PERCENT_WIDTHS, value), largest_int(values))
    if name == "slice" and isinstance(named.get("slices"), int):
        return int(named["slices"])
    if name == "batch" and named.get("fill_with") is not None:
        return largest_int((named.get("linecount"),))  # the last batch is filled to its length
    return 0


def wrapped_size(named: dict[str, Any]) -> int:
    """At most what `wordwrap` makes: its text and a `wrapstring` (which may be long) for
    each line and paragraph. A line holds at least one character, and at most one piece
    of each word (a hyphen may end a piece) more than `width` would allow."""
    text, width = named.get("s"), named.get("width", 79)
    if not isinstance(text, str) or not isinstance(width, int) or width < 1:
        return 0
    blanks = sum(map(text.count, " \t\n\r\v\f"))
    letters = len(text) - blanks
    lines = min(letters, letters // width + blanks + text.count("-") + 1)
    paragraphs = text.count("\n") + 1
    return len(text) + (lines + paragraphs) * len(str(named.get("wrapstring") or "\n"))


def filter_work(name: str, named: dict[str, Any]) -> Iterator[int]:
    """The steps a filter takes beyond one, in parts: each part is charged before the next
    is worked out, so that a text too long to wrap is refused before its words are read."""
    text, width = named.get("s"), named.get("width", 79)
    if name == "wordwrap" and isinstance(text, str) and isinstance(width, int):
        yield len(text)
        yield long_words_work(text, width)


def long_words_work(text: str, width: int) -> int:
    """The characters textwrap copies to cut the words of `text` longer than `width` into
    lines: each line is sliced off the rest of its word."""
    if width < 1:
        return 0
    copied = sum(len(word) ** 2 // (2 * width)
                 for word in re.findall(LONG_WORD.format(width + 1), text))
    return copied // COPIES_PER_STEP
