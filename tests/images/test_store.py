"""Images: true sizes, srcsets of variants, upright and stripped, cached, checked."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image

from tests.conftest import Site, api_build, snapshot

IMG = re.compile(r"<img\b[^>]*>")


def attributes(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))



def photo(path: Path, size: tuple[int, int], orientation: int | None = None) -> None:
    """A noisy 'photo' (so that sizes are realistic), optionally with EXIF and GPS."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.effect_noise(size, 60).convert("RGB")
    image.paste((200, 30, 30), (0, 0, size[0] // 4, size[1] // 4))  # a red top-left corner
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
        exif[0x8825] = {1: "N", 2: (52.0, 5.0, 0.0)}  # GPS info
    image.save(path, "JPEG", quality=92, exif=exif.tobytes())


def test_every_content_image_of_the_demo(demo: Site) -> None:
    assert demo.build().code == 0
    checked = 0
    for group in ("rtc", "aifh"):
        folder = demo.root / "output" / group
        for page in folder.rglob("*.html"):
            main = page.read_text(encoding="utf-8").split('<div class="prose">')[-1]
            for tag in IMG.findall(main):
                attrs = attributes(tag)
                if "card-picture" in tag or "person-photo" in tag:
                    continue  # a thumbnail of a fixed size: no srcset
                source = folder / attrs["src"].lstrip("/")
                with Image.open(source) if source.suffix != ".svg" else _svg(source) as image:
                    true_w, true_h = image.size
                width, height = int(attrs["width"]), int(attrs["height"])
                assert abs(width / height - true_w / true_h) < 0.02, (page, tag)
                assert attrs["decoding"] == "async"
                if source.suffix == ".svg":
                    assert attrs["srcset"] == f"{attrs['src']} 1x"  # one file for every width
                    continue
                candidates = [c.split() for c in attrs["srcset"].split(", ")]
                for url, descriptor in candidates:
                    variant = folder / url.lstrip("/")
                    with Image.open(variant) as image:
                        assert image.format == "WEBP"
                        assert f"{image.width}w" == descriptor
                        assert image.width <= true_w
                widest = folder / candidates[-1][0].lstrip("/")
                if source.suffix == ".jpg":  # a photo: the WebP is smaller
                    assert widest.stat().st_size < source.stat().st_size
                checked += 1
    assert checked >= 3


class _svg:
    """Open an SVG's declared size like an image, for the size check above."""

    def __init__(self, path: Path):
        from coursesite.images.sources import svg_size

        self.size = svg_size(path)

    def __enter__(self) -> _svg:
        return self

    def __exit__(self, *args: object) -> None:
        pass


def test_first_image_is_eager_and_later_ones_lazy(site: Site) -> None:
    site.image("a.png", (900, 600))
    site.image("b.png", (300, 200))
    site.page("p.md", "title: P\ngroups: rtc\n\n![a](/images/a.png)\n\n"
                      '<img src="/images/b.png" alt="b" width="150">\n')
    assert site.build().code == 0
    first, second = IMG.findall(site.out("rtc/p/index.html"))
    assert "loading" not in first
    assert attributes(first)["width"] == "900" and attributes(first)["height"] == "600"
    assert attributes(second)["loading"] == "lazy"
    assert attributes(second)["width"] == "150" and attributes(second)["height"] == "100"
    assert attributes(second)["sizes"] == "(max-width: 150px) 100vw, 150px"
    srcset = attributes(first)["srcset"]
    assert re.fullmatch(r"/images/a\.[0-9a-f]{10}\.480\.webp 480w, "
                        r"/images/a\.[0-9a-f]{10}\.800\.webp 800w, "
                        r"/images/a\.[0-9a-f]{10}\.900\.webp 900w", srcset)


def test_exif_orientation_is_applied_and_metadata_stripped(site: Site) -> None:
    photo(site.root / "content/images/rotated.jpg", (400, 300), orientation=6)
    site.page("p.md", "title: P\ngroups: rtc\n\n![r](/images/rotated.jpg)\n")
    assert site.build().code == 0
    tag = IMG.findall(site.out("rtc/p/index.html"))[0]
    assert attributes(tag)["width"] == "300" and attributes(tag)["height"] == "400"
    out = site.root / "output/rtc/images"
    published = [out / "rotated.jpg", *out.glob("rotated.*.webp")]
    assert len(published) >= 2
    for path in published:
        with Image.open(path) as image:
            assert image.size == (300, 400)  # upright: portrait
            assert not image.getexif(), path
            assert "icc_profile" not in image.info
            # Orientation 6 turns the red top-left corner to the top right.
            assert image.convert("RGB").getpixel((image.width - 5, 5))[0] > 150


def test_animated_gif_and_svg_are_published_as_they_are(site: Site) -> None:
    frames = [Image.new("RGB", (40, 40), (i * 100, 50, 200 - i * 60)) for i in range(3)]
    gif = site.root / "content/images/anim.gif"
    gif.parent.mkdir(parents=True)
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100, loop=0)
    site.write("content/images/d.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="120" '
               'height="60"><rect width="120" height="60"/></svg>')
    site.page("p.md", "title: P\ngroups: rtc\n\n![a](/images/anim.gif) ![d](/images/d.svg)\n")
    assert site.build().code == 0
    out = site.root / "output/rtc/images"
    assert (out / "anim.gif").read_bytes() == gif.read_bytes()
    with Image.open(out / "anim.gif") as image:
        assert image.n_frames == 3
    assert (out / "d.svg").read_bytes() == (site.root / "content/images/d.svg").read_bytes()
    gif_tag, svg_tag = IMG.findall(site.out("rtc/p/index.html"))
    assert attributes(gif_tag)["srcset"] == "/images/anim.gif 1x"
    assert attributes(svg_tag)["width"] == "120"


def test_card_thumbnails_and_social_image(site: Site) -> None:
    photo(site.root / "content/images/cover.jpg", (1000, 1000))
    site.page("c/index.md", "title: Course\ngroups: rtc\n\nx\n")
    site.page("c/l.md", "title: Lesson\ngroups: rtc\npicture: cover.jpg\n\nx\n")
    assert site.build().code == 0
    section = site.out("rtc/c/index.html")
    thumb = re.search(
        r'<img class="card-picture" src="/(images/cover\.[0-9a-f]{10}\.640x360\.jpg)"', section)
    assert thumb is not None
    with Image.open(site.root / "output/rtc" / thumb.group(1)) as image:
        assert image.size == (640, 360)
    assert re.search(r'<source type="image/webp" srcset="/images/cover\.\w+\.640x360\.webp">',
                     section)
    social = re.search(r'og:image" content="https://rtc.example.org/(images/[^"]+)"',
                       site.out("rtc/c/l/index.html"))
    assert social is not None
    with Image.open(site.root / "output/rtc" / social.group(1)) as image:
        assert image.size == (1200, 630)


def test_rebuild_does_no_image_work_and_one_change_redoes_one_image(site: Site) -> None:
    for name in ("a", "b", "c"):
        photo(site.root / f"content/images/{name}.jpg", (1300, 900))
    site.page("p.md", "title: P\ngroups: rtc\n\n![a](/images/a.jpg) ![b](/images/b.jpg) "
                      "![c](/images/c.jpg)\n")
    cold = api_build(site)
    assert cold.images_processed == 3 * 4  # 480, 800, 1200 and 1300 wide; the JPEG is clean
    cache = site.root / ".cache/images"
    before = {p: p.stat().st_mtime_ns for p in cache.rglob("*.*") if p.name != "manifest.json"}
    output = snapshot(site.root / "output")
    assert api_build(site).images_processed == 0
    assert snapshot(site.root / "output") == output
    photo(site.root / "content/images/b.jpg", (1300, 900), orientation=3)
    changed = api_build(site)
    assert changed.images_processed == 5  # its four widths and, now that it has EXIF, a copy
    for path, mtime in before.items():
        if path.exists():
            assert path.stat().st_mtime_ns == mtime  # a's and c's variants untouched
    # The old variants of b are no longer referenced: pruned from the cache.
    assert sum(1 for p in before if not p.exists()) == 4


def test_corrupt_cache_is_ignored(site: Site) -> None:
    photo(site.root / "content/images/a.jpg", (600, 400))
    site.page("p.md", "title: P\ngroups: rtc\n\n![a](/images/a.jpg)\n")
    assert api_build(site).images_processed > 0
    (site.root / ".cache/images/manifest.json").write_text("{not json")
    result = site.build()
    assert result.code == 0, result.err


def test_image_errors_at_their_lines(site: Site) -> None:
    site.write("content/images/fake.png", "this is text, not a picture")
    site.page("o.md", "title: O\ngroups: rtc\npicture: ../../site.yaml\n\nx\n")
    site.page("p.md", "title: P\ngroups: rtc\n\nintro\n\n"
                      "![fake](/images/fake.png)\n\n![up](/images/../site.yaml)\n")
    result = site.build()
    assert result.code == 1
    assert "content/o.md:3: error: picture '../../site.yaml' is outside content/images/" \
        in result.err
    assert "content/p.md:6: error: 'content/images/fake.png' is not an image" in result.err
    assert "content/p.md:8: error: image '/images/../site.yaml' points to nothing" in result.err


def test_image_settings_are_validated(site: Site) -> None:
    site.write("site.yaml", (site.root / "site.yaml").read_text()
               + "images:\n  quality: 0\n  widths: [320, 640]\n")
    site.page("p.md", "title: P\ngroups: rtc\n\nx\n")
    result = site.build()
    assert result.code == 2
    assert "site.yaml:9: error: images.quality must be a whole number 1-100" in result.err


def test_images_linked_from_outside_content_are_errors_and_never_published(
        site: Site, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    photo(outside / "secret.jpg", (300, 200))
    photo(outside / "dir" / "more.jpg", (300, 200))
    shared = site.root / "content/shared/inside.jpg"
    photo(shared, (300, 200))
    images = site.root / "content/images"
    images.mkdir(parents=True)
    (images / "secret.jpg").symlink_to(outside / "secret.jpg")
    (images / "dir").symlink_to(outside / "dir", target_is_directory=True)
    (images / "inside.jpg").symlink_to("../shared/inside.jpg")  # stays inside content/
    (images / "unused.jpg").symlink_to(outside / "secret.jpg")
    site.page("p.md", "title: P\ngroups: rtc\npicture: dir/more.jpg\n\n![s](/images/secret.jpg)\n"
                      "\n![i](/images/inside.jpg)\n")
    result = site.build()
    assert result.code == 1
    # Each once: at the line that shows it, or, shown by no page, at the link's path.
    assert [line for line in result.err.splitlines() if ": error:" in line] == [
        "content/images/unused.jpg: error: the image is a link to a file outside content/",
        "content/p.md:3: error: image 'content/images/dir/more.jpg' is in a folder that is "
        "a link to a folder outside content/",
        "content/p.md:5: error: image 'content/images/secret.jpg' is a link to a file "
        "outside content/"], result.err
    assert ("    hint: copy the file into content/ instead of linking to it: nothing outside "
            "content/ is read or published") in result.err
    assert "inside.jpg" not in result.err
    secrets = {(outside / "secret.jpg").read_bytes(), (outside / "dir/more.jpg").read_bytes()}
    manifest = site.root / ".cache/images/manifest.json"
    assert not manifest.exists() or "secret" not in manifest.read_text()
    for folder in ("output", ".cache"):
        assert not secrets & set(snapshot(site.root / folder).values())
    # Without them the link that stays inside content/ works.
    (images / "secret.jpg").unlink()
    (images / "unused.jpg").unlink()
    (images / "dir").unlink()
    site.page("p.md", "title: P\ngroups: rtc\n\n![i](/images/inside.jpg)\n")
    result = site.build()
    assert result.code == 0, result.err
    assert (site.root / "output/rtc/images/inside.jpg").read_bytes() == shared.read_bytes()


def test_a_variant_made_again_has_the_bytes_of_a_clean_build(site: Site) -> None:
    """Each variant is made from the original, never from another: the cache's history
    (which variants were deleted, which kept) does not show in the bytes."""
    photo(site.root / "content/images/big.jpg", (2400, 1600), orientation=1)
    site.page("p.md", "title: P\ngroups: rtc\npicture: big.jpg\n\n![b](/images/big.jpg)\n")
    api_build(site)
    cache = site.root / ".cache/images"
    clean = {p.name: p.read_bytes() for p in cache.glob("*/*")}
    widths = sorted(name for name in clean if ".resize." in name)
    assert len(widths) == 4  # 480, 800, 1200 and 1600 wide
    output = snapshot(site.root / "output")
    for name in widths:
        if ".1200x0." in name or ".480x0." in name:  # the 1600 and the 800 are kept
            next(cache.glob(f"*/{name}")).unlink()
    # Into another folder: else nothing changed, and the build would do nothing at all.
    assert api_build(site, output=site.root / "elsewhere").images_processed == 2
    assert {p.name: p.read_bytes() for p in cache.glob("*/*")} == clean
    assert snapshot(site.root / "elsewhere") == output


def test_an_image_too_large_to_open_safely_is_an_error_at_its_use(site: Site) -> None:
    from PIL import Image

    site.page("index.md", "title: Home\ngroups: all\n\n![Huge]({{ IMGURL }}/images/huge.png)\n")
    path = site.root / "content/images/huge.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("1", (13000, 13000)).save(path)  # 169 million pixels, a small file
    result = site.build()
    assert result.code == 1 and "Traceback" not in result.err and "Warning" not in result.err
    assert "content/index.md:4: error: 'content/images/huge.png' is too large to process " \
           "safely" in result.err
