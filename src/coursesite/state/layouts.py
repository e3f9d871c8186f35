"""The layouts' compiled code, by template and source, and the templates each source
names: a build that renders a few pages neither compiles nor parses every layout it
uses again (0.1 s for the default theme's).

Jinja2's own bytecode cache, kept in the state file rather than in files of its own:
Jinja2 takes code only for the very source it was compiled from (a checksum) and by
the same Jinja2 and Python (a magic header), so a row can make a build slower, never
wrong; a row that cannot be read is compiled again.
"""

from __future__ import annotations

import hashlib

import jinja2
import orjson

from coursesite.render.layouts import LayoutStore
from coursesite.state.db import Database

REFERENCES = "references"  # the checksum of a row of references, not of code


class LayoutCode(LayoutStore):
    def __init__(self, db: Database):
        self.db = db

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        rows = self.db.select("SELECT code FROM layouts WHERE key = ? AND checksum = ?",
                              (bucket.key, bucket.checksum))
        if not rows:
            return
        try:
            bucket.bytecode_from_string(rows[0][0])
        except Exception:  # damaged code of any kind (pickle, marshal): compile it again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.db.write("INSERT OR REPLACE INTO layouts VALUES (?, ?, ?)",
                      [(bucket.key, bucket.checksum, bucket.bytecode_to_string())])

    def references(self, source: str) -> list[str | None] | None:
        rows = self.db.select("SELECT code FROM layouts WHERE key = ? AND checksum = ?",
                              (_key(source), REFERENCES))
        try:
            found = orjson.loads(rows[0][0]) if rows else None
        except orjson.JSONDecodeError:
            return None
        if not isinstance(found, list) or not all(isinstance(n, str | None) for n in found):
            return None
        return found

    def keep(self, source: str, references: list[str | None]) -> None:
        self.db.write("INSERT OR REPLACE INTO layouts VALUES (?, ?, ?)",
                      [(_key(source), REFERENCES, orjson.dumps(references))])


def _key(source: str) -> str:
    return "references:" + hashlib.sha256(source.encode("utf-8")).hexdigest()
