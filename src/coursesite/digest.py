"""One stable hash for every key the build computes."""

from __future__ import annotations

import hashlib


def digest_of(*parts: object) -> str:
    """A stable hash of parts made of strings, numbers, None, tuples, lists and dicts.

    repr() of such values is the same from run to run (dicts keep their order of
    insertion, which the build keeps fixed), and several times faster than JSON.
    """
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()
