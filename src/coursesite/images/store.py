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

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from coursesite.config.site import ImageSettings, SiteConfig
from coursesite.digest import installed
from coursesite.errors import Problems
from coursesite.images.process import VERSION as PROCESS_VERSION
from coursesite.images.process import Failure, Job, Variant
from coursesite.images.sources import ImageCache, NoImageCache, SourceInfo, Sources
from coursesite.images.variants import VariantFiles

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "AVIF": "avif"}
SOCIAL_SIZE = (1200, 630)

Progress = Callable[[int, int], None]


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
        self.settings: ImageSettings = config.images
        self.max_pixels = config.limits.image_pixels
        self.cache = config.cache_dir / "images"
        self.cache_str = str(self.cache)
        # In every variant's name: settings or a Pillow of other output make other files.
        made_by = f"{self.settings.fingerprint()}|{PROCESS_VERSION}|{pillow_version()}"
        self.fingerprint = hashlib.sha256(made_by.encode()).hexdigest()[:8]
        self.known = known or NoImageCache()
        self.sources = Sources(config, self.known)
        self.variants = VariantFiles(self.cache, self.known)
        # Memos of this build, keyed by what they answer: no caller's state.
        self._variants: dict[tuple[str, str, int, int, str], Variant] = {}
        # Each image's srcset, made once: thousands of pages show the same few images.
        self._srcsets: dict[str, tuple[list[tuple[str, str, int]],
                                       list[tuple[str, Planned]]]] = {}
        self.plan: dict[str, Planned] = {}  # output path ("images/...") -> how to make it
        self.uses: dict[str, tuple[str, int]] = {}  # source -> first (page, line) using it
        self.processed = 0  # variants made in this build (0 on a warm rebuild)

    # -- sources (sources.py) ---------------------------------------------------

    @property
    def candidates(self) -> frozenset[str]:
        return self.sources.candidates

    def report_links(self, problems: Problems) -> None:
        self.sources.report_links(problems, set(self.uses))

    def info(self, rel: str) -> SourceInfo:
        """What the source is; raises ImageError when it is no usable image."""
        return self.sources.info(rel)

    def note_use(self, into: ImageRecorder, rel: str, page: str, line: int) -> None:
        """`page` shows the source at `line`: where its errors are reported."""
        self.uses.setdefault(rel, (page, line))
        into.uses.append((rel, page, line))

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

    def thumbnail(self, into: ImageRecorder, rel: str, square: bool = False) -> Thumbnail:
        """A card picture: cropped around the centre to the thumbnail size (or to a
        square as wide as it is high, for a member's photo in a round frame)."""
        info = self.info(rel)
        width, height = self.settings.thumbnail
        if square:
            width = height
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

    def process(self, used: set[str], jobs: int, progress: Progress | None = None,
                make: bool = True) -> dict[str, Failure]:
        """Make every planned file the cache lacks; returns source -> what failed.

        With `make` False (`build-site check`, which writes nothing), the sources of
        those files are only decoded, which finds every damaged one all the same.
        """
        todo: dict[str, list[Variant]] = {}
        for out in sorted(used):
            planned = self.plan[out]
            info = self.info(planned.source)
            if planned.variant is not None and not self.variants.made(planned.variant):
                todo.setdefault(planned.source, []).extend([planned.variant] if make else [])
            elif not info.verified and info.format != "SVG":
                todo.setdefault(planned.source, [])
        work = [Job(str(self.root / rel), tuple(variants), self.max_pixels)
                for rel, variants in todo.items()]
        failures: dict[str, Failure] = {}
        for (rel, variants), error in zip(todo.items(),
                                           self.variants.make(work, jobs, progress),
                                           strict=True):
            if error:
                failures[rel] = error
            else:
                self.sources.verified(rel)
                self.processed += len(variants)
        self.sources.save()
        return failures

    def file_for(self, out: str) -> Path:
        planned = self.plan[out]
        return self.root / planned.source if planned.variant is None else Path(
            planned.variant.dest)

    def sha_of(self, out: str) -> str:
        """The sha256 of an output file's bytes."""
        planned = self.plan[out]
        if planned.variant is None:
            return self.info(planned.source).hash
        return self.variants.sha(planned.variant)

    def prune(self) -> int:
        """Remove cached variants that no current plan refers to; returns their number."""
        return self.variants.prune({Path(p.variant.dest) for p in self.plan.values()
                                    if p.variant is not None})


def pillow_version() -> str:
    """Pillow's metadata folder (`pillow-11.0.0.dist-info`): not Pillow itself, which most
    builds never load."""
    return ",".join(installed(("pillow",)))


