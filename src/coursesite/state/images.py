"""What each image of content/images/ is, and the hash of every variant made.

Facts about files, true whatever the build does next: kept at once, each
batch in a transaction of its own (the image store's ImageCache).
"""

from __future__ import annotations

from typing import Any

import orjson

from coursesite.state.db import Database


class ImageRows:
    def __init__(self, db: Database):
        self.db = db

    def sources(self) -> dict[str, dict[str, Any]]:
        found = {}
        for rel, value in self.db.select("SELECT rel, info FROM images"):
            try:
                info = orjson.loads(value)
            except orjson.JSONDecodeError:
                continue
            if isinstance(info, dict):
                found[rel] = info
        return found

    def save_sources(self, sources: dict[str, dict[str, Any]]) -> None:
        self.db.write("INSERT OR REPLACE INTO images VALUES (?, ?)",
                      [(rel, orjson.dumps(info)) for rel, info in sources.items()])

    def variants(self) -> dict[str, tuple[int, int, str]]:
        return {name: (size, mtime, sha) for name, size, mtime, sha in
                self.db.select("SELECT name, size, mtime, sha FROM variants")}

    def save_variants(self, variants: dict[str, tuple[int, int, str]]) -> None:
        self.db.write("INSERT OR REPLACE INTO variants VALUES (?, ?, ?, ?)",
                      [(name, *made) for name, made in variants.items()])
