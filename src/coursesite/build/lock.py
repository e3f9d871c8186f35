"""One build of a site at a time: a lock on the site's cache folder.

The lock is the kernel's (flock): a build that is killed, however hard, lets
go of it, so a stale lock file never stops the next build. A second build
started meanwhile says so and waits for the first, as cargo does.

The lock belongs to the build's process alone: a process forked from it (a
worker) closes its copy at once, so that a worker that outlives a killed
build cannot hold the lock (see parallel.py, which also ends such workers).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK = "lock"
_held: set[int] = set()  # this process's lock files: a forked child closes them


def _close_in_child() -> None:
    for fd in _held:
        os.close(fd)  # the child's copy only: the parent's lock stays
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


@contextmanager
def site_lock(cache_dir: Path, waiting: Callable[[str], None]) -> Iterator[None]:
    """Hold the site's lock; `waiting` is told once when another build holds it."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(cache_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    _held.add(fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting("another build of this site is running; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        _held.discard(fd)
        os.close(fd)  # closing lets go of the lock
