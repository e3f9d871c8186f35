"""Field values as written (`{...}`, `"..."`, numbers, macro names, joined by `#`), and
the `@string` macros that resolve them, across every .bib file of the site."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A value is a tuple of parts: (False, text) written out, (True, name) a macro's name.
Part = tuple[bool, str]
Value = tuple[Part, ...]

MONTHS = {"jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May",
          "jun": "June", "jul": "July", "aug": "August", "sep": "September",
          "oct": "October", "nov": "November", "dec": "December"}


class BadValue(ValueError):
    """A value that is no BibTeX value, and the offset in it where that shows."""

    def __init__(self, reason: str, offset: int):
        super().__init__(reason)
        self.offset = offset


def parse_value(raw: str) -> Value:
    """The parts of a value as the splitter gives it, or BadValue: empty, an unclosed
    `{` or `"`, or text after a part that is no `#` (a missing comma, most often)."""
    parts: list[Part] = []
    index, size = 0, len(raw)
    while True:
        while index < size and raw[index].isspace():
            index += 1
        end = _part_end(raw, index) if index < size else None
        if end is None:
            raise BadValue(_no_part(raw, index, bool(parts)), index)
        piece = raw[index:end]
        if piece[0] in "{\"":
            parts.append((False, piece[1:-1]))
        else:
            parts.append((not piece.isdigit(), piece))
        index = end
        while index < size and raw[index].isspace():
            index += 1
        if index == size:
            return tuple(parts)
        if raw[index] != "#":
            raise BadValue("a ',' is missing before it", index)
        index += 1


def _no_part(raw: str, index: int, after_hash: bool) -> str:
    if index >= len(raw):
        return "a value is missing after '#'" if after_hash else "no value"
    char = raw[index]
    return f"an unclosed '{char}'" if char in "{\"" else f"an unexpected '{char}'"


BRACES = re.compile(r"[{}]")
BRACES_QUOTES = re.compile(r'[{}"]')
WORD_END = re.compile(r'[\s#{}",=]')


def _part_end(raw: str, index: int) -> int | None:
    """Where the part that starts at `index` ends (exclusive); None when it does not."""
    opening = raw[index]
    if opening in "{\"":
        depth = 0
        marks = BRACES if opening == "{" else BRACES_QUOTES
        for mark in marks.finditer(raw, index if opening == "{" else index + 1):
            char = mark.group()
            if char == '"':
                if depth == 0:
                    return mark.end()
                continue
            depth += 1 if char == "{" else -1
            if depth == 0 and opening == "{":
                return mark.end()
            if depth < 0:
                return None
        return None
    match = WORD_END.search(raw, index)
    end = match.start() if match else len(raw)
    return end if end > index else None


@dataclass(frozen=True)
class Macro:
    name: str  # as written
    value: Value
    path: str
    line: int


@dataclass
class Macros:
    """Every `@string` of the site, by lowercased name (BibTeX's are case-insensitive);
    a name defined twice takes the later definition, as BibTeX does."""

    defined: dict[str, Macro] = field(default_factory=dict)
    _resolved: dict[str, str | None] = field(default_factory=dict)

    def define(self, macro: Macro) -> None:
        self.defined[macro.name.lower()] = macro
        self._resolved.clear()

    def resolve(self, name: str) -> str | None:
        """The text of macro `name` (its own macros expanded), None when it, or one it
        uses, is defined nowhere or refers to itself."""
        key = name.lower()
        if key in self._resolved:
            return self._resolved[key]
        macro = self.defined.get(key)
        if macro is None:
            return MONTHS.get(key)
        self._resolved[key] = None  # while resolving: a cycle resolves to None
        text = self.expand(macro.value)
        self._resolved[key] = text
        return text

    def expand(self, value: Value) -> str | None:
        texts = []
        for is_macro, text in value:
            resolved = self.resolve(text) if is_macro else text
            if resolved is None:
                return None
            texts.append(resolved)
        return "".join(texts)

    def missing(self, value: Value,
                seen: frozenset[str] = frozenset()) -> tuple[str, Macro | None] | None:
        """The first macro of `value` that does not resolve: its name, and the @string
        whose value holds the one defined nowhere (None: the name itself is). A macro
        that refers to itself is named with its own @string."""
        for is_macro, name in value:
            if not is_macro or self.resolve(name) is not None:
                continue
            macro = self.defined.get(name.lower())
            if macro is None:
                return name, None
            if name.lower() in seen:
                return name, macro
            inner = self.missing(macro.value, seen | {name.lower()})
            return (inner[0], inner[1] or macro) if inner else (name, macro)
        return None
