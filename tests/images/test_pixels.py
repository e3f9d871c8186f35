"""limits.image_pixels: an image over it is an error at the page line that shows it, found
from its header before anything is decoded, in the build's process and in its workers."""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

from PIL import Image

from coursesite.images.process import Job, Variant, run_job
from tests.conftest import BASIC_SITE_YAML, Site, api_build

HINT = "    hint: raise limits.image_pixels in site.yaml, or scale the image down"


def png_header(path: Path, width: int, height: int) -> None:
    """A PNG that says it is width x height: a header, and a few bytes of pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


def images(site: Site) -> Path:
    folder = site.root / "content/images"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def limited(site: Site, pixels: int | None) -> None:
    limits = "" if pixels is None else f"limits:\n  image_pixels: {pixels}\n"
    site.write("site.yaml", BASIC_SITE_YAML + "images:\n  widths: [480]\n" + limits)


def test_a_png_header_of_30000_by_30000_is_refused_before_it_is_decoded(site: Site) -> None:
    png_header(images(site) / "bomb.png", 30000, 30000)
    assert (site.root / "content/images/bomb.png").stat().st_size < 200
    site.page("index.md", "title: Home\ngroups: rtc\n\nText\n\n![b](/images/bomb.png)\n")
    started = time.perf_counter()
    result = site.build()
    assert time.perf_counter() - started < 10
    assert result.code == 1
    assert ("content/index.md:6: error: 'content/images/bomb.png' is too large to process "
            "safely (over 89,478,485 pixels)\n" + HINT) in result.err
    assert "Traceback" not in result.err and "Warning" not in result.err


def test_a_10000_by_10000_image_follows_limits_image_pixels(site: Site) -> None:
    Image.new("L", (10000, 10000), 128).save(images(site) / "big.png")
    site.page("index.md", "title: Home\ngroups: rtc\npicture: big.png\n\nText\n")
    refused = ("content/index.md:3: error: 'content/images/big.png' is too large to process "
               "safely (10000x10000 pixels, over 50,000,000 pixels)\n" + HINT)
    limited(site, 50_000_000)
    result = site.build()
    assert result.code == 1 and refused in result.err
    limited(site, 100_000_000)  # over Pillow's own bound of 89,478,485: it warns no more
    result = site.build()
    assert result.code == 0, result.err
    assert "Warning" not in result.err
    [social] = (site.root / "output/rtc/images").glob("big.*.1200x630.png")
    with Image.open(social) as image:
        assert image.size == (1200, 630)
    # Known now from the build state: lowered again, the limit still holds.
    limited(site, 50_000_000)
    result = site.build()
    assert result.code == 1 and refused in result.err


def test_a_limit_past_pillows_own_is_lifted_within_the_build_only(site: Site) -> None:
    pillows = Image.MAX_IMAGE_PIXELS
    Image.new("1", (14000, 13000)).save(images(site) / "wide.png")  # a small file
    site.page("index.md", "title: Home\ngroups: rtc\n\n![w](/images/wide.png)\n")
    limited(site, 190_000_000)  # twice Pillow's bound is 178,956,970: Pillow would refuse
    assert api_build(site).images_processed == 1
    assert pillows == Image.MAX_IMAGE_PIXELS, "Pillow's own bound is as it was"


def test_a_worker_refuses_an_image_over_the_limit_it_is_given(tmp_path: Path) -> None:
    """The file may have changed since it was probed: the worker checks it again."""
    Image.new("RGB", (2000, 1000)).save(tmp_path / "a.png")
    dest = tmp_path / "a.480.webp"
    variant = Variant("resize", 480, 0, "webp", 80, str(dest))
    failure = run_job(Job(str(tmp_path / "a.png"), (variant,), 1_000_000))
    assert failure is not None
    assert failure.reason == ("is too large to process safely "
                              "(2000x1000 pixels, over 1,000,000 pixels)")
    assert failure.hint == HINT.removeprefix("    hint: ")
    assert not dest.exists()
    assert run_job(Job(str(tmp_path / "a.png"), (variant,), 2_000_000)) is None
    assert dest.is_file()
