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

import gc
import os
import pickle
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any, TypeVar

Piece = TypeVar("Piece")
Result = TypeVar("Result")

_work: Callable[[Any], Any] | None = None  # what forked workers inherit
PR_SET_PDEATHSIG = 1  # prctl(2)


def forked_map(work: Callable[[Piece], Result], pieces: list[Piece],
               jobs: int) -> list[Result]:
    """`work(piece)` for every piece, in `jobs` forked processes; results in order."""
    global _work
    # Here, not at the top: a small build never forks (they cost 10 ms to import).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

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
    import ctypes  # only in a worker

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


class Ahead:
    """Steps done ahead in one forked process while this one goes on (`forked`), their
    results taken in order when wanted; without a fork, each step is done when wanted.

    The build has a second core idle while it reads its content: the stat of every
    file in the output folders is done there meanwhile. Each result is written to a
    file of its own, not into the pipe, which only says that a step is done: a pipe
    holds 64 KB, and a fork writing into a full one would wait for this process to
    want the result. A step whose result does not come (the fork failed, or a
    result cannot be pickled) is done here instead, so the answer never depends on
    the fork. What is unpickled is this process's own fork's: nothing from elsewhere.
    """

    def __init__(self, steps: list[Callable[[], Any]], forked: bool):
        self.steps = steps
        self.done = 0  # steps the fork has finished
        self.pid = 0
        self.pipe = -1
        self.files: list[IO[bytes]] = []
        if forked:
            self._fork()

    def _fork(self) -> None:
        try:
            self.files = [tempfile.TemporaryFile() for _ in self.steps]  # noqa: SIM115 - closed by close()
            read, write = os.pipe()
            pid = os.fork()
        except OSError:  # no room for a temporary file, or for a process: all done here
            self.close()
            return
        if pid == 0:  # the child: nothing of it may outlive the steps, or print
            os.close(read)
            try:
                die_with_parent()
                for step, file in zip(self.steps, self.files, strict=True):
                    pickle.dump(step(), file, protocol=pickle.HIGHEST_PROTOCOL)
                    file.flush()
                    os.write(write, b".")
            finally:
                os._exit(0)
        os.close(write)
        self.pid, self.pipe = pid, read

    def get(self, index: int) -> Any:
        """The result of step `index`: from the fork once it has done it, else done here."""
        while self.done <= index and self.pipe >= 0:
            said = os.read(self.pipe, 64)
            if not said:  # the fork ended before that step
                break
            self.done += len(said)
        if index < self.done:
            file = self.files[index]
            file.seek(0)
            try:
                return pickle.load(file)
            except Exception:  # a result cut short fails in many ways: done here instead
                pass
        return self.steps[index]()

    def close(self) -> None:
        """Stop the fork, done or not (its results are no longer wanted)."""
        if self.pid:
            with suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
        if self.pipe >= 0:
            os.close(self.pipe)
            self.pipe = -1
        for file in self.files:
            file.close()
        self.files = []
