"""Files a page links to that sit in its content folder (a handout, a notebook, a
dataset): published in the groups that have the page, at the same path under the
group's output as under the content folder, and only when a page links to them.

A link is taken for one when it is resolved (links.py): the unit notes the question
("file", the source relative to the site root, the output path), so that a page kept
from the last build still publishes its files, and the size of the file is part of
the page's key, for the link's title shows it ("PDF, 1.2 MB").
"""

from __future__ import annotations

import itertools
import os
import posixpath
import re
from collections.abc import Sequence
from html import escape
from pathlib import Path

from coursesite.config.site import SiteConfig
from coursesite.content import Page
from coursesite.errors import Problems
from coursesite.render.sourcelines import SourceLines

# Not attachments: pages, content images (published by the image stage), and HTML,
# which could take the place of a page's index.html.
NOT_FILES = (".md", ".html", ".htm")
KINDS = {
    ".pdf": "PDF", ".ipynb": "Jupyter notebook", ".py": "Python", ".r": "R", ".csv": "CSV",
    ".tsv": "TSV", ".json": "JSON", ".txt": "text", ".zip": "ZIP archive",
    ".gz": "gzip archive", ".tar": "tar archive", ".xlsx": "Excel workbook",
    ".docx": "Word document", ".pptx": "PowerPoint slides", ".odp": "slides",
    ".mp4": "MP4 video", ".mp3": "MP3 audio", ".bib": "BibTeX",
}


class AttachmentError(Exception):
    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


A_TAG = re.compile(r"<a\s[^>]*>")
HREF = re.compile(r"""\shref=(?:"([^"]*)"|'([^']*)')""")


def of_page(config: SiteConfig, page: Page, written: str) -> tuple[str, str] | None:
    """The file a link of the page names (see `find`), looked for in the page's own
    content folder."""
    own = config.groups[page.own_group].content_dir if page.own_group else None
    return find(own or config.content_dir, config.root, page.folder, written)


def find(root: Path, site_root: Path, folder: str, written: str) -> tuple[str, str] | None:
    """The file a link from a page in `folder` of the content folder `root` names, as
    (its path relative to the site root, its output path), or None when it names none.
    A file that is a link to outside the content folder is an error, never read."""
    if written.startswith("/"):
        rel = posixpath.normpath(written.lstrip("/"))
    else:
        rel = posixpath.normpath(posixpath.join(folder, written))
    if (rel.startswith(("../", "images/", "pagefind/")) or rel in ("..", ".")
            or rel.lower().endswith(NOT_FILES)
            or any(part.startswith(".") for part in rel.split("/"))):
        return None
    path = root / rel
    try:
        if not path.is_file():
            return None
        inside = path.resolve().is_relative_to(root.resolve())
    except OSError:  # a name too long for the file system: no such file
        return None
    if not inside:
        raise AttachmentError(f"link '{written}' is to a file that is a link to outside its "
                              "content folder: it is not published",
                              f"copy the file into {path.parent.name or 'the content folder'}/")
    return Path(os.path.relpath(path, site_root)).as_posix(), rel


def size_text(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.0f} KB"
    return f"{size / 1_000_000:.1f} MB"


def title_of(site_root: Path, source: str) -> str:
    """What a link to the file says of it: its kind and size."""
    try:
        size = (site_root / source).stat().st_size
    except OSError:
        size = 0
    kind = KINDS.get(posixpath.splitext(source)[1].lower(), "file")
    return f"{kind}, {size_text(size)}"


def add_titles(html: str, deps: Sequence[Sequence[str]], base_path: str,
               site_root: Path) -> str:
    """Each link to an attachment (a unit's questions name them) given a title with the
    file's kind and size, unless the author gave it one."""
    titles = {f"{base_path}/{dep[2]}": title_of(site_root, dep[1])
              for dep in deps if dep[0] == "file"}

    def one(match: re.Match[str]) -> str:
        tag = match.group(0)
        href = HREF.search(tag)
        title = titles.get((href.group(1) or href.group(2) or "") if href else "")
        if title is None or " title=" in tag:
            return tag
        return f'{tag[:-1]} title="{escape(title)}">'
    return A_TAG.sub(one, html) if titles else html


def read(site_root: Path, source: str, limit: int, roots: list[Path]) -> bytes:
    """The bytes of an attachment, refused past the limit (`limits.attachment_bytes`) and
    when it became a link to outside the content folders since its page was rendered."""
    path = site_root / source
    if not any(path.resolve().is_relative_to(root) for root in roots):
        raise AttachmentError(f"{source} is a link to outside its content folder: it is not "
                              "published", "copy the file itself into the content folder")
    size = path.stat().st_size
    if size > limit:
        raise AttachmentError(f"{source} has {size:,} bytes, more than limits.attachment_bytes "
                              f"({limit:,})", "raise limits.attachment_bytes in site.yaml, or "
                              "publish the file elsewhere and link to it")
    with path.open("rb") as file:
        return file.read(limit + 1)


class Reserved:
    """What no attachment may take the place of: a group's own files (a page's, the
    theme's, the generated ones), their folders and the search index's folder. The
    folders are listed on first need: most groups have no attachment."""

    def __init__(self, files: set[str]):
        self.files = frozenset(files)
        self._folders: set[str] | None = None

    def holds(self, output: str) -> bool:
        if output in self.files or output.startswith("pagefind/"):
            return True
        if self._folders is None:
            self._folders = {folder for file in self.files
                             for folder in itertools.accumulate(
                                 file.split("/")[:-1], lambda a, b: f"{a}/{b}")}
        return output in self._folders


def taken(page: Page, deps: Sequence[Sequence[str]], reserved: Reserved,
          problems: Problems) -> dict[str, str]:
    """A unit's attachments (output path -> source) that take no other file's place."""
    found = {}
    for dep in deps:
        if dep[0] != "file":
            continue
        source, output = dep[1], dep[2]
        if reserved.holds(output):
            problems.error(page.path, SourceLines(page).line(posixpath.basename(source)),
                           f"the link to {source} would publish it at {output}, where the "
                           "site has a file of its own", "rename the file, or move it")
        else:
            found[output] = source
    return found


def publish(config: SiteConfig, files: dict[str, str], problems: Problems) -> dict[str, bytes]:
    """The bytes of a group's attachments (output path -> source), each error at its file."""
    found = {}
    roots = [root.resolve() for root, _ in config.content_roots()]
    for output, source in sorted(files.items()):
        try:
            found[output] = read(config.root, source, config.limits.attachment_bytes, roots)
        except AttachmentError as exc:
            problems.error(source, None, exc.message, exc.hint)
        except OSError as exc:
            problems.error(source, None, f"cannot read the file: {exc.strerror}",
                           "check that it is a file you may read")
    return found
