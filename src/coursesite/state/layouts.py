"""The layouts' compiled code, by template and source: a build that renders a few pages
does not compile every layout it uses again (0.1 s for the default theme's).

Jinja2's own bytecode cache, kept in the state file rather than in files of its own:
Jinja2 takes code only for the very source it was compiled from (a checksum) and by
the same Jinja2 and Python (a magic header), so a row can make a build slower, never
wrong; a row that cannot be read is compiled again.
"""

from __future__ import annotations

import jinja2

from coursesite.state.db import Database


class LayoutCode(jinja2.BytecodeCache):
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
