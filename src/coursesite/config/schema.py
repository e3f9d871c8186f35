"""What reads site.yaml's tables: kinds of values, keys and tables of keys.

A `Table` (the tables themselves are in options.py) declares each key of one
mapping once: its name, its `Kind`, its default and a line saying what it is
for. Everything else is derived from it, so that it is never written twice: the
keys the mapping may hold (any other is an error with a did-you-mean), which are
required, the type checks, and the value of a key left out. Every check fails at
the line of the key at fault, because a typo that passes silently costs an
author an afternoon.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from coursesite.config import yamltext
from coursesite.errors import ConfigError, did_you_mean
from coursesite.fsutil import shown_path

KeyPath = yamltext.KeyPath
# A key path of the tables, with "*" for the names and the positions a user picks
# (`groups.<g>`, the entries of `nav`): what docs and tests compare site.yaml texts with.
Declared = tuple[str, ...]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final[Any] = _Required()  # the default of a key that must be given


class Reader:
    """The file, the line of each key and the folder paths are relative to, for the kinds."""

    def __init__(self, path: str, lines: dict[KeyPath, int], root: Path):
        self.path = path
        self.lines = lines
        self.root = root
        # Every mistake is reported in one run: a key found wrong is noted here and
        # reading goes on with the next one (see Table.read).
        self.errors: list[ConfigError] = []

    def relative(self, path: Path) -> str:
        """A path as messages show it: relative to the folder of site.yaml."""
        return shown_path(path, self.root)

    def fail(self, key_path: KeyPath, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(self.path, yamltext.line_of(self.lines, key_path), message, hint)

    def mapping(self, value: Any, key_path: KeyPath,
                allowed: Collection[str] | None) -> dict[str, Any]:
        """`value` as a mapping whose keys are all `allowed` (any key when None)."""
        where = dotted(key_path) or "the file"
        if not isinstance(value, dict):
            raise self.fail(key_path, f"{where} must be a mapping of keys to values")
        for key in value:
            if allowed is not None and str(key) not in allowed:
                hint = (did_you_mean(str(key), allowed)
                        or f"known keys: {', '.join(sorted(allowed))}")
                self.errors.append(self.fail((*key_path, str(key)),
                                             f"unknown key '{key}' in {where}", hint))
        return value


def dotted(key_path: KeyPath) -> str:
    return ".".join(str(part) for part in key_path)


def kind_of(value: Any) -> str:
    """A YAML value's kind, as messages name it."""
    return {dict: "a mapping", list: "a list", type(None): "empty", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


class Kind:
    """What a key's value must be; `read` checks a value and returns its Python value."""

    def read(self, reader: Reader, value: Any, path: KeyPath) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        """The kind in a few words, for messages and docs."""
        raise NotImplementedError

    def is_empty(self, value: Any) -> bool:
        """Whether a value given for a required key counts as not given at all."""
        return False

    def inside(self, path: Declared) -> Iterator[tuple[Declared, Key | None]]:
        """The key paths below a key of this kind (see `key_paths`)."""
        return iter(())


@dataclass(frozen=True)
class Key:
    """One key of a mapping of site.yaml, declared once."""

    name: str
    kind: Kind
    # As site.yaml would write it (it is read by `kind` like a value written there);
    # None: the key's value is None when it is left out; REQUIRED: it must be given.
    default: Any
    doc: str  # one line: what the key is for
    field: str | None = None  # the model's field it fills, when that is not `name`
    hint: str | None = None  # shown when a required key is missing

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Table:
    """The keys one mapping of site.yaml may hold."""

    keys: tuple[Key, ...]
    # The message for a required key left out: {key} is that key, {name} the mapping's
    # own key (a group's name), {required} all the required keys ("'a' and 'b'").
    missing: str = "{name} has no '{key}'"

    def __post_init__(self) -> None:
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"a key is declared twice in {self.names}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys)

    def read(self, reader: Reader, value: Any, path: KeyPath) -> dict[str, Any]:
        """The value of every key, by field: the one given, else the default."""
        data = reader.mapping(value, path, self.names)
        missing = [key for key in self.keys if key.required and (
            key.name not in data or key.kind.is_empty(data[key.name]))]
        for key in missing[:1] if "{required}" in self.missing else missing:  # or one names all
            required = " and ".join(f"'{k.name}'" for k in self.keys if k.required)
            name = str(path[-1]) if path else "the file"
            message = self.missing.format(key=key.name, name=name, required=required)
            reader.errors.append(reader.fail((*path, key.name), message, key.hint))
        return {key.field or key.name: self._value(key, data, reader, (*path, key.name))
                for key in self.keys}

    def _value(self, key: Key, data: dict[str, Any], reader: Reader, path: KeyPath) -> Any:
        """The key's value; None, with the mistake noted in `reader`, when it is wrong."""
        given = key.name in data and not (data[key.name] is None and
                                          isinstance(key.kind, Nullable))
        if key.required and not given:
            return None  # reported by `read`
        try:
            if given:
                return key.kind.read(reader, data[key.name], path)
            return None if key.default is None else key.kind.read(reader, key.default, path)
        except ConfigError as error:
            reader.errors.append(error)
            return None


def key_paths(table: Table, prefix: Declared = ()) -> Iterator[tuple[Declared, Key | None]]:
    """Every key path the table declares, with its key; the names and positions a user
    picks (a group's name, an entry of a list) are "*", with no key."""
    for key in table.keys:
        path = (*prefix, key.name)
        yield path, key
        yield from key.kind.inside(path)


@dataclass(frozen=True)
class Text(Kind):
    def read(self, reader: Reader, value: Any, path: KeyPath) -> str:
        # Numbers are text too: `language: 1` or `title: 2024` mean what they say.
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise reader.fail(path, f"'{dotted(path)}' must be text, not {kind_of(value)}")
        return str(value)

    def describe(self) -> str:
        return "text"


@dataclass(frozen=True)
class Folder(Kind):
    def read(self, reader: Reader, value: Any, path: KeyPath) -> Path:
        return (reader.root / Text().read(reader, value, path)).resolve()

    def describe(self) -> str:
        return "a folder, relative to site.yaml"


@dataclass(frozen=True)
class Url(Text):
    def read(self, reader: Reader, value: Any, path: KeyPath) -> str:
        url = super().read(reader, value, path)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise reader.fail(path, f"'{url}' is not an absolute http(s) URL",
                              "write the full address, e.g. https://rtc.example.org/")
        # Always a trailing '/', so that a site path is appended without doubling it.
        url = single_slashes(url)
        return url if url.endswith("/") else url + "/"

    def describe(self) -> str:
        return "an absolute http(s) URL"


@dataclass(frozen=True)
class UrlOrPath(Kind):
    """A URL (https://host/..., //host/...) or a path of the site (/assets)."""

    def read(self, reader: Reader, value: Any, path: KeyPath) -> str:
        return single_slashes(Text().read(reader, value, path))

    def describe(self) -> str:
        return "a URL or a path"


def single_slashes(url: str) -> str:
    """`url` with no '//' inside its path: 'https://x.org//rtc//' is 'https://x.org/rtc/'.

    A path that starts with '//' would be read by a browser as a host name, and
    SPEC §2 promises that no value produces '//' inside a path.
    """
    parts = urlsplit(url)
    if "//" not in parts.path and (parts.netloc or not url.startswith("//")):
        return url
    return parts._replace(path=re.sub("/{2,}", "/", parts.path)).geturl()


@dataclass(frozen=True)
class Choice(Kind):
    """One of a few words."""

    choices: tuple[str, ...]

    def read(self, reader: Reader, value: Any, path: KeyPath) -> str:
        text = Text().read(reader, value, path)
        if text not in self.choices:
            raise reader.fail(path, f"{dotted(path)} must be {self.describe()}, not '{text}'",
                              did_you_mean(text, self.choices))
        return text

    def describe(self) -> str:
        return " or ".join(self.choices)


# The parts a URL pattern may hold: {slug}, {category}, {date:%Y} (any strftime format).
PATTERN_PART = re.compile(r"\{(slug|category|date(?::[^{}]*)?)\}")


@dataclass(frozen=True)
class UrlPattern(Kind):
    """A site path with {slug}, {category} and {date:%Y} parts, ending in '/' or '.html'."""

    def read(self, reader: Reader, value: Any, path: KeyPath) -> str:
        text = Text().read(reader, value, path).lstrip("/")
        rest = PATTERN_PART.sub("", text)
        if "{" in rest or "}" in rest:
            bad = re.search(r"\{[^}]*\}?", rest)
            raise reader.fail(path, f"unknown part '{bad.group(0) if bad else rest}' in URL "
                              f"pattern '{text}'", "patterns may use {slug}, {category} and "
                              "{date:%Y} (any strftime format)")
        if not (text.endswith("/") or text.endswith(".html")) or ".." in text.split("/"):
            raise reader.fail(path, f"URL pattern '{text}' must end in '/' or '.html'",
                              "e.g. people/{slug}/ (written to people/<slug>/index.html)")
        return text

    def describe(self) -> str:
        return "a URL pattern such as people/{slug}/"


@dataclass(frozen=True)
class Globs(Kind):
    """Glob patterns of paths under a content folder ('**' for any folders)."""

    def read(self, reader: Reader, value: Any, path: KeyPath) -> tuple[str, ...]:
        globs = Names().read(reader, value, path)
        for index, glob in enumerate(globs):
            if glob.startswith("/") or ".." in glob.split("/"):
                raise reader.fail((*path, index), f"exclude pattern '{glob}' leaves the "
                                  "content folder", "patterns are relative to content/, "
                                  "e.g. pages/drafts/**")
        return globs

    def describe(self) -> str:
        return "a list of glob patterns, e.g. pages/drafts/**"


@dataclass(frozen=True)
class Flag(Kind):
    def read(self, reader: Reader, value: Any, path: KeyPath) -> bool:
        if not isinstance(value, bool):
            raise reader.fail(path, f"'{dotted(path)}' must be true or false, "
                                    f"not {kind_of(value)}")
        return value

    def describe(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class Names(Kind):
    """A list of names, or one text of names separated by commas."""

    choices: tuple[str, ...] = ()  # when not empty, the only names allowed
    what: str = "name"  # what a name is, for the message about one not in `choices`
    lower: bool = False  # names compared in lower case

    def read(self, reader: Reader, value: Any, path: KeyPath) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise reader.fail(path, f"'{dotted(path)}' must be a list, not {kind_of(value)}")
        names = [Text().read(reader, v, (*path, i)) for i, v in enumerate(value)]
        names = [name.lower() for name in names] if self.lower else names
        for index, name in enumerate(names):
            if self.choices and name not in self.choices:
                raise reader.fail((*path, index), f"unknown {self.what} '{name}'",
                                  f"choose from {', '.join(self.choices)}")
        return tuple(names)

    def describe(self) -> str:
        return f"a list of: {', '.join(self.choices)}" if self.choices else "a list of names"


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


@dataclass(frozen=True)
class Integer(Kind):
    low: int
    high: int

    def read(self, reader: Reader, value: Any, path: KeyPath) -> int:
        if not _whole(value, self.low, self.high):
            raise reader.fail(path, f"{dotted(path)} must be {self.describe()}")
        return int(value)

    def describe(self) -> str:
        return f"a whole number {self.low}-{self.high}"


@dataclass(frozen=True)
class Integers(Kind):
    """A list of whole numbers: `count` of them in order (a size), else a sorted set."""

    low: int
    high: int
    count: int | None = None

    def read(self, reader: Reader, value: Any, path: KeyPath) -> tuple[int, ...]:
        ok = (isinstance(value, list) and bool(value)
              and all(_whole(n, self.low, self.high) for n in value))
        if not ok or (self.count is not None and len(value) != self.count):
            raise reader.fail(path, f"{dotted(path)} must be {self.describe()}")
        return tuple(value) if self.count is not None else tuple(sorted(value))

    def describe(self) -> str:
        what = f"{self.count} whole numbers" if self.count else "a list of whole numbers"
        return f"{what} from {self.low} to {self.high}"


@dataclass(frozen=True)
class Section(Kind):
    """A nested mapping with a table of its own; read into a dict of its values."""

    table: Table
    # When given, a value that is not a mapping is short for {short: value}.
    short: str | None = None

    def read(self, reader: Reader, value: Any, path: KeyPath) -> dict[str, Any]:
        if self.short is not None and not isinstance(value, dict):
            value = {self.short: value}
        return self.table.read(reader, value, path)

    def describe(self) -> str:
        return "{" + ", ".join(self.table.names) + "}"

    def inside(self, path: Declared) -> Iterator[tuple[Declared, Key | None]]:
        return key_paths(self.table, path)


@dataclass(frozen=True)
class ListOf(Kind):
    item: Kind

    def read(self, reader: Reader, value: Any, path: KeyPath) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise reader.fail(path, f"'{path[-1]}' must be a list of {self.item.describe()}")
        return tuple(self.item.read(reader, v, (*path, i)) for i, v in enumerate(value))

    def describe(self) -> str:
        return f"a list of {self.item.describe()}"

    def inside(self, path: Declared) -> Iterator[tuple[Declared, Key | None]]:
        yield (*path, "*"), None
        yield from self.item.inside((*path, "*"))


@dataclass(frozen=True)
class Named(Kind):
    """A mapping whose keys are names the user picks, each with a value of one kind."""

    value: Kind
    what: str  # what a name is, for messages: "group"
    pattern: re.Pattern[str] | None = None  # what a name must look like
    reserved: tuple[str, ...] = ()  # names that mean something else
    rule: str | None = None  # the hint for a name that breaks the pattern or is reserved

    def read(self, reader: Reader, value: Any, path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, item in reader.mapping(value, path, None).items():
            name = str(key)
            if (self.pattern and not self.pattern.match(name)) or name in self.reserved:
                raise reader.fail((*path, name), f"'{name}' cannot be a {self.what} name",
                                  self.rule)
            result[name] = self.value.read(reader, item, (*path, name))
        return result

    def describe(self) -> str:
        return f"a mapping of {self.what} names to {self.value.describe()}"

    def is_empty(self, value: Any) -> bool:
        # `groups:` with nothing under it is no groups, not a mistake of another kind.
        return not value

    def inside(self, path: Declared) -> Iterator[tuple[Declared, Key | None]]:
        yield (*path, "*"), None
        yield from self.value.inside((*path, "*"))


@dataclass(frozen=True)
class Nullable(Kind):
    """A kind whose key may also be left empty (`key:` and nothing), meaning its default."""

    kind: Kind

    def read(self, reader: Reader, value: Any, path: KeyPath) -> Any:
        return self.kind.read(reader, value, path)

    def describe(self) -> str:
        return self.kind.describe()

    def inside(self, path: Declared) -> Iterator[tuple[Declared, Key | None]]:
        return self.kind.inside(path)
