"""Work spread over forked processes that start with the parent's memory.

The build's workers are forked once the site is loaded: they inherit every
page, layout and setting, and the function they run (a closure is fine: it is
inherited, never pickled). Only each piece of work (indices, paths) and its
result cross between processes.

Python's cycle collector is kept from walking what lives for the whole build:
what the workers inherit is frozen before they start, so that their
collections walk only what they make; the parent, which only takes in
results, collects nothing until they are all in, then freezes them with the
rest (at 10,000 pages it had made 9 full collections over the growing
results: 3.5 s of CPU beside two busy workers). The next build unfreezes them
(build.loading).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

Piece = TypeVar("Piece")
Result = TypeVar("Result")

_work: Callable[[Any], Any] | None = None  # what forked workers inherit
PR_SET_PDEATHSIG = 1  # prctl(2)


def forked_map(work: Callable[[Piece], Result], pieces: list[Piece],
               jobs: int) -> list[Result]:
    """`work(piece)` for every piece, in `jobs` forked processes; results in order."""
    global _work
    from concurrent.futures import ProcessPoolExecutor  # a small build never needs it

    _work = work
    collecting = gc.isenabled()
    gc.freeze()  # what the workers inherit
    context = multiprocessing.get_context("fork")
    try:
        # The parent only takes in results: plain data, no cycles for the collector to find.
        with out_of_collectors_sight(), ProcessPoolExecutor(
                max_workers=jobs, mp_context=context, initializer=_start,
                initargs=(collecting,)) as pool:
            return list(pool.map(_run, pieces))
    finally:
        _work = None


def _start(collecting: bool) -> None:
    """A worker collects its own garbage (Markdown and Jinja make cycles)."""
    die_with_parent()
    if collecting:
        gc.enable()


def die_with_parent() -> None:
    """Have the kernel end this worker when the build that forked it ends, however it ends.

    A build killed (SIGKILL) cannot tell its workers; they would wait for work
    forever, still writing into its staging folder. Linux only (prctl); elsewhere
    they end when they find the parent gone.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent ended before the line above took effect
        os._exit(1)


def _run(piece: Any) -> Any:
    assert _work is not None, "workers are forked from forked_map()"
    return _work(piece)


@contextmanager
def out_of_collectors_sight() -> Iterator[None]:
    """Make long-lived objects with Python's cycle collector paused, then set them aside
    from it (gc.freeze), so that it does not walk them again and again for the rest of
    the build: the scan, the pages, the state's rows and records of a build of 10,000
    pages are hundreds of thousands of objects (walking them was a fifth of a one-page
    rebuild). pipeline.Build.run unfreezes them when the next build starts.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
