"""One build of a site at a time: a lock on the site's cache folder.

The lock is the kernel's (flock): a build that is killed, however hard, lets
go of it, so a stale lock file never stops the next build. A second build
started meanwhile says so and waits for the first, as cargo does.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK = "lock"


@contextmanager
def site_lock(cache_dir: Path, waiting: Callable[[str], None]) -> Iterator[None]:
    """Hold the site's lock; `waiting` is told once when another build holds it."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(cache_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting("another build of this site is running; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing lets go of the lock
