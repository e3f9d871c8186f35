"""A time limit on work that cannot be asked to stop: Markdown converting a hostile body.

Python-Markdown's regular expressions can take minutes on a crafted page (`*_`
repeated 200,000 times). The build's main thread is interrupted by a timer
signal when the time is up; CPython's regex engine checks for signals as it
runs, so even one long match ends. Only a process's main thread receives
signals: a build renders there, or in forked workers (their main threads), and
`serve` rebuilds there too (serve/server.py); elsewhere the work runs unbounded.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class TimeUp(Exception):
    """The time given to `time_limit` has passed."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeUp inside the block once `seconds` have passed."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
            signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeUp

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
