"""Content types and caching of output files, for the preview server and the publishers.

Fixed here rather than taken from the system's mime.types, which differ between machines.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
}
DEFAULT_TYPE = "application/octet-stream"

# Image variants are named with a hash of their content (photo.89e84c4e71.640x360.webp):
# a new version gets a new name, so browsers may keep one for good.
CONTENT_HASHED = re.compile(r"\.[0-9a-f]{10}\.")
IMMUTABLE = "public, max-age=31536000, immutable"
PAGES = "public, max-age=60, must-revalidate"  # HTML and feeds: a new build shows at once
ASSETS = "public, max-age=3600"  # stylesheets and images that keep their name


def content_type(path: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(path).suffix.lower(), DEFAULT_TYPE)


def cache_control(path: str) -> str:
    if CONTENT_HASHED.search(PurePosixPath(path).name):
        return IMMUTABLE
    if PurePosixPath(path).suffix.lower() in (".html", ".xml", ".txt", ".json"):
        return PAGES
    return ASSETS


def is_page(path: str) -> bool:
    """HTML is sent after the files it refers to, so no visitor sees a page before its images."""
    return path.endswith(".html")
