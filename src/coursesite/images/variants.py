"""The variants made of images, as files in the cache folder, and what each file is.

A variant's file name says what it is made of (the source's hash, the settings,
the code that makes it), so a file of that name is the variant — as long as it
is the file that was made: its size, mtime and hash are kept in the build
state when it is made, and a file that does not match (edited, truncated, or
of a state that was lost) is made again, never published.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from coursesite.images.process import Failure, Job, Variant, run_job
from coursesite.parallel import die_with_parent

Progress = Callable[[int, int], None]
Made = tuple[int, int, str]  # size, mtime in ns, sha256 of the file


class VariantCache(Protocol):
    """What the variants ask of the build state."""

    def variants(self) -> dict[str, Made]: ...

    def save_variants(self, variants: dict[str, Made]) -> None: ...


class VariantFiles:
    def __init__(self, folder: Path, known: VariantCache):
        self.folder = folder
        self.known = known
        self._made = known.variants()  # file name -> as it was made

    def made(self, variant: Variant) -> bool:
        """Whether the variant's file is in the cache folder, as it was made."""
        try:
            stat = os.stat(variant.dest)
        except OSError:
            return False
        known = self._made.get(os.path.basename(variant.dest))
        return known is not None and known[:2] == (stat.st_size, stat.st_mtime_ns)

    def sha(self, variant: Variant) -> str:
        known = self._made.get(os.path.basename(variant.dest))
        if known is None:  # made, but by a process that could not record it
            known = self._record([variant])[os.path.basename(variant.dest)]
        return known[2]

    def make(self, work: list[Job], jobs: int,
             progress: Progress | None) -> list[Failure | None]:
        """Run each job (in `jobs` processes); the error of each, or None when it made
        all its variants, which are then recorded."""
        results = self._run(work, jobs, progress)
        self._record([v for job, error in zip(work, results, strict=True) if not error
                      for v in job.variants])
        return results

    def _record(self, variants: list[Variant]) -> dict[str, Made]:
        found = {}
        for variant in variants:
            stat = os.stat(variant.dest)
            with open(variant.dest, "rb") as file:
                sha = hashlib.file_digest(file, "sha256").hexdigest()
            found[os.path.basename(variant.dest)] = (stat.st_size, stat.st_mtime_ns, sha)
        self._made.update(found)
        self.known.save_variants(found)
        return found

    def _run(self, work: list[Job], jobs: int,
             progress: Progress | None) -> list[Failure | None]:
        results: list[Failure | None] = []
        if jobs <= 1 or len(work) <= 1:
            for job in work:
                results.append(run_job(job))
                if progress:
                    progress(len(results), len(work))
            return results
        from concurrent.futures import ProcessPoolExecutor  # only when there is work to share

        with ProcessPoolExecutor(max_workers=jobs, initializer=die_with_parent) as pool:
            for result in pool.map(run_job, work):
                results.append(result)
                if progress:
                    progress(len(results), len(work))
        return results

    def prune(self, keep: set[Path]) -> int:
        """Remove the variants' files that no current plan refers to; returns their number."""
        removed = 0
        if self.folder.is_dir():
            for path in self.folder.glob("*/*"):
                if path.is_file() and path not in keep:
                    path.unlink()
                    removed += 1
        return removed
