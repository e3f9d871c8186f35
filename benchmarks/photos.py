"""A deterministic tree of large photos for the image benchmark."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

SITE_YAML = """\
groups:
  photos: {title: Photos, url: "https://photos.example.org/"}
"""


def photo(path: Path, seed: int) -> None:
    """A 2000-4000 px JPEG with smooth areas, edges and grain, like a camera's."""
    rng = random.Random(seed)
    width = rng.randrange(2000, 4001)
    height = width * rng.choice((2, 3)) // rng.choice((3, 4)) if rng.random() < 0.8 else width
    small = Image.new("RGB", (64, 48))
    draw = ImageDraw.Draw(small)
    for _ in range(12):
        x, y = rng.randrange(64), rng.randrange(48)
        r = rng.randrange(6, 30)
        color = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=color)
    image = small.filter(ImageFilter.GaussianBlur(4)).resize((width, height),
                                                            Image.Resampling.BICUBIC)
    grain = Image.effect_noise((width // 2, height // 2), 18).resize((width, height))
    image = Image.blend(image, Image.merge("RGB", (grain, grain, grain)), 0.12)
    exif = Image.Exif()
    exif[0x010F] = "Benchmark Camera"
    if seed % 5 == 0:
        exif[0x0112] = 6  # taken upright: stored on its side
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())


def make_photo_site(site: Path, count: int) -> None:
    site.mkdir(parents=True, exist_ok=True)
    (site / "site.yaml").write_text(SITE_YAML)
    for index in range(count):
        photo(site / "content" / "images" / "photos" / f"photo-{index:03d}.jpg", index)
    for page in range(count // 3):
        names = [f"photo-{page * 3 + k:03d}.jpg" for k in range(3)]
        body = "\n\n".join(f"Photo {n}:\n\n![{n}](/images/photos/{n})" for n in names)
        text = (f"title: Gallery {page}\ngroups: photos\npicture: photos/{names[0]}\n\n"
                f"## Gallery {page}\n\n{body}\n")
        path = site / "content" / "galleries" / f"gallery-{page:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (site / "content" / "galleries" / "index.md").write_text(
        "title: Galleries\ngroups: photos\n\nAll galleries.\n")


def touch_photo(site: Path, generation: int) -> None:
    """Change one photo's content (a new seed), as an author replacing a picture would."""
    photo(site / "content" / "images" / "photos" / "photo-007.jpg", 10_000 + generation)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("site", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--touch", type=int, default=None, help="change one photo instead")
    args = parser.parse_args()
    if args.touch is None:
        make_photo_site(args.site, args.count)
    else:
        touch_photo(args.site, args.touch)
