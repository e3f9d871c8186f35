"""Writing the build cache's files: whole and atomically, or as the changes since a base.

Shared by the build cache (incremental.py) and its per-group records
(unitfiles.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from coursesite.fsutil import write_atomically


def changes(base: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """The entries of `now` that are not those of `base` (None for the removed ones)."""
    changed: dict[str, Any] = {key: value for key, value in now.items()
                               if base.get(key) is not value}
    changed.update((key, None) for key in base if key not in now)
    return changed


def apply_changes(entries: dict[str, Any], changed: dict[str, Any],
                  make: Callable[[Any], Any]) -> None:
    for key, value in changed.items():
        if value is None:
            entries.pop(key, None)
        else:
            entries[key] = make(value)


def write_json(path: Path, data: object) -> None:
    write_atomically(path, orjson.dumps(data))
