"""Pillow operations on one source image, run in worker processes.

A `Job` names one source file and every variant still missing from the cache;
the worker decodes the source once (which also finds truncated files; an image
over limits.image_pixels is refused from its header before that), turns
it upright by its EXIF orientation, converts it to sRGB, and writes each
variant, made from that original alone, without metadata. Files are written
under a temporary name and renamed, so an interrupted build never leaves half
an image in the cache.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from coursesite.fsutil import replaced_atomically
from coursesite.images import pixels

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where it is used: a rebuild whose images are all made already
# (most rebuilds) never loads it, which saves a twentieth of a one-page rebuild.

Kind = Literal["resize", "fallback", "crop"]
# Shrink by whole factors first (fast box filter), then LANCZOS over the last factor of
# three: visually the same as LANCZOS all the way, several times faster on photos.
REDUCING_GAP = 3.0
SAVE_FORMAT = {"webp": "WEBP", "avif": "AVIF", "jpeg": "JPEG", "png": "PNG", "gif": "GIF"}
# How variants are made, in their names in the cache: a cache of variants made otherwise
# (version 1 chained its resizes) is made again rather than mixed with new ones.
VERSION = 3  # 2: from the original; 3: from its half-size reduction when small enough


@dataclass(frozen=True)
class Variant:
    kind: Kind
    width: int
    height: int  # for "crop"; 0 otherwise
    format: str  # a key of SAVE_FORMAT
    quality: int
    dest: str  # the file in the cache


@dataclass(frozen=True)
class Job:
    source: str
    variants: tuple[Variant, ...]
    max_pixels: int  # limits.image_pixels: checked again here, from the file as it is now


@dataclass(frozen=True)
class Failure:
    reason: str  # what follows "image 'content/images/<path>' "
    hint: str


DAMAGED = "replace the file with one that opens in an image viewer"


def run_job(job: Job) -> Failure | None:
    """Make every variant of the job; what failed, or None."""
    with pixels.pillow_allowing(job.max_pixels):
        return _make_variants(job)


def _make_variants(job: Job) -> Failure | None:
    from PIL import ImageOps

    try:
        with pixels.opened(job.source, job.max_pixels) as opened:
            opened.load()
            image = to_srgb(ImageOps.exif_transpose(opened) or opened)
    except pixels.TooLarge as exc:  # before anything is decoded
        return Failure(str(exc), pixels.HINT)
    except Exception as exc:  # truncated, a decompression bomb, or worse: the file's fault
        return Failure(f"cannot be decoded ({exc})", DAMAGED)
    # Every variant is made from the original, never from another variant: its bytes then
    # depend on the source and the settings alone, not on which other variants the cache
    # still held when it was made (a job holds only the missing ones).
    original = Original(image)
    made: dict[tuple[str, int, int], Image.Image] = {}  # one per size, for all its formats
    for variant in job.variants:
        try:
            key = (variant.kind, variant.width, variant.height)
            if key not in made:
                made[key] = make(original, variant)
            save(made[key], variant)
        except Exception as exc:  # odd files make odd errors: report, never crash the build
            return Failure(f"cannot be converted to {variant.format} ({exc})", DAMAGED)
    return None


def to_srgb(image: Image.Image) -> Image.Image:
    """Convert an image with an embedded colour profile to sRGB (then drop the profile)."""
    from PIL import ImageCms

    if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "CMYK"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            srgb = ImageCms.createProfile("sRGB")
            mode = "RGBA" if "A" in image.getbands() else "RGB"
            converted = ImageCms.profileToProfile(image, source, srgb, outputMode=mode)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are
    if image.mode == "CMYK":
        image = image.convert("RGB")
    image.info.pop("icc_profile", None)
    image.info.pop("exif", None)
    return image


class Original:
    """The decoded source, and its half-size box reduction once a variant asks for it."""

    def __init__(self, image: Image.Image):
        self.image = image
        self._half: Image.Image | None = None

    def half(self) -> Image.Image:
        if self._half is None:
            self._half = self.image.reduce(2)
        return self._half


def make(original: Original, variant: Variant) -> Image.Image:
    from PIL import Image, ImageOps

    image = original.image
    if variant.kind == "crop":
        return ImageOps.fit(image, (variant.width, variant.height), Image.Resampling.LANCZOS,
                            centering=(0.5, 0.5))
    if variant.kind == "resize" and variant.width < image.width:
        height = max(1, round(image.height * variant.width / image.width))
        # LANCZOS from the full original costs the same for every width, however small.
        # A width of at most half the original's starts from the original box-filtered
        # to half size (made once per job): the four default widths of a 4000 px photo
        # take half the time, and which source a variant gets depends on the two widths
        # alone, never on the other variants of the job.
        source = original.half() if variant.width * 2 <= image.width else image
        return source.resize((variant.width, height), Image.Resampling.LANCZOS,
                             reducing_gap=REDUCING_GAP)
    return image


def save(image: Image.Image, variant: Variant) -> None:
    fmt = SAVE_FORMAT[variant.format]
    if fmt == "JPEG" and image.mode != "RGB":
        image = flatten(image)
    options: dict[str, object] = {}
    if fmt in ("WEBP", "AVIF", "JPEG"):
        options["quality"] = variant.quality
    if fmt == "WEBP":
        options["method"] = 4
    if fmt == "JPEG":
        options.update(optimize=True, progressive=True)
    if fmt == "PNG":
        options["optimize"] = True
    with replaced_atomically(Path(variant.dest)) as partial:
        image.save(partial, format=fmt, **options)


def flatten(image: Image.Image) -> Image.Image:
    """Put an image with transparency on white, for formats without it (JPEG)."""
    from PIL import Image

    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
