"""Images under content/images/: checked with Pillow, copied when referenced.

Each image is opened and fully decoded once per build, whatever the number of
groups that use it, so a truncated or mislabelled file fails the build at the
line that refers to it instead of showing a broken picture to a learner.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from coursesite.config import SiteConfig

# Formats browsers show that Pillow does not open; checked for existence only.
PASSTHROUGH = {".svg", ".ico"}


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    format: str


class ImageError(Exception):
    pass


class ImageStore:
    def __init__(self, config: SiteConfig):
        self.root = (config.content_dir / "images").resolve()
        self._checked: dict[str, ImageInfo | ImageError] = {}

    def source(self, rel: str) -> Path:
        return self.root / rel

    def candidates(self) -> set[str]:
        """Every file under content/images/, as 'images/<path>' output paths."""
        if not self.root.is_dir():
            return set()
        return {
            "images/" + p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file()
        }

    def check(self, rel: str) -> ImageInfo:
        """Open and decode the image once; raise ImageError if it is not a usable image."""
        if rel not in self._checked:
            try:
                self._checked[rel] = self._inspect(rel)
            except ImageError as exc:
                self._checked[rel] = exc
        result = self._checked[rel]
        if isinstance(result, ImageError):
            raise result
        return result

    def _inspect(self, rel: str) -> ImageInfo:
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root):
            raise ImageError(f"'{rel}' is outside content/images/")
        if not path.is_file():
            raise ImageError(f"image 'content/images/{rel}' does not exist")
        if path.suffix.lower() in PASSTHROUGH:
            return ImageInfo(0, 0, path.suffix.lower().lstrip("."))
        try:
            with Image.open(path) as image:
                image.load()
                return ImageInfo(image.width, image.height, image.format or "")
        except UnidentifiedImageError:
            raise ImageError(f"'content/images/{rel}' is not an image Pillow can read") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageError(f"'content/images/{rel}' is damaged: {exc}") from None

    def copy(self, rel: str, output: Path) -> None:
        target = output / "images" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.root / rel, target)
