"""A page header's values as the group-website layouts read them: text, lists, yes/no."""

from __future__ import annotations

import unicodedata

from coursesite.content.page import Page

YES = frozenset({"yes", "true", "on", "1", "y"})
NO = frozenset({"no", "false", "off", "0", "n"})


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
