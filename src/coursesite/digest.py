"""The build's hashes: one stable hash of values, and the fingerprint of the code."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from pathlib import Path


def digest_of(*parts: object) -> str:
    """A stable hash of parts made of strings, numbers, None, tuples, lists and dicts.

    repr() of such values is the same from run to run (dicts keep their order of
    insertion, which the build keeps fixed), and several times faster than JSON.
    """
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


# The libraries whose versions change what a build writes for the same input.
LIBRARIES = ("markdown", "pygments", "jinja2", "markupsafe", "pillow", "pymdown-extensions",
             "latex2mathml")


@functools.cache
def code_fingerprint() -> str:
    """A hash of coursesite's own code and of the versions of the libraries it renders with.

    Whatever was made by other code (converted bodies, written pages, image
    variants) is made again: a stale page after an upgrade is impossible.
    """
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".js") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    for name in LIBRARIES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}={version}\0".encode())
    return digest.hexdigest()
