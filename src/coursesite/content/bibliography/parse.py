"""One block of a .bib file (a `Chunk`) read by bibtexparser's splitter into its type,
key and fields as written; every mistake is reported at its line."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bibtexparser import model
from bibtexparser.entrypoint import parse_string

from coursesite.content.bibliography.scan import Chunk
from coursesite.content.bibliography.values import BadValue, Value, parse_value
from coursesite.errors import Problems

HEAD = re.compile(r"\s*@\s*(\w*)\s*[{(]\s*([^,\s}=]*)")
IGNORED = ("comment", "preamble")
# The splitter logs each block it cannot parse; coursesite reports them itself, at their line.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
UNCLOSED = ("Unexpected block start", "Unexpectedly reached end of file")


@dataclass(frozen=True)
class RawField:
    name: str  # lowercased
    value: Value
    line: int


@dataclass(frozen=True)
class RawBlock:
    """An entry (`type` "article", ...) or an @string (`type` "string") as written."""

    type: str
    key: str
    line: int
    fields: tuple[RawField, ...]


def parse_chunk(chunk: Chunk, path: str, problems: Problems) -> RawBlock | None:
    """The block of `chunk`; None for a comment, a preamble, or a malformed block (reported)."""
    if chunk.kind in IGNORED:
        return None
    blocks = [block for block in parse_string(chunk.text, parse_stack=[]).blocks
              if not isinstance(block, model.ImplicitComment)]
    if not blocks:
        head = HEAD.match(chunk.text)
        problems.error(path, chunk.line, "'@' starts no BibTeX entry" if head is None else
                       f"the entry '@{head.group(1)}' has no key" if not head.group(2) else
                       "this is no BibTeX entry",
                       "an entry is written @type{key, field = {value}, ...}; a '%' line "
                       "is a comment")
        return None
    block: model.Block | None = blocks[0]
    if isinstance(block, model.DuplicateFieldKeyBlock | model.MiddlewareErrorBlock):
        block = block.ignore_error_block
    if isinstance(block, model.ParsingFailedBlock):
        _report_failure(chunk, block, path, problems)
        return None
    if isinstance(block, model.String):
        return _string(chunk, block, path, problems)
    if isinstance(block, model.Entry):
        return _entry(chunk, block, path, problems)
    return None


def _line(chunk: Chunk, offset: int) -> int:
    """The line of `offset` in `chunk.text`."""
    return chunk.line + chunk.text.count("\n", 0, max(offset, 0))


def _report_failure(chunk: Chunk, block: model.ParsingFailedBlock, path: str,
                    problems: Problems) -> None:
    head = HEAD.match(chunk.text)
    kind, key = (head.group(1), head.group(2)) if head else ("", "")
    name = f"@{kind}{{{key}" if key else f"@{kind}"
    error = block.error
    reason = getattr(error, "abort_reason", str(error))
    end = getattr(error, "end_index", None)
    line = chunk.line if end is None else _line(chunk, end - 1)  # the splitter adds a "\n"
    if reason.startswith(UNCLOSED):
        problems.error(path, chunk.line, f"the entry {name} is not closed: a '}}' is missing",
                       "every '{' needs its '}': look for a value of this entry left open")
    elif reason.startswith("Expected comma after entry key"):
        problems.error(path, chunk.line, f"a ',' is missing after the key of {name}",
                       "an entry starts @type{key, then its fields")
    elif reason.startswith("Expected a `=` after entry key"):
        found = reason.rpartition("but found ")[2].strip("`.")
        problems.error(path, line, f"a field of {name} has no '=' (found '{found}' instead)",
                       "a field is written name = {value}, and fields are separated by ','")
    else:
        problems.error(path, line, f"the entry {name} is malformed: {_clean(reason)}",
                       "an entry is written @type{key, name = {value}, name = {value}}")


def _clean(reason: str) -> str:
    """bibtexparser's reason, in the words of the other messages."""
    reason = reason.replace("`", "'").strip().rstrip(".")
    return reason[:1].lower() + reason[1:]


def _string(chunk: Chunk, block: model.String, path: str, problems: Problems) -> RawBlock | None:
    line = chunk.line + (block.start_line or 0)
    try:
        value = parse_value(block.value)
    except BadValue as exc:
        problems.error(path, line, f"the @string {block.key} has a bad value: {exc}",
                       "a macro is written @string{NAME = {its text}}")
        return None
    return RawBlock("string", block.key, line, (RawField(block.key.lower(), value, line),))


def _entry(chunk: Chunk, block: model.Entry, path: str, problems: Problems) -> RawBlock | None:
    line = chunk.line + (block.start_line or 0)
    fields: dict[str, RawField] = {}
    good = True
    for field in block.fields:
        name, field_line = field.key.lower(), chunk.line + (field.start_line or 0)
        try:
            value = parse_value(str(field.value))
        except BadValue as exc:
            at = field_line + str(field.value)[:exc.offset].count("\n")
            problems.error(path, at, f"the value of '{name}' in @{block.entry_type}"
                           f"{{{block.key} is no BibTeX value: {exc}",
                           "a value is {text}, \"text\", a number or an @string macro, "
                           "joined by '#'; fields are separated by ','")
            good = False
            continue
        if name in fields:
            problems.warning(path, field_line, f"the field '{name}' is given twice in "
                             f"@{block.entry_type}{{{block.key}; the first is kept")
            continue
        fields[name] = RawField(name, value, field_line)
    if not good:
        return None
    return RawBlock(block.entry_type.lower(), block.key, line, tuple(fields.values()))
