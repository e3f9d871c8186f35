"""A read entry (`RawBlock`) and the site's macros into a `BibEntry`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coursesite.content.bibliography.latex import SPACES, to_text, verbatim
from coursesite.content.bibliography.model import BibEntry
from coursesite.content.bibliography.names import Person, persons
from coursesite.content.bibliography.values import Macros
from coursesite.digest import digest_of
from coursesite.errors import Problems, did_you_mean

if TYPE_CHECKING:  # parse.py imports bibtexparser, which a site without .bib files never needs
    from coursesite.content.bibliography.parse import RawBlock, RawField

# Fields that are addresses or identifiers: no LaTeX in them, only braces and escapes.
VERBATIM = frozenset({"url", "doi", "file", "pdf", "code", "github", "eprint", "isbn", "issn",
                      "pmid", "gsid", "taverne_url", "arxiv", "urldate"})
# Fields of the group's own bookkeeping, left out of the BibTeX download.
PRIVATE = frozenset({"file", "optnote", "groups", "owner", "timestamp", "gsid", "gscites",
                     "taverne_url"})


def build_entry(raw: RawBlock, path: str, chunk: str, macros: Macros,
                problems: Problems) -> BibEntry:
    """The entry; an error for each macro defined nowhere and for a missing title (the
    entry is then kept, marked broken, so that links to it still resolve)."""
    latex: dict[str, str] = {}
    used: dict[str, str] = {}
    broken = False
    for field in raw.fields:
        text = macros.expand(field.value)
        if text is None:
            _report_missing(field, path, macros, problems)
            broken = True
            continue
        latex[field.name] = text
        used.update((name.lower(), macros.resolve(name) or "")
                    for is_macro, name in field.value if is_macro)
    fields = {name: verbatim(text) if name in VERBATIM else to_text(text)
              for name, text in latex.items()}
    if not fields.get("title"):
        problems.error(path, raw.line, f"the entry @{raw.type}{{{raw.key} has no title",
                       "add a field title = {...}: its page and the lists show it")
        broken = True
    authors = _persons(raw, "author", latex, path, problems)
    editors = _persons(raw, "editor", latex, path, problems)
    bibtex = bibtex_text(raw, latex)
    digest = digest_of(raw.key, raw.type, tuple(fields.items()), authors, editors, bibtex)
    return BibEntry(raw.key, raw.type, path, raw.line, fields, authors, editors, bibtex, digest,
                    chunk, tuple(sorted(used.items())), broken)


def _persons(raw: RawBlock, name: str, latex: dict[str, str], path: str,
             problems: Problems) -> tuple[Person, ...]:
    if name not in latex:
        return ()
    found, doubts = persons(latex[name])
    line = next(field.line for field in raw.fields if field.name == name)
    for doubt in doubts:
        problems.warning(path, line, f"{doubt} (in @{raw.type}{{{raw.key})",
                         "names are written 'First von Last' or 'von Last, First', "
                         "separated by 'and'")
    return found


def _report_missing(field: RawField, path: str, macros: Macros, problems: Problems) -> None:
    """At the field, or at the @string whose value holds the macro defined nowhere."""
    missing = macros.missing(field.value)
    if missing is None:  # not reachable: a value that does not expand has one
        return
    name, inside = missing
    where = (path, field.line) if inside is None else (inside.path, inside.line)
    hint = did_you_mean(name, (macro.name for macro in macros.defined.values())) or \
        f"define it in any .bib file of the site: @string{{{name} = {{...}}}}"
    if inside is None:
        problems.error(*where, f"the @string macro '{name}' is defined in no .bib file", hint)
    elif inside.name.lower() == name.lower():
        problems.error(*where, f"the @string macro '{name}' is defined by itself",
                       "give it a text: @string{NAME = {its text}}")
    else:
        problems.error(*where, f"the @string macro '{name}' (in the value of "
                       f"'{inside.name}') is defined in no .bib file", hint)


def bibtex_text(raw: RawBlock, latex: dict[str, str]) -> str:
    """@type{key, then each field as written but with its macros expanded, in braces,
    white space collapsed, one a line; the group's own bookkeeping fields left out."""
    lines = [f"@{raw.type}{{{raw.key},"]
    lines += [f"  {field.name} = {{{SPACES.sub(' ', latex[field.name]).strip()}}},"
              for field in raw.fields if field.name in latex and field.name not in PRIVATE]
    lines.append("}")
    return "\n".join(lines) + "\n"
