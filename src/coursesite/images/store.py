"""Images under content/images/: probed, planned, processed once, published.

Rendering asks the store for what a page shows (a content image with its
srcset, a card thumbnail, a social image); the store answers with output
paths named by content hash and plans the work. After every group is
rendered, `process` makes what the cache (.cache/images/) does not hold yet,
in parallel, and the write stage copies the results into each group.

The build state remembers each source's size, mtime and content hash (through
`ImageCache`), so an unchanged tree costs a stat per image and no decoding at
all, and the hash of every variant made, so that a variant's file in the cache
folder is used only while it is the file that was made.
"""

from __future__ import annotations

import functools
import hashlib
import os
import posixpath
import re
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol
from xml.etree import ElementTree

from coursesite.config.site import ImageSettings, SiteConfig
from coursesite.errors import Problems
from coursesite.fsutil import Link, files_inside, report_links
from coursesite.images.process import VERSION as PROCESS_VERSION
from coursesite.images.process import Job, Variant, run_job
from coursesite.parallel import die_with_parent

MANIFEST_VERSION = 1
PASSTHROUGH = {".svg", ".ico"}  # shown by browsers, not opened by Pillow: copied as they are
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "AVIF": "avif"}
SOCIAL_SIZE = (1200, 630)

Progress = Callable[[int, int], None]


class ImageError(Exception):
    pass


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


@dataclass(frozen=True)
class Thumbnail:
    src: str  # JPEG or PNG
    sources: tuple[tuple[str, str], ...]  # (MIME type, URL) of the modern formats
    width: int
    height: int


@dataclass(frozen=True)
class Planned:
    source: str  # rel under content/images/
    variant: Variant | None  # None: publish the source file as it is


class ImageRecorder(Protocol):
    """Where the images one caller asked for are noted: a unit's context while it renders
    (render.unit.UnitContext), a group's notes while it takes units in. The store
    keeps every caller's answers (`plan`, `uses`) but no caller of its own: each
    call is told whom it is for."""

    recorded: set[str]  # the output paths ("images/...") planned for the caller
    uses: list[tuple[str, str, int]]  # (source, page, line) of each image it shows


@dataclass(eq=False)
class ImageNotes:
    """An ImageRecorder that is no unit's: a group's own (see GroupRenderer.accept)."""

    recorded: set[str] = field(default_factory=set)
    uses: list[tuple[str, str, int]] = field(default_factory=list)


class ImageStore:
    def __init__(self, config: SiteConfig, known: ImageCache | None = None):
        self.root = (config.content_dir / "images").resolve()
        self.content = config.content_dir.resolve()  # what links may point into
        self.shown_content = config.rel(config.content_dir)
        self.settings: ImageSettings = config.images
        self.cache = config.cache_dir / "images"
        self.cache_str = str(self.cache)
        # In every variant's name: settings or a Pillow of other output make other files.
        made_by = f"{self.settings.fingerprint()}|{PROCESS_VERSION}|{pillow_version()}"
        self.fingerprint = hashlib.sha256(made_by.encode()).hexdigest()[:8]
        self.known = known or NoImageCache()
        self._sources = {rel: SourceInfo(**entry) for rel, entry in self.known.sources().items()}
        self._variant_shas = self.known.variants()  # file name -> (size, sha256)
        # Memos of this build, keyed by what they answer: no caller's state.
        self._errors: dict[str, ImageError] = {}
        self._checked: dict[str, SourceInfo] = {}  # this build's answers, asked once each
        self._variants: dict[tuple[str, str, int, int, str], Variant] = {}
        # Each image's srcset, made once: thousands of pages show the same few images.
        self._srcsets: dict[str, tuple[list[tuple[str, str, int]],
                                       list[tuple[str, Planned]]]] = {}
        self.plan: dict[str, Planned] = {}  # output path ("images/...") -> how to make it
        self.uses: dict[str, tuple[str, int]] = {}  # source -> first (page, line) using it
        self.processed = 0  # variants made in this build (0 on a warm rebuild)

    # -- sources --------------------------------------------------------------

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

    def report_links(self, problems: Problems) -> None:
        """The links in content/images/ that are not followed, at their paths."""
        # A link to nothing is no image: a page showing it is told so at its line.
        images = [link for link in self._walk[1] if not link.missing]
        report_links(images, f"{self.shown_content}/images", self.shown_content, "image",
                     problems)

    def info(self, rel: str) -> SourceInfo:
        """What the source is; raises ImageError when it is no usable image."""
        if rel in self._errors:
            raise self._errors[rel]
        if rel in self._checked:
            return self._checked[rel]
        try:
            self._checked[rel] = self._info(rel)
            return self._checked[rel]
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
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if known and known.hash == digest:
            known.size, known.mtime_ns = stat.st_size, stat.st_mtime_ns
            return known
        info = probe(path, rel, digest, stat.st_size, stat.st_mtime_ns)
        self._sources[rel] = info
        return info

    def _inside(self, rel: str) -> Path:
        """The file of an image, which may be a link to a file anywhere in content/."""
        normal = posixpath.normpath(rel)
        if rel.startswith("/") or normal == ".." or normal.startswith("../"):
            raise ImageError(f"'{rel}' is outside content/images/")
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.content):
            how = ("a link to a file" if os.path.islink(self.root / rel)
                   else "in a folder that is a link to a folder")
            raise ImageError(f"image 'content/images/{rel}' is {how} outside content/")
        return path

    def note_use(self, into: ImageRecorder, rel: str, page: str, line: int) -> None:
        """`page` shows the source at `line`: where its errors are reported."""
        self.uses.setdefault(rel, (page, line))
        into.uses.append((rel, page, line))

    def infos(self, rels: list[str]) -> dict[str, SourceInfo]:
        """What was learnt of these sources, to hand from a worker to the parent."""
        return {rel: self._checked[rel] for rel in rels if rel in self._checked}

    def merge(self, infos: dict[str, SourceInfo]) -> None:
        for rel, info in infos.items():
            if rel not in self._checked:
                self._checked[rel] = self._sources[rel] = info

    # -- what pages show -------------------------------------------------------

    def published(self, into: ImageRecorder, rel: str) -> str:
        """The image in its own format at its own path: upright, without metadata."""
        info = self.info(rel)
        out = f"images/{rel}"
        if info.clean or not info.raster:
            self._plan(into, out, Planned(rel, None))
        else:
            fmt = EXTENSIONS.get(info.format, "png")
            fmt = "jpeg" if fmt == "jpg" else fmt
            self._plan(into, out, Planned(rel, self._variant(info, "fallback", info.width, 0,
                                                             fmt)))
        return out

    def srcset(self, into: ImageRecorder, rel: str) -> list[tuple[str, str, int]]:
        """(MIME type, output path, width) of the resized variants of a content image."""
        info = self.info(rel)
        if not info.raster:
            return []
        made = self._srcsets.get(rel)
        if made is None:
            widths = [w for w in self.settings.widths if w < info.width]
            if info.width <= max(self.settings.widths) or not widths:
                widths.append(info.width)
            found, plans = [], []
            for fmt in self.settings.formats:
                for width in widths:
                    out = self._output(rel, info, f"{width}.{fmt}")
                    plans.append((out, Planned(rel, self._variant(info, "resize", width, 0,
                                                                  fmt))))
                    found.append((f"image/{fmt}", out, width))
            made = self._srcsets[rel] = (found, plans)
        for out, planned in made[1]:
            self._plan(into, out, planned)
        return made[0]

    def thumbnail(self, into: ImageRecorder, rel: str) -> Thumbnail:
        """A card picture: cropped around the centre to the thumbnail size."""
        info = self.info(rel)
        width, height = self.settings.thumbnail
        if not info.raster:
            return Thumbnail(self.published(into, rel), (), width, height)
        fallback = "png" if info.format in ("PNG", "GIF") else "jpeg"
        src = self._crop(into, rel, info, width, height, fallback)
        sources = tuple((f"image/{fmt}", self._crop(into, rel, info, width, height, fmt))
                        for fmt in self.settings.formats)
        return Thumbnail(src, sources, width, height)

    def social(self, into: ImageRecorder, rel: str) -> str:
        """The og:image: 1200x630, cropped around the centre."""
        info = self.info(rel)
        if not info.raster:
            return self.published(into, rel)
        fmt = "png" if info.format in ("PNG", "GIF") else "jpeg"
        return self._crop(into, rel, info, *SOCIAL_SIZE, fmt)

    def _crop(self, into: ImageRecorder, rel: str, info: SourceInfo, width: int, height: int,
              fmt: str) -> str:
        out = self._output(rel, info, f"{width}x{height}.{'jpg' if fmt == 'jpeg' else fmt}")
        self._plan(into, out, Planned(rel, self._variant(info, "crop", width, height, fmt)))
        return out

    def _plan(self, into: ImageRecorder, out: str, planned: Planned) -> None:
        self.plan[out] = planned
        into.recorded.add(out)

    def _output(self, rel: str, info: SourceInfo, suffix: str) -> str:
        stem = rel.rsplit(".", 1)[0]
        return f"images/{stem}.{info.hash[:10]}.{suffix}"

    def variant_from(self, data: list[Any]) -> Variant:
        """A variant as the build cache keeps it: its fields, and its file's name."""
        kind, width, height, fmt, quality, name = data
        return Variant(kind, width, height, fmt, quality,
                       os.path.join(self.cache_str, name[:2], name))

    def _variant(self, info: SourceInfo, kind: str, width: int, height: int,
                 fmt: str) -> Variant:
        key = (info.hash, kind, width, height, fmt)
        found = self._variants.get(key)
        if found is None:  # asked for every page that shows the image: made once
            name = f"{info.hash[:16]}.{self.fingerprint}.{kind}.{width}x{height}.{fmt}"
            found = self._variants[key] = Variant(
                kind, width, height, fmt, self.settings.quality,  # type: ignore[arg-type]
                os.path.join(self.cache_str, name[:2], name))
        return found

    # -- processing ---------------------------------------------------------

    def process(self, used: set[str], jobs: int, progress: Progress | None = None
                ) -> dict[str, str]:
        """Make every planned file the cache lacks; returns source -> error message."""
        todo: dict[str, list[Variant]] = {}
        for out in sorted(used):
            planned = self.plan[out]
            info = self.info(planned.source)
            if planned.variant is not None and not self._made(planned.variant):
                todo.setdefault(planned.source, []).append(planned.variant)
            elif not info.verified and info.format != "SVG":
                todo.setdefault(planned.source, [])
        work = [Job(str(self.root / rel), tuple(variants)) for rel, variants in todo.items()]
        failures: dict[str, str] = {}
        for (rel, variants), error in zip(todo.items(), self._run(work, jobs, progress),
                                           strict=True):
            if error:
                failures[rel] = error
            else:
                self._sources[rel].verified = True
                self.processed += len(variants)
        self._save_sources()
        return failures

    def _run(self, work: list[Job], jobs: int, progress: Progress | None) -> list[str | None]:
        results: list[str | None] = []
        if jobs <= 1 or len(work) <= 1:
            for job in work:
                results.append(run_job(job))
                if progress:
                    progress(len(results), len(work))
            return results
        from concurrent.futures import ProcessPoolExecutor  # only when there is work to share

        with ProcessPoolExecutor(max_workers=jobs, initializer=die_with_parent) as pool:
            for result in pool.map(run_job, work):
                results.append(result)
                if progress:
                    progress(len(results), len(work))
        return results

    def file_for(self, out: str) -> Path:
        planned = self.plan[out]
        return self.root / planned.source if planned.variant is None else Path(
            planned.variant.dest)

    def prune(self) -> int:
        """Remove cached variants that no current plan refers to; returns their number."""
        keep = {Path(p.variant.dest) for p in self.plan.values() if p.variant is not None}
        removed = 0
        if self.cache.is_dir():
            for path in self.cache.glob("*/*"):
                if path.is_file() and path not in keep:
                    path.unlink()
                    removed += 1
        return removed

    # -- what was made ------------------------------------------------------

    def sha_of(self, out: str) -> str:
        """The sha256 of an output file's bytes (read once, when the state has no record)."""
        planned = self.plan[out]
        if planned.variant is None:
            return self.info(planned.source).hash
        dest = planned.variant.dest
        name = os.path.basename(dest)
        size = os.stat(dest).st_size
        known = self._variant_shas.get(name)
        if known is None or known[0] != size:
            with open(dest, "rb") as file:
                known = (size, hashlib.file_digest(file, "sha256").hexdigest())
            self._variant_shas[name] = known
            self.known.save_variants({name: known})
        return known[1]

    def _made(self, variant: Variant) -> bool:
        """Whether the variant's file is in the cache folder, as it was made."""
        try:
            size = os.stat(variant.dest).st_size
        except OSError:
            return False
        known = self._variant_shas.get(os.path.basename(variant.dest))
        return known is None or known[0] == size

    def _save_sources(self) -> None:
        self.known.save_sources({rel: asdict(info) for rel, info in sorted(self._sources.items())})


class ImageCache(Protocol):
    """What the image store asks of the build state."""

    def sources(self) -> dict[str, dict[str, Any]]: ...

    def save_sources(self, sources: dict[str, dict[str, Any]]) -> None: ...

    def variants(self) -> dict[str, tuple[int, str]]: ...

    def save_variants(self, variants: dict[str, tuple[int, str]]) -> None: ...


class NoImageCache:
    """Remembers nothing: an image store used outside a build."""

    def sources(self) -> dict[str, dict[str, Any]]:
        return {}

    def save_sources(self, sources: dict[str, dict[str, Any]]) -> None:
        pass

    def variants(self) -> dict[str, tuple[int, str]]:
        return {}

    def save_variants(self, variants: dict[str, tuple[int, str]]) -> None:
        pass


def pillow_version() -> str:
    import importlib.metadata  # not Pillow itself: most builds never load it

    return importlib.metadata.version("pillow")


def probe(path: Path, rel: str, digest: str, size: int, mtime_ns: int) -> SourceInfo:
    """Read what an image is from its header (no full decode)."""
    from PIL import Image, UnidentifiedImageError  # see imageproc: only when needed

    if path.suffix.lower() in PASSTHROUGH:
        width, height = svg_size(path) if path.suffix.lower() == ".svg" else (0, 0)
        return SourceInfo(size, mtime_ns, digest, width, height, "SVG", False, True, True)
    try:
        with warnings.catch_warnings():
            # Pillow warns of an image over its pixel limit and refuses one over twice
            # that: both are the page's mistake (a bound on what an image may cost).
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _probe_raster(Image.open(path), size, mtime_ns, digest)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageError(f"'content/images/{rel}' is too large to process safely (over "
                         f"{Image.MAX_IMAGE_PIXELS:,} pixels)") from None
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


def svg_size(path: Path) -> tuple[int, int]:
    """The width and height an SVG declares (or its viewBox), 0 when it declares none."""
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError):
        return 0, 0
    width, height = _length(root.get("width")), _length(root.get("height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if (not width or not height) and len(box) == 4:
        try:
            box_w, box_h = float(box[2]), float(box[3])
        except ValueError:
            return width, height
        if width and box_w:
            return width, round(width * box_h / box_w)
        return round(box_w), round(box_h)
    return width, height


def _length(value: str | None) -> int:
    match = re.fullmatch(r"\s*([\d.]+)\s*(px)?\s*", value or "")
    return round(float(match.group(1))) if match else 0
