"""What group websites' layouts show beyond a page's own body (SPEC §8): the events'
texts of a calendar, and each publication's BibTeX download."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup

from coursesite.content import GroupSite, Page
from coursesite.content.collections import Collections
from coursesite.errors import ContentError
from coursesite.render.body import Converted
from coursesite.render.links import Linker, UnitLinks
from coursesite.render.unit import UnitContext

Convert = Callable[[Page, UnitLinks, str], tuple[Converted, str]]


def event_texts(ctx: UnitContext, events: Sequence[Page], collections: Collections,
                linker: Linker, convert: Convert) -> dict[str, Markup]:
    """Each event's `content_before` or `content_after` as Markdown, by content path.

    Converted as the event's own (its links resolved from its file, its mistakes at
    its place), and gathered into the listing's unit, whose page shows them."""
    texts = {}
    for event in events:
        text = collections.event_text(event)
        if not text:
            continue
        sub = UnitContext(event, ctx.group)
        try:
            html = convert(event, UnitLinks(linker, sub), text)[0].html
        except ContentError as exc:
            sub.problems.add(exc)
            html = ""
        texts[event.content_path] = Markup(html)
        gather(ctx, sub)
    return texts


def gather(ctx: UnitContext, sub: UnitContext) -> None:
    """What a part of a unit's page asked and found, into the unit's context."""
    ctx.problems.items.extend(sub.problems.items)
    ctx.deps.extend(sub.deps)
    ctx.recorded |= sub.recorded
    ctx.uses.extend(sub.uses)
    ctx.failed |= sub.failed
    for href, written in sub.written.items():
        ctx.written.setdefault(href, []).extend(written)


def downloads(site: GroupSite) -> dict[str, bytes]:
    """Each publication's BibTeX, beside its page: publications/<key>/<key>.bib."""
    found = {}
    for page in site.pages:
        entry = site.collections.entry(page)
        if entry is not None and not page.broken:
            found[f"{page.url}{entry.key}.bib"] = entry.bibtex.encode("utf-8")
    return found
