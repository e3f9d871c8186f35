"""Where a page lands: its folder, slug, category, URL and output file.

By default from its path in its content folder (SPEC §5); a header's `save_as:`
and `url:` (Pelican's) say otherwise; in a group, a URL pattern of `urls:`
(SPEC §7) may place a folder's pages elsewhere.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from coursesite.config.schema import PATTERN_PART
from coursesite.content.page import Page


def place_page(page: Page, save_as: str = "", url: str = "") -> None:
    """Derive the page's folder, slug, category, URL and output file from its path in its
    content folder, or from its header's `save_as:` and `url:`."""
    parts = page.rel.split("/")
    folder_parts, stem = parts[:-1], parts[-1][: -len(".md")]
    page.folder = "/".join(folder_parts)
    # Trees laid out the Pelican way keep pages under pages/; their URLs drop it, and
    # pages/defaults/ too: a default page is at its name (content/pages/defaults/x.md: x/).
    url_parts = folder_parts[1:] if folder_parts[:1] == ["pages"] else folder_parts
    if url_parts[:1] == ["defaults"] and folder_parts[:1] == ["pages"]:
        url_parts = url_parts[1:]
    page.category = page.category or (folder_parts[-1] if folder_parts else "")
    if stem == "index":
        page.is_section = True
        page.slug = page.slug or (folder_parts[-1] if folder_parts else "index")
        page.url = "".join(f"{p}/" for p in url_parts)
    else:
        page.slug = page.slug or slugify(stem)
        page.url = "".join(f"{p}/" for p in url_parts) + page.slug + "/"
    page.output = page.url + "index.html"
    if save_as or url:
        page.url, page.output = given_place(save_as, url)


def given_place(save_as: str, url: str) -> tuple[str, str]:
    """(url, output) of a page whose header says: `save_as: 404.html` is at 404.html,
    `url: about/` is written to about/index.html, both given: each as given."""
    if not save_as:
        save_as = url + "index.html" if url.endswith("/") or not url else url
    if not url:
        url = save_as[: -len("index.html")] if save_as.endswith("/index.html") or \
            save_as == "index.html" else save_as
    return url, save_as


def url_folder(page: Page) -> str:
    """The page's folder as its URL shows it: without a leading pages/."""
    return page.folder[len("pages/"):] if page.folder.startswith("pages/") else \
        ("" if page.folder == "pages" else page.folder)


def pattern_for(page: Page, urls: dict[str, str]) -> str | None:
    """The group's URL pattern of the page's folder (or the nearest folder above that has
    one): `members: people/{slug}/` places pages/members/*.md. Section pages keep theirs."""
    if page.is_section or not urls or "save_as" in page.lines or "url" in page.lines:
        return None
    for folder in (page.folder, url_folder(page)):
        while folder:
            if folder in urls:
                return urls[folder]
            folder = folder.rpartition("/")[0]
    return None


def patterned(page: Page, pattern: str) -> tuple[str, str]:
    """(url, output) by a pattern of {slug}, {category} and {date:%Y} parts."""
    def part(match: re.Match[str]) -> str:
        name, _, spec = match.group(1).partition(":")
        if name == "slug":
            return page.slug
        if name == "category":
            return slugify(page.category) if page.category else "misc"
        when = page.date or datetime(1970, 1, 1)
        return when.strftime(spec or "%Y-%m-%d")

    url = PATTERN_PART.sub(part, pattern)
    return url, url + "index.html" if url.endswith("/") else url


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9_]+", "-", ascii_text.lower()).strip("-") or "page"


