"""Work spread over forked processes that start with the parent's memory.

The build's workers are forked once the site is loaded: they inherit every
page, layout and setting, and the function they run (a closure is fine: it is
inherited, never pickled). Only each piece of work (indices, paths) and its
result cross between processes.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any, TypeVar

Piece = TypeVar("Piece")
Result = TypeVar("Result")

_work: Callable[[Any], Any] | None = None  # what forked workers inherit


def forked_map(work: Callable[[Piece], Result], pieces: list[Piece],
               jobs: int) -> list[Result]:
    """`work(piece)` for every piece, in `jobs` forked processes; results in order."""
    global _work
    from concurrent.futures import ProcessPoolExecutor  # a small build never needs it

    _work = work
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            return list(pool.map(_run, pieces))
    finally:
        _work = None


def _run(piece: Any) -> Any:
    assert _work is not None, "workers are forked from forked_map()"
    return _work(piece)
