"""What search engines read: sitemap.xml and robots.txt."""

from __future__ import annotations

from xml.sax.saxutils import escape

from coursesite.structure import GroupSite


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
