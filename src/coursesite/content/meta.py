"""A page header's values as the group-website layouts read them: text, lists, yes/no."""

from __future__ import annotations

import unicodedata

from coursesite.content.page import Page

# The folders whose pages are events (listed by date, upcoming or past) and news items.
EVENT_FOLDERS = frozenset({"calendar", "events", "agenda", "defences"})
NEWS_FOLDERS = frozenset({"news", "highlights", "blog"})
YES = frozenset({"yes", "true", "on", "1", "y"})
NO = frozenset({"no", "false", "off", "0", "n"})


# Layouts of the real tree's Pelican theme that the default theme does not have: a page
# naming one is built with the layout here (a site's own templates/ may have the real
# one, which is then used). SPEC §8's names are the default theme's own.
THEME_ALIASES = {
    "about": "page", "article": "page", "index": "page", "homemsc": "page",
    "presentations": "page", "presentation-single": "page", "thesis-gallery": "page",
    "sitemap": "page", "people-former": "people", "phd-vacancies": "vacancies",
    "student-vacancies-aihealth": "student-vacancies",
    "student-vacancies-diag": "student-vacancies", "software": "projects",
    "research": "projects", "research-groups": "projects",
    "publication-thesis": "publication",
}


def layout_name(page: Page) -> str:
    return (page.template or "").removesuffix(".html")


def text_of(page: Page, key: str) -> str:
    value = page.meta.get(key, "")
    if isinstance(value, list):
        return ", ".join(v.strip() for v in value)
    return value.strip()


def items_of(page: Page, key: str) -> list[str]:
    """A comma-separated (or YAML list) field as its items."""
    value = page.meta.get(key)
    if not value:  # most pages have none of a given field: 10,000 pages ask several
        return []
    raw = value if isinstance(value, list) else [value]
    return [item.strip() for chunk in raw for item in chunk.split(",") if item.strip()]


def flag(page: Page, key: str, default: bool) -> bool:
    """`active: no`, `closed: true`: yes/no fields, anything unknown the default."""
    value = text_of(page, key).lower()
    return True if value in YES else False if value in NO else default


def fold(name: str) -> str:
    """A name as compared: no accents, case, dots or hyphens ("Clara I. Sánchez")."""
    plain = name
    if not name.isascii():  # most names and titles are: they have no accents to drop
        plain = unicodedata.normalize("NFKD", name)
        plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace("-", " ").replace(".", " ").split())
