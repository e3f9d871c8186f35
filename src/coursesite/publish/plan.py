"""What a publish sends: the group's files against what the target holds.

Every publisher that can list its target (a folder, a git branch, a bucket)
compares by content — a digest of each file in the target's own terms (MD5
for a folder or an S3 ETag, git's blob id for a branch) — so a second
publish with nothing changed sends nothing, and one changed page sends that
page. Files are sent assets first and pages last, and stale files deleted
last, so that no visitor meets a page whose images are not there yet or gone.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from coursesite.mediatypes import is_page

DigestKind = Literal["md5", "git"]


@dataclass
class LocalFile:
    """A file to publish: from the output folder, or made for the target (.nojekyll)."""

    path: str  # relative, with '/'
    source: Path | None = None
    data: bytes | None = None
    _digests: dict[str, str] = field(default_factory=dict, repr=False)

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.source is not None
        return self.source.read_bytes()

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.source is not None
        return self.source.stat().st_size

    def digest(self, kind: DigestKind) -> str:
        if kind not in self._digests:
            data = self.read()
            if kind == "md5":
                self._digests[kind] = hashlib.md5(data, usedforsecurity=False).hexdigest()
            else:  # the id git gives the file's bytes as a blob
                header = f"blob {len(data)}\0".encode()
                self._digests[kind] = hashlib.sha1(header + data,
                                                   usedforsecurity=False).hexdigest()
        return self._digests[kind]


@dataclass(frozen=True)
class RemoteFile:
    size: int
    digest: str | None  # None: unknown (e.g. an S3 multipart ETag): sent again


@dataclass
class Plan:
    """New, changed and stale files, with what is unchanged counted."""

    new: list[LocalFile] = field(default_factory=list)
    changed: list[LocalFile] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unchanged: int = 0

    def uploads(self) -> list[LocalFile]:
        """What to send, assets before pages, each in a stable order."""
        return sorted(self.new + self.changed, key=lambda f: (is_page(f.path), f.path))

    @property
    def upload_bytes(self) -> int:
        return sum(f.size for f in self.new + self.changed)


def local_files(folder: Path) -> dict[str, LocalFile]:
    """Every file of a built group, by its path in the site."""
    files: dict[str, LocalFile] = {}
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        rel_root = os.path.relpath(root, folder).replace(os.sep, "/")
        prefix = "" if rel_root == "." else rel_root + "/"
        for name in sorted(names):
            files[prefix + name] = LocalFile(prefix + name, Path(root) / name)
    return files


def make_plan(local: dict[str, LocalFile], remote: dict[str, RemoteFile],
              kind: DigestKind, keep: Callable[[str], bool] = lambda _path: False) -> Plan:
    """Compare by size, then by digest; `keep` names remote files never to call stale."""
    plan = Plan()
    for path, file in local.items():
        there = remote.get(path)
        if there is None:
            plan.new.append(file)
        elif there.size == file.size and there.digest == file.digest(kind):
            plan.unchanged += 1
        else:
            plan.changed.append(file)
    plan.stale = sorted(path for path in remote if path not in local and not keep(path))
    return plan


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{count} B"
