"""Content <img> tags of a written page, given their true size, lazy loading and a srcset.

The store (store.py) answers which variants an image has and plans them for
the unit whose page is being decorated.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from coursesite.images.sources import ImageError, SourceInfo
from coursesite.images.store import ImageRecorder, ImageStore

IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
TAG_ATTRIBUTE = re.compile(r"""([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def decorate_images(into: ImageRecorder, html: str, locate: Callable[[str], str | None],
                    store: ImageStore, url_of: Callable[[str], str]) -> str:
    """Give each content <img> its true size, lazy loading and a srcset of variants.

    `locate` turns a src into its source under content/images/ (None for any
    other image); `url_of` turns an output path into the URL pages use. The
    variants are planned for `into`, the unit whose page this is.
    """
    first = True

    def one(match: re.Match[str]) -> str:
        nonlocal first
        tag = match.group(0)
        attrs = _attributes(tag)
        if attrs.get("data-src"):  # for a lazy-loading script (SPEC §7): the image is that
            tag, attrs["src"] = with_src(tag, attrs["data-src"]), attrs["data-src"]
        rel = locate(attrs.get("src", ""))
        is_first, first = first, False
        if rel is None:
            return tag
        try:
            info = store.info(rel)
            published = store.published(into, rel)
            variants = store.srcset(into, rel)
        except ImageError:
            return tag  # the link check reports it at its line
        if "//" in attrs["src"].partition("://")[2 if "://" in attrs["src"] else 0]:
            # `images/news//x.jpg`: found as servers read it, written as one path
            tag = with_src(tag, url_of(published))
            attrs["src"] = url_of(published)
        added = _size(attrs, info)
        if not is_first:
            added.setdefault("loading", "lazy")
        added["decoding"] = "async"
        if variants and "srcset" not in attrs:
            first_type = variants[0][0]
            added["srcset"] = ", ".join(f"{url_of(out)} {width}w"
                                        for mime, out, width in variants if mime == first_type)
            width = added.get("width") or attrs.get("width")
            added["sizes"] = (f"(max-width: {width}px) 100vw, {width}px"
                              if "width" in attrs and width else store.settings.sizes)
        elif "srcset" not in attrs:
            # A vector or animated image has one file for every width: say so.
            added["srcset"] = f"{attrs['src']} 1x"
        extra = "".join(f' {k}="{v}"' for k, v in added.items() if k not in attrs)
        end = "/>" if tag.endswith("/>") else ">"
        return tag[: -len(end)].rstrip() + extra + end

    return IMG_TAG.sub(one, html)


SRC_ATTRIBUTE = re.compile(r"""\s+src\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)""", re.IGNORECASE)


def with_src(tag: str, src: str) -> str:
    """The tag with `src` as its src (a lazy-loading script's placeholder replaced): a page
    of coursesite needs no script to show its images, and the link check sees them."""
    quoted = src.replace('"', "&quot;")
    return f'<img src="{quoted}"' + SRC_ATTRIBUTE.sub("", tag[4:])


def _attributes(tag: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in TAG_ATTRIBUTE.finditer(tag[4:].rstrip(">/")):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        found.setdefault(match.group(1).lower(), value)
    return found


def _size(attrs: dict[str, str], info: SourceInfo) -> dict[str, str]:
    """width and height: the author's width with the height that matches, else the true ones."""
    if not info.width or not info.height:
        return {}
    width, height = _pixels(attrs.get("width")), _pixels(attrs.get("height"))
    if width and not height:
        return {"height": str(round(width * info.height / info.width))}
    if height and not width:
        return {"width": str(round(height * info.width / info.height))}
    if width or height:
        return {}
    return {"width": str(info.width), "height": str(info.height)}


def _pixels(value: str | None) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*(px)?\s*", value or "")
    return int(match.group(1)) if match else 0
