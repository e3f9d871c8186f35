"""Which pages each group has, and where: SPEC §7's rules in one place.

A group has the shared pages whose groups name it and the pages of its own
content folder; an own page at the same path as a shared one replaces it (its
news/x.md replaces pages/news/x.md, as the real tree's copy script did). In
the group, a folder with a URL pattern (`groups.<g>.urls`) has its pages
placed by the pattern, and a default page (content/pages/defaults/, which
the loader gives to the groups whose nav names it) or a BibTeX entry's page
gives way to a page of the group at the same URL. Pages placed by a
pattern are copies, made for that group alone, so that no object is
rewritten per group.
"""

from __future__ import annotations

import dataclasses

from coursesite.config.site import GroupConfig
from coursesite.content.fields import DEFAULTS
from coursesite.content.page import Page
from coursesite.content.placing import pattern_for, patterned


def group_pages(group: GroupConfig, pages: list[Page]) -> list[Page]:
    """The group's pages, each at its URL in this group."""
    # Each rule is skipped where it changes nothing: this runs over every page per group.
    mine = [p for p in pages if group.name in p.groups]
    own = {rel for p in mine if p.own_group == group.name for rel in shared_twins(p.rel)}
    if own:
        mine = [p for p in mine if p.own_group is not None or p.rel not in own]
    chosen = [placed(p, group) for p in mine] if group.urls else mine
    if not any(gives_way(p) for p in chosen):
        return chosen
    # A default page is the group's page at its nav URL, and a BibTeX entry's page at
    # publications/<key>/, unless the group has a page of its own there.
    taken = {p.output for p in chosen if not gives_way(p)}
    return [p for p in chosen if not (gives_way(p) and p.output in taken)]


def shared_twins(rel: str) -> tuple[str, ...]:
    """The shared paths an own page of a group replaces: its own, and for `news/x.md` also
    `pages/news/x.md`, which the real tree's copy script put in a site's news/ folder."""
    return (rel, f"pages/{rel}") if rel.startswith("news/") else (rel,)


def gives_way(page: Page) -> bool:
    """A default page, or the page made for a BibTeX entry."""
    return page.rel.startswith(DEFAULTS) or (bool(page.entry) and "#" in page.rel)


def placed(page: Page, group: GroupConfig) -> Page:
    """The page, or its copy at the URL the group's pattern gives it."""
    pattern = pattern_for(page, group.urls)
    if pattern is None:
        return page
    url, output = patterned(page, pattern)
    if (url, output) == (page.url, page.output):
        return page
    return dataclasses.replace(page, url=url, output=output)
