"""The HTML of a publication in a list, and of its links (DOI, PDF, code, page).

In Python rather than in the theme's macros: a group's list of publications can be
10,000 entries long, and a macro per entry took most of that page's render time
(benchmarks/README.md). The theme still decides where lists go and what surrounds
them (templates/partials/collections.html: `publication_list`, `pub_links`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from markupsafe import Markup, escape

from coursesite.content import Page
from coursesite.content.bibliography import BibEntry
from coursesite.content.publications import type_name


def entry_links(entry: BibEntry, href: str | None = None) -> Markup:
    """The entry's links: its page (`href`), its DOI, PDF, code and address."""
    links = []
    if href is not None:
        links.append(f'<a href="{escape(href)}">Details<span class="visually-hidden">: '
                     f"{escape(entry.title)}</span></a>")
    if entry.doi:
        links.append(f'<a href="https://doi.org/{escape(entry.doi)}">DOI</a>')
    if entry.pdf:
        links.append(f'<a href="{escape(entry.pdf)}">PDF</a>')
    if entry.code:
        links.append(f'<a href="{escape(entry.code)}">Code</a>')
    if entry.url and not entry.pdf:
        links.append(f'<a href="{escape(entry.url)}">URL</a>')
    return Markup(f'<span class="pub-links">{"".join(links)}</span>')


def entry_item(entry: BibEntry, href: str, authors: Markup) -> str:
    """One `<li>` of a list of publications."""
    year = entry.year
    if entry.venue:
        meta = (f'<span class="pub-meta"><em>{escape(entry.venue)}</em>'
                f'{f", {year}" if year else ""}.</span>')
    else:
        meta = f'<span class="pub-meta">{year}.</span>' if year else ""
    return (f'<li class="pub"><span class="badge pub-type">{escape(type_name(entry))}</span>\n'
            f'  <span class="pub-title">{escape(entry.title)}</span>.\n'
            f'  <span class="pub-authors-short">{authors}</span>.\n'
            f"  {meta}\n  {entry_links(entry, href)}\n</li>\n")


def entry_items(pages: Iterable[Page], entry_of: Callable[[Page], BibEntry | None],
                href: Callable[[Page], str], authors: Callable[[BibEntry], Markup]) -> Markup:
    """The `<li>` of each publication's page of `pages`, in order."""
    return Markup("".join(entry_item(entry, href(page), authors(entry))
                          for page in pages if (entry := entry_of(page)) is not None))
