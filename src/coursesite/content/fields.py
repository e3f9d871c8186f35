"""Typed access to a page header's fields, each wrong value reported at its key's line."""

from __future__ import annotations

import functools
import os
import posixpath
import re
from datetime import UTC, datetime
from pathlib import Path

from coursesite.config.site import SiteConfig
from coursesite.content.page import MetaValue
from coursesite.errors import Problems, did_you_mean

STATUSES = ("published", "draft", "hidden")
# Pelican trees' pages that each site has only when its nav names them (SPEC §7).
DEFAULTS = "pages/defaults/"


def default_page_groups(config: SiteConfig, rel: str) -> tuple[str, ...]:
    """The groups whose `nav` has an entry at the default page's name: `/members/` for
    pages/defaults/members.md."""
    stem = rel[len(DEFAULTS):-len(".md")]
    return tuple(name for name, group in config.groups.items()
                 if any(item.url.strip("/") == stem for item in group.nav))


def parse_date(text: str) -> datetime | None:
    """ISO 8601, else any date with a year that Pelican reads (dateutil: `11-03-2018` is
    3 November, month first, as Pelican has it); the day a build runs plays no part."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    from dateutil import parser  # only for the dates that are not ISO

    text = " ".join(text.split())
    try:
        found = [parser.parse(text, default=datetime(year, 1, 1)) for year in (2000, 2001)]
    except (ValueError, OverflowError):
        return None
    return found[0] if found[0] == found[1] else None  # else the text has no year


class Fields:
    """Typed access to header fields, reporting a wrong value at its key's line."""

    def __init__(self, shown: str, values: dict[str, MetaValue], lines: dict[str, int],
                 problems: Problems):
        self.shown, self.values, self.lines, self.problems = shown, values, lines, problems

    def error(self, key: str, message: str, hint: str | None = None) -> None:
        self.problems.error(self.shown, self.lines.get(key, 1), message, hint)

    def text(self, key: str) -> str:
        value = self.values.get(key, "")
        if isinstance(value, list):
            return value[-1] if value else ""
        return value.strip()

    def path(self, key: str) -> str:
        """A site path a header gives (`save_as:`, `url:`), '' when none or wrong."""
        text = self.text(key).lstrip("/")
        if text and (".." in text.split("/") or "\\" in text):
            self.error(key, f"{key} '{text}' leaves the site", "give a path such as about/ "
                       "or 404.html, inside the group's output")
            return ""
        if key == "save_as" and text.endswith("/"):
            text += "index.html"
        return text

    def items(self, key: str) -> list[str]:
        value = self.values.get(key, "")
        raw = value if isinstance(value, list) else [value]
        return [item.strip() for chunk in raw for item in chunk.split(",") if item.strip()]

    def groups(self, config: SiteConfig, own: str | None, rel: str) -> tuple[str, ...]:
        """The groups a page is built into: its header's, unless it is in a group's own
        folder (that group alone) or a default page (the groups whose nav names it)."""
        if own is not None:
            others = [name for name in self.items("groups") if name not in (own, "all")]
            if others:
                self.problems.warning(self.shown, self.lines.get("groups", 1),
                                      f"the page is in group {own}'s own content folder: "
                                      f"it is built into {own} alone, not {', '.join(others)}",
                                      "move it to the shared content folder to share it")
            return (own,)
        if rel.startswith(DEFAULTS):
            return default_page_groups(config, rel)
        names = self.items("groups") or list(config.default_groups)
        if not names:
            self._no_groups(config)
            return ()
        chosen: list[str] = []
        unknown: list[str] = []
        for name in names:
            if name == "all":
                chosen.extend(config.groups)
            elif name in config.groups:
                chosen.append(name)
            elif near := did_you_mean(name, [*config.groups, "all"]):
                self.error("groups", f"unknown group '{name}'", near)
            else:  # another site of the tree, one this site.yaml does not build (Pelican's
                # parse_content.py passes over those too); a near miss is a typo, above
                unknown.append(name)
        if unknown:
            self._other_sites(config, unknown, left_out=not chosen)
        return tuple(g for g in config.groups if g in chosen)

    def _other_sites(self, config: SiteConfig, unknown: list[str], left_out: bool) -> None:
        names = " or ".join(f"'{name}'" for name in unknown)
        what = ("the page is in none of the groups built here: it is left out" if left_out
                else f"the page is built without {'them' if len(unknown) > 1 else 'it'}")
        self.problems.warning(self.shown, self.lines.get("groups", 1),
                              f"site.yaml has no group {names}: {what}",
                              "groups in site.yaml: " + ", ".join(config.groups))

    def _no_groups(self, config: SiteConfig) -> None:
        hint = ("add 'groups: " + ", ".join(config.groups) + "' (or 'all') to the header, "
                "or set default_groups in site.yaml")
        if config.ungrouped == "skip":
            self.problems.warning(self.shown, self.lines.get("groups", 1),
                                  "the page names no groups: it is left out", hint)
        else:
            self.error("groups", "the page names no groups",
                       hint + "; 'ungrouped: skip' in site.yaml leaves such pages out")

    def picture(self, config: SiteConfig) -> str | None:
        picture = self.text("picture")
        if not picture:
            return None
        images = config.content_dir / "images"
        if picture_outside(picture):
            self.error("picture", f"picture '{picture}' is outside content/images/")
        elif not picture_exists(str(images), picture):
            near = did_you_mean(picture, _image_names(images))
            self.error("picture", f"picture 'content/images/{picture}' does not exist",
                       near or "pictures are paths under content/images/")
        else:
            return picture
        return None  # reported: the page is checked without it, not reported again

    def date(self) -> datetime | None:
        text = self.text("date")
        if not text:
            return None
        value = parse_date(text)
        if value is None:
            self.error("date", f"'{text}' is not a date", "write dates as YYYY-MM-DD")
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def order(self) -> int | None:
        text = self.text("order")
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            self.error("order", f"order '{text}' is not a whole number", "e.g. 'order: 2'")
            return None

    def slug(self) -> str:
        slug = self.text("slug")
        if slug and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", slug):
            self.error("slug", f"slug '{slug}' may only hold letters, digits, '-', '_' and '.'")
            return ""
        return slug

    def status(self) -> str:
        status = self.text("status").lower() or "published"
        if status not in STATUSES:
            self.error("status", f"unknown status '{status}'",
                       did_you_mean(status, STATUSES) or "use published, draft or hidden")
            return "published"
        return status


def picture_outside(picture: str) -> bool:
    normal = posixpath.normpath(picture)
    return picture.startswith("/") or normal == ".." or normal.startswith("../")


@functools.lru_cache(maxsize=4096)
def picture_exists(images: str, picture: str) -> bool:
    """Asked once per picture and build: many pages share a few cover pictures."""
    return os.path.isfile(os.path.join(images, picture))


def _image_names(images: Path) -> list[str]:
    if not images.is_dir():
        return []
    return [p.relative_to(images).as_posix() for p in images.rglob("*") if p.is_file()]
