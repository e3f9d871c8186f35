"""What search engines and feed readers read: sitemap.xml, robots.txt, feed.xml."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape as _escape

from coursesite.content import GroupSite, Page

FEED_SIZE = 50


def escape(text: str) -> str:
    """&, < and > as XML entities (xml.sax.saxutils would import urllib.request and http)."""
    return _escape(text, quote=False)


def sitemap_xml(site: GroupSite) -> str:
    """Absolute URLs of the listed pages, with lastmod from their dates."""
    entries = []
    pages = sorted(site.listed_pages(), key=lambda p: p.url)
    if site.home is None:
        entries.append(f"  <url><loc>{escape(site.group.url)}</loc></url>")
    for page in pages:
        lastmod = f"<lastmod>{page.date.date().isoformat()}</lastmod>" if page.date else ""
        entries.append(f"  <url><loc>{escape(site.group.absolute(page.url))}</loc>{lastmod}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(entries)
        + "\n</urlset>\n"
    )


def robots_txt(site: GroupSite) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {site.group.absolute('sitemap.xml')}\n"


def atom_feed(site: GroupSite, href: Callable[[Page], str]) -> str:
    """An Atom feed of the group's dated pages, newest first.

    `updated` comes from the newest page's date, never from the clock, so two
    builds of the same input write the same feed.
    """
    group = site.group
    pages = site.recent(FEED_SIZE)
    updated = _stamp(pages[0].date) if pages and pages[0].date else "1970-01-01T00:00:00Z"
    self_url = group.absolute("feed.xml")
    entries = []
    for page in pages:
        url = group.absolute(page.url)
        summary = f"\n    <summary>{escape(page.description)}</summary>" if page.description else ""
        entries.append(
            f"  <entry>\n    <title>{escape(page.title)}</title>\n"
            f'    <link rel="alternate" type="text/html" href="{escape(url)}"/>\n'
            f"    <id>{escape(url)}</id>\n    <updated>{_stamp(page.date)}</updated>"
            f"{summary}\n  </entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <title>{escape(group.title)}</title>\n"
        + (f"  <subtitle>{escape(group.description)}</subtitle>\n" if group.description else "")
        + f'  <link rel="self" type="application/atom+xml" href="{escape(self_url)}"/>\n'
        f'  <link rel="alternate" type="text/html" href="{escape(group.url)}"/>\n'
        f"  <id>{escape(group.url)}</id>\n"
        f"  <updated>{updated}</updated>\n"
        f"  <author><name>{escape(group.title)}</name></author>\n"
        + "".join(entry + "\n" for entry in entries)
        + "</feed>\n"
    )


def _stamp(moment: datetime | None) -> str:
    return (moment or datetime(1970, 1, 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
