"""The images of content/images/: where they are, and what each is.

What an image is (size, format, orientation, whether it can be published as it
is) is read from its header once and remembered in the build state by the
file's size, mtime and hash, so an unchanged tree costs a stat per image and
no decoding at all. An image is read only inside content/ (a link out of it is
an error at its path), and one of more pixels than limits.image_pixels is refused,
from its header (pixels.py).
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import posixpath
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol
from xml.etree import ElementTree

from coursesite.config.site import SiteConfig
from coursesite.errors import Problems
from coursesite.fsutil import Link, files_inside, report_links
from coursesite.images import pixels
from coursesite.images.variants import Made

PASSTHROUGH = {".svg", ".ico"}  # shown by browsers, not opened by Pillow: copied as they are
# SVG's number syntax: no nan or inf, which Python's float() would read.
SVG_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
PX_LENGTH = re.compile(rf"\s*({SVG_NUMBER.pattern})\s*(?:px)?\s*")
# What was meant as a number but is none: '1.2.3', '--5', 'nan', 'inf'.
NUMBER_LIKE = re.compile(r"\s*(?:[-+.\deE]+|[-+]?(?:nan|inf|infinity))\s*(?:px)?\s*",
                         re.IGNORECASE)
# Far more than any screen or page shows, and small enough for every later use of a
# size (the build state's 64-bit integers, the ratio of two sizes as a float).
MAX_SVG_SIDE = 1_000_000
SVG_SIZE_HINT = ("give the <svg> element a width and height in px (or a percentage), "
                 "and a viewBox of four numbers")


class ImageError(Exception):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


@dataclass
class SourceInfo:
    size: int
    mtime_ns: int
    hash: str
    width: int  # upright, after the EXIF orientation
    height: int
    format: str  # Pillow's name, or "SVG"
    animated: bool
    clean: bool  # nothing to strip or turn: the original bytes can be published
    verified: bool = False  # fully decoded once without error

    @property
    def raster(self) -> bool:
        return self.format != "SVG" and not self.animated


class ImageCache(Protocol):
    """What the image store asks of the build state."""

    def sources(self) -> dict[str, dict[str, Any]]: ...

    def save_sources(self, sources: dict[str, dict[str, Any]]) -> None: ...

    def variants(self) -> dict[str, Made]: ...

    def save_variants(self, variants: dict[str, Made]) -> None: ...


class NoImageCache:
    """Remembers nothing: an image store used outside a build."""

    def sources(self) -> dict[str, dict[str, Any]]:
        return {}

    def save_sources(self, sources: dict[str, dict[str, Any]]) -> None:
        pass

    def variants(self) -> dict[str, Made]:
        return {}

    def save_variants(self, variants: dict[str, Made]) -> None:
        pass


class Sources:
    """The sources of one build: found once, each asked about once."""

    def __init__(self, config: SiteConfig, known: ImageCache):
        self.root = (config.content_dir / "images").resolve()
        self.content = config.content_dir.resolve()  # what links may point into
        self.shown_content = config.rel(config.content_dir)
        self.known = known
        self.max_pixels = config.limits.image_pixels
        self._sources = {rel: SourceInfo(**entry) for rel, entry in known.sources().items()}
        # Memos of this build, keyed by what they answer.
        self._errors: dict[str, ImageError] = {}
        self._checked: dict[str, SourceInfo] = {}

    @functools.cached_property
    def _walk(self) -> tuple[list[tuple[str, str]], list[Link]]:
        return files_inside(str(self.root), str(self.content), lambda rel: False,
                            lambda name: not name.startswith("."))

    @functools.cached_property
    def candidates(self) -> frozenset[str]:
        """Every file under content/images/, as 'images/<path>' output paths (read once).

        A link to a file outside content/ is one too, so that a page showing it
        is told why it cannot (see _info), not that there is no such image.
        """
        files, links = self._walk
        return frozenset("images/" + rel for rel in [
            *(rel for rel, _ in files), *(link.rel for link in links
                                          if link.outside and not link.folder and link.rel)])

    def report_links(self, problems: Problems, used: set[str]) -> None:
        """The links in content/images/ that are not followed, at their paths."""
        # A link to nothing is no image, nor is one out of content/ that a page shows
        # (or an image below it): the page is told so at its line.
        images = [link for link in self._walk[1] if not link.missing and not (
            link.outside and any(rel == link.rel or rel.startswith(f"{link.rel}/")
                                 for rel in used))]
        report_links(images, f"{self.shown_content}/images", self.shown_content, "image",
                     problems)

    def info(self, rel: str) -> SourceInfo:
        """What the source is; raises ImageError when it is no usable image."""
        if rel in self._errors:
            raise self._errors[rel]
        if rel in self._checked:
            return self._checked[rel]
        try:
            info = self._info(rel)
            if info.format != "SVG" and info.width * info.height > self.max_pixels:
                # Known from an earlier build, under a higher limits.image_pixels.
                raise ImageError(f"'content/images/{rel}' " + str(pixels.TooLarge(
                    (info.width, info.height), self.max_pixels)), pixels.HINT)
            self._checked[rel] = info
            return info
        except ImageError as exc:
            self._errors[rel] = exc
            raise

    def _info(self, rel: str) -> SourceInfo:
        path = self._inside(rel)
        try:
            stat = path.stat()
        except OSError:
            raise ImageError(f"image 'content/images/{rel}' does not exist") from None
        known = self._sources.get(rel)
        if known and known.size == stat.st_size and known.mtime_ns == stat.st_mtime_ns:
            return known
        try:
            digest = file_sha256(path)
        except OSError as exc:
            raise ImageError(f"image 'content/images/{rel}' cannot be read ({exc.strerror})",
                             "check that the file may be read") from None
        if known and known.hash == digest:
            known.size, known.mtime_ns = stat.st_size, stat.st_mtime_ns
            return known
        info = probe(path, rel, digest, stat.st_size, stat.st_mtime_ns, self.max_pixels)
        self._sources[rel] = info
        return info

    def _inside(self, rel: str) -> Path:
        """The file of an image, which may be a link to a file anywhere in content/."""
        normal = posixpath.normpath(rel)
        if rel.startswith("/") or normal == ".." or normal.startswith("../"):
            raise ImageError(f"'{rel}' is outside content/images/")
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.content):
            file = os.path.islink(self.root / rel)
            how = "a link to a file" if file else "in a folder that is a link to a folder"
            raise ImageError(f"image 'content/images/{rel}' is {how} outside content/",
                             f"{'copy the file' if file else 'move the folder'} into content/ "
                             "instead of linking to it: nothing outside content/ is read or "
                             "published")
        return path

    def infos(self, rels: list[str]) -> dict[str, SourceInfo]:
        """What was learnt of these sources, to hand from a worker to the parent."""
        return {rel: self._checked[rel] for rel in rels if rel in self._checked}

    def merge(self, infos: dict[str, SourceInfo]) -> None:
        for rel, info in infos.items():
            if rel not in self._checked:
                self._checked[rel] = self._sources[rel] = info

    def verified(self, rel: str) -> None:
        """The source was decoded whole without an error."""
        self._sources[rel].verified = True

    def save(self) -> None:
        self.known.save_sources({rel: asdict(info) for rel, info in sorted(self._sources.items())})


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in chunks: an image may be larger than the memory."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def probe(path: Path, rel: str, digest: str, size: int, mtime_ns: int,
          max_pixels: int) -> SourceInfo:
    """Read what an image is from its header (no full decode)."""
    from PIL import Image, UnidentifiedImageError  # see imageproc: only when needed

    if path.suffix.lower() in PASSTHROUGH:
        try:
            width, height = svg_size(path) if path.suffix.lower() == ".svg" else (0, 0)
        except SvgSizeError as exc:
            raise ImageError(f"'content/images/{rel}' {exc}", SVG_SIZE_HINT) from None
        return SourceInfo(size, mtime_ns, digest, width, height, "SVG", False, True, True)
    try:
        with pixels.pillow_allowing(max_pixels):
            return _probe_raster(pixels.opened(path, max_pixels), size, mtime_ns, digest)
    except (pixels.TooLarge, Image.DecompressionBombError) as exc:
        # A bound on what an image may cost (Pillow's, too, for a frame of a GIF): the
        # page's mistake.
        large = exc if isinstance(exc, pixels.TooLarge) else pixels.TooLarge(None, max_pixels)
        raise ImageError(f"'content/images/{rel}' {large}", pixels.HINT) from None
    except UnidentifiedImageError:
        raise ImageError(f"'content/images/{rel}' is not an image Pillow can read") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"'content/images/{rel}' is damaged: {exc}") from None


def _probe_raster(opened: Any, size: int, mtime_ns: int, digest: str) -> SourceInfo:
    with opened as image:
        width, height = image.size
        exif = image.getexif()
        orientation = exif.get(0x0112, 1)
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        animated = bool(getattr(image, "is_animated", False))
        clean = not exif and "icc_profile" not in image.info and image.format in (
            "PNG", "JPEG", "GIF", "WEBP")
        return SourceInfo(size, mtime_ns, digest, width, height, image.format or "",
                          animated, clean or animated)


class SvgSizeError(ValueError):
    """An SVG whose width, height or viewBox is no size it can be shown at."""


def svg_size(path: Path) -> tuple[int, int]:
    """The width and height an SVG declares (or its viewBox), 0 when it declares none in
    pixels (a percentage, another unit). Raises SvgSizeError for a size that is no number
    of pixels (nan, 1.2.3, -5, 1e999) or more than MAX_SVG_SIDE."""
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError):
        return 0, 0
    width, height = _length(root, "width"), _length(root, "height")
    if (width and height) or root.get("viewBox") is None:
        return width, height
    box = root.get("viewBox") or ""
    box_w, box_h = _view_box(box)
    if not box_w:
        return width, height
    size = (width, width * box_h / box_w) if width else (box_w, box_h)
    if max(size) > MAX_SVG_SIDE:
        raise SvgSizeError(f'declares viewBox="{_shown(box)}", which makes it more than '
                           f"{MAX_SVG_SIDE:,} px on a side")
    return round(size[0]), round(size[1])


def _length(root: ElementTree.Element, name: str) -> int:
    value = root.get(name)
    if value is None:
        return 0
    match = PX_LENGTH.fullmatch(value)
    if match is None:
        if NUMBER_LIKE.fullmatch(value):
            raise SvgSizeError(f'declares {name}="{_shown(value)}", which is no number')
        return 0  # a percentage, another unit, a keyword: no size in pixels
    number = float(match.group(1))
    if not 0 <= number <= MAX_SVG_SIDE:  # nan fails both comparisons
        raise SvgSizeError(f'declares {name}="{_shown(value)}", not a size from 0 to '
                           f"{MAX_SVG_SIDE:,} px")
    return round(number)


def _view_box(value: str) -> tuple[float, float]:
    """The width and height of a viewBox (0, 0 for one of fewer or more than four values,
    which browsers ignore, as this did before)."""
    box = value.replace(",", " ").split()
    if len(box) != 4:
        return 0, 0
    if not all(SVG_NUMBER.fullmatch(n) for n in box):
        raise SvgSizeError(f'declares viewBox="{_shown(value)}", which is not four numbers')
    numbers = [float(n) for n in box]
    if not all(math.isfinite(n) for n in numbers) or min(numbers[2:]) <= 0:
        raise SvgSizeError(f'declares viewBox="{_shown(value)}", whose width and height are not '
                           "finite sizes above 0")
    return numbers[2], numbers[3]


def _shown(value: str) -> str:
    """An attribute's value as a message quotes it: its start, when it is long."""
    return value if len(value) <= 40 else value[:30] + "…"
