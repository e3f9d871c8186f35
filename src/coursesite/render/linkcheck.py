"""Checking what the build writes: every href and src of every written page must
point at a file of the group's output, at another group's site, or outside.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from urllib.parse import unquote, urlsplit

import orjson

from coursesite.content import GroupSite, Page
from coursesite.errors import Diagnostic, Problems, closest, did_you_mean
from coursesite.images.sources import ImageError
from coursesite.images.store import ImageRecorder, ImageStore
from coursesite.render.links import EXTERNAL
from coursesite.render.sourcelines import SourceLines
from coursesite.render.unit import UnitContext

# An href or src (its value in group 1 or 2), or an id or name (group 3): one pass over
# a written page finds both its links and its anchors.
LINK_OR_ANCHOR = re.compile(r"""\s(?:(?i:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')"""
                            r"""|(?:id|name)\s*=\s*["']([^"']+)["'])""")
# The same matches in a page where no '=' follows a space (as in all the HTML that
# Markdown and the layouts write): found from each '=', three times faster than trying
# the pattern above after every space of the page.
LINK_OR_ANCHOR_AT_EQUALS = re.compile(
    r"""=(?:(?:(?<=\s[hH][rR][eE][fF]=)|(?<=\s[sS][rR][cC]=))\s*(?:"([^"]*)"|'([^']*)')"""
    r"""|(?:(?<=\sid=)|(?<=\sname=))\s*["']([^"']+)["'])""")
SPACED_EQUALS = re.compile(r"=(?<=\s=)")
OUTSIDE = "\0outside"
SLASHES = re.compile(r"/{2,}")


INDEX = "index.html"


def page_folder(output: str) -> str:
    """A page's folder, as its URL names it: publications/x/index.html -> publications/x."""
    return output[:-len(INDEX)].rstrip("/") if output.endswith(INDEX) else output


@functools.lru_cache(maxsize=16384)  # a layout's links are the same on every page of a folder
def output_target(value: str, page_dir: str, base_path: str, img_url: str) -> str | None:
    """The output file a link points at, or None for an external link.

    Returns a path relative to the group's output folder, or OUTSIDE for a
    link that leaves the group's base path (an error too).
    """
    if not value or value.startswith(("#", "data:")):
        return None
    if EXTERNAL.match(img_url) and value.startswith(img_url + "/images/"):
        return SLASHES.sub("/", value[len(img_url) + 1:].split("#")[0].split("?")[0])
    if EXTERNAL.match(value):
        return None
    path = SLASHES.sub("/", unquote(urlsplit(value).path))  # `news//x.jpg` as servers read it
    if not path:
        return None
    if path.startswith("/"):
        if base_path and not (path == base_path or path.startswith(base_path + "/")):
            return OUTSIDE
        rel = path[len(base_path):].lstrip("/")
    else:
        rel = posixpath.normpath(posixpath.join(page_dir, path))
        if rel.startswith(".."):
            return OUTSIDE
        rel = "" if rel == "." else rel + ("/" if path.endswith("/") else "")
    if rel == "" or rel.endswith("/"):
        return rel + "index.html"
    return rel


# (value, output target or None, body line or 0, what the author wrote there or "" when
# it is the value: the words of its error)
LinkRecord = tuple[str, str | None, int, str]


class PageLinks:
    """Every href and src of a written page, and the ids it has.

    A page kept from the last build brings its links as the build cache holds
    them: its links to fragments at hand (all that a rebuild after a body-only
    edit needs of them) and the rest as JSON, read only when asked for.
    """

    def __init__(self, ids: list[str], records: list[LinkRecord] | None = None, *,
                 anchored: list[LinkRecord] | None = None, text: bytes = b""):
        self.ids = ids
        self._records = records
        self._text = text
        self.anchored = (anchored if anchored is not None
                         else [r for r in records or [] if "#" in r[0]])

    @property
    def records(self) -> list[LinkRecord]:
        if self._records is None:
            self._records = orjson.loads(self._text)  # lists unpack like the tuples they were
        return self._records

    @classmethod
    def stored(cls, ids: list[str], anchored: list[LinkRecord], text: bytes) -> PageLinks:
        return cls(ids, None, anchored=anchored, text=text)


def extract_links(ctx: UnitContext, html: str) -> PageLinks:
    """The links of the unit's page as written, each with the body line and the words of
    the place that holds it (0 and "" for a layout's).

    Markdown made each href of the body from what the author wrote (`ctx.written`:
    the n-th time an href is written, it is its n-th spelling): that is looked for."""
    written, failed = ctx.written, ctx.failed
    base_path, img_url = ctx.group.base_path, ctx.group.img_url
    page_dir = posixpath.dirname(ctx.page.output)
    place = SourceLines(ctx.page).place  # its own count of places: the page is read once
    seen: dict[str, int] = {}  # href -> how many times it was found so far
    records = []
    anchors = set()
    pattern = LINK_OR_ANCHOR if SPACED_EQUALS.search(html) else LINK_OR_ANCHOR_AT_EQUALS
    for double, single, anchor in pattern.findall(html):
        if anchor:
            anchors.add(unescape(anchor) if "&" in anchor else anchor)
            continue
        value = double or single
        if "&" in value:
            # As a browser reads it: Markdown writes `<user@example.org>` as a mailto:
            # link with every letter an entity, and `&` in a query as `&amp;`.
            value = unescape(value)
        if value in failed:
            continue
        target = output_target(value, page_dir, base_path, img_url)
        spelled = value
        spellings = written.get(value)
        if spellings:
            index = seen[value] = seen.get(value, -1) + 1
            spelled = spellings[min(index, len(spellings) - 1)]
        line, words = place(spelled, 0)
        records.append((value, target, line, "" if words == value else words))
    return PageLinks(sorted(anchors), records)


@dataclass
class Reference:
    """A link of a written page to a fragment of another (or the same) page."""

    page: Page
    words: str  # the link as the author wrote it
    target: str
    fragment: str
    line: int


class LinkChecker:
    """Checks every href and src a group writes, once all its pages are rendered.

    Files are checked as each page is rendered; `#fragments` once every page's
    ids are known. A mistake is reported at the body line that holds the link,
    or at the layout's line when no line of the page holds it (`in_layout`: the
    template and line of the page's layout, or of one it extends or includes, that
    hold a link as written).
    """

    def __init__(self, site: GroupSite, known: set[str], images: ImageStore,
                 in_layout: Callable[[Page, str], tuple[str, int | None]]):
        self.group = site.group
        self.known = known
        self.images = images
        self.in_layout = in_layout
        self.ids: dict[str, list[str]] = {}  # page -> its ids (a page has a few dozen)
        self.references: list[Reference] = []
        self.external: dict[str, list[tuple[str, int]]] = {}

    def evaluate(self, page: Page, links: PageLinks, problems: Problems,
                 images: ImageRecorder) -> None:
        """Check one written page's links against the files the group will have.

        The images they show are planned for `images` (the group's notes)."""
        self.ids[page.output] = links.ids
        for value, target, line, words in links.records:
            if target is None:
                if value.startswith("#"):
                    self._note_anchor(page, value, words or value, line)
                else:
                    self._note_external(page, value, line)
            elif target == OUTSIDE:
                self._error(problems, page.path, line or 1,
                            f"'{words or value}' points outside the site",
                            f"links inside the site start with '{self.group.base_path}/'")
            elif target.startswith("images/") and target in self.known:
                self._use_image(page, line or 1, target[len("images/"):], problems, images)
            elif (target in self.known or f"{target}/index.html" in self.known
                  or target in self.images.plan):
                fragment = urlsplit(value).fragment if "#" in value else ""
                if fragment:
                    target = target if target in self.known else f"{target}/index.html"
                    self.references.append(Reference(page, words or value, target,
                                                     unquote(fragment), line or 1))
            else:
                self._missing(page, words or value, target, line, problems)

    def plan_linked(self, into: ImageRecorder, links: PageLinks) -> None:
        """The content images a page links to (`<a href="/images/x.png">`), planned with
        the unit as its <img>s are, so that a page kept from the last build brings them in
        its plan (`carry` reads no links but anchored ones)."""
        for _, target, _, _ in links.records:
            if target and target != OUTSIDE and target.startswith("images/") \
                    and target in self.known:
                with contextlib.suppress(ImageError):  # reported where links are checked
                    self.images.published(into, target[len("images/"):])

    def carry(self, page: Page, links: PageLinks, changed: set[str]) -> None:
        """A page kept from a build whose links all resolved, when only the pages at
        `changed` have new bodies: its anchors, and its links to anchors on those pages."""
        self.ids[page.output] = links.ids
        for value, target, line, words in links.anchored:
            if target is None or target == OUTSIDE:
                continue
            if target not in self.known:
                target = f"{target}/index.html"
            if target in changed:
                self.references.append(Reference(page, words or value, target,
                                                 unquote(urlsplit(value).fragment), line or 1))

    def finish(self, problems: Problems) -> None:
        """Check the fragments, now that every page's ids are known."""
        self._check_fragments(self.references, problems)

    def recheck(self, page: Page, links: PageLinks, problems: Problems,
                images: ImageRecorder) -> None:
        """Check a page again after its body changed: its links, and links to its anchors."""
        self.references = [ref for ref in self.references if ref.page is not page]
        for places in self.external.values():
            places[:] = [place for place in places if place[0] != page.path]
        self.evaluate(page, links, problems, images)
        self._check_fragments([ref for ref in self.references
                               if ref.page is page or ref.target == page.output], problems)

    def _check_fragments(self, references: list[Reference], problems: Problems) -> None:
        for ref in references:
            ids = self.ids.get(ref.target)
            if ids is None or ref.fragment in ids:
                continue  # not a page (a static file), or a found anchor
            where = "this page" if ref.target == ref.page.output else "that page"
            self._error(problems, ref.page.path, ref.line,
                        f"link '{ref.words}': there is no '#{ref.fragment}' on {where}",
                        f"the anchor is written id=\"#{ref.fragment}\": an id has no '#' "
                        f"(id=\"{ref.fragment}\")" if f"#{ref.fragment}" in ids
                        else did_you_mean(ref.fragment, ids))

    def _error(self, problems: Problems, path: str, line: int, message: str,
               hint: str | None) -> None:
        """A mistake found in this group: reported once for all the groups it is found in
        (errors.once_for_all_groups)."""
        problems.items.append(Diagnostic(path, line, message, hint, groups=(self.group.name,)))

    def _note_anchor(self, page: Page, value: str, words: str, line: int) -> None:
        # An anchor on the page itself, as the author wrote it: the layout's own (a skip
        # link, a table of contents) may point at what a script adds.
        if len(value) > 1 and line:
            self.references.append(Reference(page, words, page.output, unquote(value[1:]),
                                             line))

    def _note_external(self, page: Page, value: str, line: int) -> None:
        # Only what the author wrote (a line of the body holds it), not the layout's links.
        if value.startswith(("http://", "https://")) and page.content_path and line:
            self.external.setdefault(value, []).append((page.path, line))

    def _use_image(self, page: Page, line: int, rel: str, problems: Problems,
                   images: ImageRecorder) -> None:
        try:
            self.images.published(images, rel)
        except ImageError as exc:
            self._error(problems, page.path, line, str(exc), exc.hint)
        self.images.note_use(images, rel, page.path, line)  # a use even when wrong: see
        # Sources.report_links

    def _missing(self, page: Page, value: str, target: str, line: int,
                 problems: Problems) -> None:
        if not line:
            problems.error(*self.in_layout(page, value),
                           f"the layout links to '{value}', which is not in the "
                           f"{self.group.name} site (on {page.url or '/'})")
            return
        if target.startswith("images/"):
            self._error(problems, page.path, line, f"image '{value}' points to nothing",
                        self._near_image(value, target) or f"there is no content/{target}")
        else:
            self._error(problems, page.path, line, f"link '{value}' points to nothing",
                        self._near_file(page, target) or f"there is no {target} in the site"
                        + self._not_beside(page, value))

    @staticmethod
    def _not_beside(page: Page, value: str) -> str:
        """A relative link to a file may be meant for a file beside the page's own file
        (an attachment, render/attachments.py): say that none is there either."""
        written = value.split("#")[0].split("?")[0]
        if written.startswith("/") or not posixpath.splitext(written)[1]:
            return ""
        beside = posixpath.normpath(posixpath.join(posixpath.dirname(page.path), written))
        if page.source and os.path.isfile(os.path.join(os.path.dirname(page.source),
                                                       unquote(written))):
            return (f"; {beside} is there, but only a Markdown link publishes it (not raw "
                    "HTML), and never an .html file or one under images/")
        return f", nor a file {beside} beside the page"

    def _near_file(self, page: Page, target: str) -> str | None:
        """A file of the site named like the missing one, a page shown as its URL. A typo
        keeps the kind of file and, most often, the folder: a name in the same folder is
        looked for first, one elsewhere only when it is very close (`/publications/x/` is
        not `presentations/y/`); the page itself is no other file it meant."""
        kind = posixpath.splitext(target)[1]
        known = [k for k in self.known if k != page.output and posixpath.splitext(k)[1] == kind]
        folder = posixpath.dirname(page_folder(target))
        same = [k for k in known if posixpath.dirname(page_folder(k)) == folder]
        found = (difflib.get_close_matches(target, same, n=1, cutoff=0.6)
                 or difflib.get_close_matches(target, known, n=1, cutoff=0.85))
        if not found:
            return None
        near = found[0]
        return f"did you mean '/{page_folder(near)}/'?" if near.endswith(INDEX) else \
            f"did you mean '{near}'?"

    def _near_image(self, words: str, target: str) -> str | None:
        """An image under content/images/ named like the missing one, spelled as the
        author spelled theirs."""
        rel = target[len("images/"):]
        found = closest(rel, [k[len("images/"):] for k in self.known if k.startswith("images/")])
        if found is None:
            return None
        spelled = words[:-len(rel)] + found if words.endswith(rel) else f"images/{found}"
        return f"did you mean '{spelled}'?"
