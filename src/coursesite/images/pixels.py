"""The bound on an image's pixels (limits.image_pixels), checked before Pillow decodes it.

Opening an image reads its header only: its width and height are compared with
the site's limit there, in the build's process (probing a source) and in the
worker processes that decode it for variants alike, so that a 30000x30000 PNG of
a few hundred bytes is refused before it costs gigabytes. Pillow's own check
(a warning over Image.MAX_IMAGE_PIXELS, an error over twice that) is left as it
is while the limit is within it; only a limit raised past it lifts Pillow's, for
the time of the one call that needs it.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

HINT = "raise limits.image_pixels in site.yaml, or scale the image down"


class TooLarge(Exception):
    """An image over the limit; `size` is None when Pillow refused it before we could see."""

    def __init__(self, size: tuple[int, int] | None, limit: int):
        self.size, self.limit = size, limit
        shown = f"{size[0]}x{size[1]} pixels, " if size else ""
        super().__init__(f"is too large to process safely ({shown}over {limit:,} pixels)")


@contextlib.contextmanager
def pillow_allowing(limit: int) -> Iterator[None]:
    """Pillow, with its own pixel check out of the way of `limit` (the caller checks that):
    its warning silenced, and its error lifted only when `limit` is past it."""
    from PIL import Image  # only when an image is opened: most rebuilds open none

    saved = Image.MAX_IMAGE_PIXELS
    lift = saved is not None and limit > 2 * saved
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        if lift:
            Image.MAX_IMAGE_PIXELS = limit
        try:
            yield
        finally:
            if lift:
                Image.MAX_IMAGE_PIXELS = saved


def opened(path: str | Path, limit: int) -> Image.Image:
    """The image, opened (its header read, nothing decoded); TooLarge over `limit` pixels.

    Call it within `pillow_allowing(limit)`."""
    from PIL import Image

    try:
        image = Image.open(path)
    except Image.DecompressionBombError:  # over twice Pillow's bound, which is over ours
        raise TooLarge(None, limit) from None
    width, height = image.size
    if max(width, 1) * max(height, 1) > limit:
        image.close()
        raise TooLarge((width, height), limit)
    return image
