"""The build's hashes: one stable hash of values, and the fingerprint of the code."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys


def digest_of(*parts: object) -> str:
    """A stable hash of parts made of strings, numbers, None, tuples, lists and dicts.

    repr() of such values is the same from run to run (dicts keep their order of
    insertion, which the build keeps fixed), and several times faster than JSON.
    """
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


# The libraries whose versions change what a build writes for the same input.
LIBRARIES = ("markdown", "pygments", "jinja2", "markupsafe", "pillow", "pymdown-extensions",
             "latex2mathml", "bibtexparser", "pylatexenc")


@functools.cache
def code_fingerprint() -> str:
    """A hash of coursesite's own code and of the versions of the libraries it renders with.

    Whatever was made by other code (converted bodies, written pages, image
    variants) is made again: a stale page after an upgrade is impossible.
    """
    package = os.path.dirname(__file__)
    digest = hashlib.sha256()
    for rel in sources(package):
        digest.update(rel.encode() + b"\0")
        with open(os.path.join(package, rel), "rb") as file:
            digest.update(file.read())
    for folder in installed(LIBRARIES):
        digest.update(folder.encode() + b"\0")
    return digest.hexdigest()


def sources(package: str) -> list[str]:
    """The package's .py and .js files, by their paths in it, sorted. A walk that leaves
    out __pycache__/ (Path.rglob went through every compiled module too, and made a
    Path of each: half of the fingerprint's time)."""
    found = []
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        rel = os.path.relpath(folder, package)
        found += [name if rel == "." else f"{rel}/{name}" for name in names
                  if name.endswith((".py", ".js"))]
    return sorted(found)


def installed(names: tuple[str, ...]) -> list[str]:
    """The metadata folders of the distributions `names` on sys.path, such as
    `markdown-3.7.dist-info`: the name holds the version (the wheel format's rule,
    and pip's and setuptools' for .egg-info).

    importlib.metadata.version() would read the same folders, but importing it
    costs 60 ms: a fifth of a build that finds nothing changed.
    """
    wanted = {normalized(name) for name in names}
    found = []
    for entry in filter(None, sys.path):  # "" (the current folder) holds no libraries
        try:
            listed = os.listdir(entry)
        except OSError:  # a zip file, or a folder that is not there
            continue
        found += [name for name in sorted(listed)
                  if name.endswith((".dist-info", ".egg-info"))
                  and normalized(name.split("-", 1)[0]) in wanted]
    return found


def normalized(name: str) -> str:
    """A distribution's name as its metadata folder spells it, in any case (PEP 503)."""
    return re.sub(r"[-_.]+", "_", name.removesuffix(".egg-info").removesuffix(".dist-info")
                  ).lower()
