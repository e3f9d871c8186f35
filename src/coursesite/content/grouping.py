"""Which pages each group has, and where: SPEC §7's rules in one place.

A group has the shared pages whose groups name it and the pages of its own
content folder; an own page at the same path as a shared one replaces it. In
the group, a folder with a URL pattern (`groups.<g>.urls`) has its pages
placed by the pattern, and a default page (content/pages/defaults/, which
the loader gives to the groups whose nav names it) gives way to a page of the
group at the same URL. Pages placed by a pattern are copies, made for that group alone, so
that no object is rewritten per group.
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
    own = {p.rel for p in mine if p.own_group == group.name}
    if own:
        mine = [p for p in mine if p.own_group is not None or p.rel not in own]
    chosen = [placed(p, group) for p in mine] if group.urls else mine
    if not any(p.rel.startswith(DEFAULTS) for p in chosen):
        return chosen
    # A default page is the group's page at its nav URL unless the group has one there.
    taken = {p.output for p in chosen if not p.rel.startswith(DEFAULTS)}
    return [p for p in chosen if not (p.rel.startswith(DEFAULTS) and p.output in taken)]


def placed(page: Page, group: GroupConfig) -> Page:
    """The page, or its copy at the URL the group's pattern gives it."""
    pattern = pattern_for(page, group.urls)
    if pattern is None:
        return page
    url, output = patterned(page, pattern)
    if (url, output) == (page.url, page.output):
        return page
    return dataclasses.replace(page, url=url, output=output)
