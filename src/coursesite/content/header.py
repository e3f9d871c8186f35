"""A page file's header: the bare `key: value` block or YAML between `---` lines.

The bare form is the one of the real content this tool replaces (Pelican's,
as Python-Markdown's `meta` extension reads it): from line 1, `key: value`
lines, ended by a blank line or by the first line that is neither such a line
nor a continuation (that line starts the body, with a warning).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from coursesite.config import yamltext
from coursesite.content.page import MetaValue
from coursesite.errors import ContentError, Problems

# Python-Markdown's META_RE: up to three spaces, a key, a colon, any space (`title:x` too).
KEY_LINE = re.compile(r"^[ ]{0,3}([A-Za-z0-9_-]+):[ \t]*(.*?)[ \t]*$")


@dataclass
class Header:
    values: dict[str, MetaValue]
    lines: dict[str, int]
    body: str
    body_line: int


def read_page_file(source: str, shown: str, limit: int) -> bytes:
    """The bytes of a page file, of at most `limit` (limits.page_bytes): never more is
    read, so a page of gigabytes (or a link to /dev/zero) costs no memory."""
    with open(source, "rb") as file:
        data = file.read(limit + 1)
        size = os.fstat(file.fileno()).st_size
    if len(data) > limit:
        over = f"{size:,} bytes" if size > limit else f"more than {limit:,} bytes"
        raise ContentError(shown, 1, f"the page file has {over}, over the limit of "
                           f"{limit:,} (limits.page_bytes)",
                           "raise limits.page_bytes in site.yaml if the page really needs "
                           "more, or split it into several pages")
    return data


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
        if not match:  # as Python-Markdown's meta extension reads it: the body starts here
            problems.warning(shown, number, f"the header ends at '{line.strip()[:60]}', "
                             "which is not a 'key: value' line: it starts the body",
                             "put a blank line after the header")
            end = index
            break
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


