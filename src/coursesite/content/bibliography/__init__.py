"""The site's bibliography: every .bib file under content/ into typed entries.

bibtexparser 2 splits the blocks, because it gives the line of every block and field,
goes on after a broken block (pybtex lets an unclosed brace swallow the next field and
takes a key without its comma), leaves @string macros unexpanded so that they can be
resolved once every file is read, and is faster than pybtex and far faster than
bibtexparser 1. pylatexenc turns what LaTeX is left after the accents into Unicode, as
the one of it and latexcodec that also drops braces and commands such as \\emph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from coursesite.content.bibliography.build import build_entry
from coursesite.content.bibliography.model import BibEntry, groups_named
from coursesite.content.bibliography.names import Person
from coursesite.content.bibliography.scan import Chunk, split_entries
from coursesite.content.bibliography.values import Macro, Macros
from coursesite.content.header import decode
from coursesite.errors import ContentError, Diagnostic, Problems
from coursesite.parallel import forked_map

__all__ = ["PARALLEL_FROM", "BibEntry", "Bibliography", "Chunk", "Person", "find_bib_files",
           "groups_named", "read_bibliography", "split_entries"]


@dataclass
class Bibliography:
    entries: dict[str, BibEntry] = field(default_factory=dict)  # by key, lowercased
    # Each entry read without a mistake, by the digest of its chunk: what the next
    # read_bibliography takes as its `cache`.
    cache: dict[str, BibEntry] = field(default_factory=dict)

    def get(self, key: str) -> BibEntry | None:
        """The entry of `key`, in any case (BibTeX keys are case-insensitive)."""
        return self.entries.get(key.lower())


def find_bib_files(content_dir: Path) -> list[Path]:
    """Every .bib file under `content_dir`, sorted (hidden folders left out)."""
    return sorted(path for path in content_dir.rglob("*.bib")
                  if not any(part.startswith(".") for part in
                             path.relative_to(content_dir).parts))


PARALLEL_FROM = 1000  # entries to parse: fewer are parsed faster by this process alone


def read_bibliography(files: Iterable[Path], root: Path, problems: Problems,
                      cache: Mapping[str, BibEntry] | None = None,
                      jobs: int = 1) -> Bibliography:
    """Read `files` (messages name them relative to `root`), reporting every mistake to
    `problems`; an entry with a syntax error, or whose key another entry above it has,
    is left out. With `cache` (the `cache` of the last Bibliography read), an entry whose
    chunk and macros are unchanged is taken from it instead of being parsed again; the
    others are parsed in `jobs` processes when there are many."""
    macros = Macros()
    pending: list[tuple[str, Chunk]] = []
    for path in files:
        shown = _shown(path, root)
        for chunk in _chunks(path, shown, problems):
            if chunk.kind == "string":
                from coursesite.content.bibliography.parse import parse_chunk  # see _read

                raw = parse_chunk(chunk, shown, problems)
                if raw is not None:
                    macros.define(Macro(raw.key, raw.fields[0].value, shown, raw.line))
            else:
                pending.append((shown, chunk))
    kept = {index: _cached(cache, chunk, shown, macros)
            for index, (shown, chunk) in enumerate(pending)}
    read = _read_all([item for index, item in enumerate(pending) if kept[index] is None],
                     macros, jobs)
    bibliography = Bibliography()
    seen: set[Diagnostic] = set()  # a macro many entries use is reported once
    for index, (_, chunk) in enumerate(pending):
        entry, found = (kept[index], []) if kept[index] is not None else next(read)
        problems.items.extend(item for item in found if item not in seen)
        seen.update(found)
        if entry is None:
            continue
        if not found and not entry.broken:
            bibliography.cache[chunk.digest] = entry
        _add(bibliography, entry, problems)
    return bibliography


Read = tuple[BibEntry | None, list[Diagnostic]]


def _read_all(chunks: list[tuple[str, Chunk]], macros: Macros, jobs: int) -> Iterator[Read]:
    if jobs <= 1 or len(chunks) < PARALLEL_FROM:
        return (_read(chunk, shown, macros) for shown, chunk in chunks)
    size = -(-len(chunks) // (jobs * 4))
    pieces = [chunks[start:start + size] for start in range(0, len(chunks), size)]
    done = forked_map(lambda piece: [_read(chunk, shown, macros) for shown, chunk in piece],
                      pieces, jobs)
    return (read for piece in done for read in piece)


def _read(chunk: Chunk, shown: str, macros: Macros) -> Read:
    """The entry of `chunk` (None when it is malformed, or no entry), and its mistakes."""
    # Here, not at the top: a site without a .bib file never imports bibtexparser.
    from coursesite.content.bibliography.parse import parse_chunk

    problems = Problems()
    raw = parse_chunk(chunk, shown, problems)
    entry = None if raw is None else build_entry(raw, shown, chunk.digest, macros, problems)
    return entry, problems.items


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _chunks(path: Path, shown: str, problems: Problems) -> list[Chunk]:
    try:
        return split_entries(decode(path.read_bytes(), shown))
    except ContentError as exc:
        problems.add(exc)
    except OSError as exc:
        problems.error(shown, None, f"the file cannot be read: {exc.strerror}")
    return []


def _cached(cache: Mapping[str, BibEntry] | None, chunk: Chunk, shown: str,
            macros: Macros) -> BibEntry | None:
    entry = cache.get(chunk.digest) if cache is not None else None
    if entry is None or any(macros.resolve(name) != text for name, text in entry.macros):
        return None
    if entry.path != shown or entry.line != chunk.line:
        entry = replace(entry, path=shown, line=chunk.line)
    return entry


def _add(bibliography: Bibliography, entry: BibEntry, problems: Problems) -> None:
    key = entry.key.lower()
    first = bibliography.entries.get(key)
    if first is None:
        bibliography.entries[key] = entry
        return
    problems.error(entry.path, entry.line, f"the key {entry.key} is taken already, by "
                   f"@{first.type}{{{first.key} at {first.path}:{first.line}",
                   "BibTeX keys are case-insensitive: give this entry another key, or "
                   "delete one of the two")

