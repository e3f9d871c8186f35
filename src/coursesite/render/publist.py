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
    doi, pdf, code, url = entry.doi, entry.pdf, entry.code, entry.url
    if doi:
        links.append(f'<a href="https://doi.org/{escape(doi)}">DOI</a>')
    if pdf:
        links.append(f'<a href="{escape(pdf)}">PDF</a>')
    if code:
        links.append(f'<a href="{escape(code)}">Code</a>')
    if url and not pdf:
        links.append(f'<a href="{escape(url)}">URL</a>')
    return Markup(f'<span class="pub-links">{"".join(links)}</span>')


def people_html(people: Iterable[tuple[str, str | None]]) -> Markup:
    """"Ann Smith, B. Li": each (name, address) a link where it has an address."""
    return Markup(", ".join(f'<a href="{escape(href)}">{escape(name)}</a>' if href else escape(name)
                            for name, href in people))


def entry_item(entry: BibEntry, href: str, authors: str) -> str:
    """One `<li>` of a list of publications."""
    year, venue = entry.year, entry.venue
    if venue:
        when = f", {year}" if year else ""
        meta = f'<span class="pub-meta"><em>{escape(venue)}</em>{when}.</span>'
    else:
        meta = f'<span class="pub-meta">{year}.</span>' if year else ""
    return (f'<li class="pub"><span class="badge pub-type">{escape(type_name(entry))}</span>\n'
            f'  <span class="pub-title">{escape(entry.title)}</span>.\n'
            f'  <span class="pub-authors-short">{authors}</span>.\n'
            f"  {meta}\n  {entry_links(entry, href)}\n</li>\n")


def entry_items(pages: Iterable[Page], entry_of: Callable[[Page], BibEntry | None],
                href: Callable[[Page], str], authors: Callable[[BibEntry], str]) -> Markup:
    """The `<li>` of each publication's page of `pages`, in order."""
    return Markup("".join(entry_item(entry, href(page), authors(entry))
                          for page in pages if (entry := entry_of(page)) is not None))
