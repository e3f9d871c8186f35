"""External programs (Pagefind, git, rsync, a publish command), each within a time limit.

A program runs in a session of its own, so that when its time is up it is
stopped together with everything it started (rsync's ssh, git's helpers): a
kill of the one process would leave those running, holding its pipes open.
What it printed on stderr is kept as an `Excerpt`, bounded however much it
prints, for the message that says why it failed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

HEAD_LINES = 10  # an excerpt keeps the first lines (the cause, often) ...
TAIL_LINES = 10  # ... and the last (where a program sums up)
LINE_CHARS = 200  # so that 20 lines stay a few KB
READ_BYTES = 4096
GRACE_SECONDS = 2.0  # between the polite SIGTERM and SIGKILL


class Deadline:
    """When the time a limit of site.yaml gives (e.g. `limits.publish_seconds`) is up."""

    def __init__(self, seconds: float, setting: str):
        self.seconds = seconds
        self.setting = setting
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.ends - time.monotonic())


class TimedOut(Exception):
    """A program ran past its deadline and was stopped, with what it started."""

    def __init__(self, program: str, deadline: Deadline):
        super().__init__(f"{program} ran out of time")
        self.program = program
        self.deadline = deadline

    def describe(self, doing: str) -> str:
        """E.g. 'git push for group rtc took longer than limits.publish_seconds (5 s)'."""
        return (f"{doing} took longer than {self.deadline.setting} "
                f"({self.deadline.seconds:g} s) and was stopped")

    @property
    def hint(self) -> str:
        return f"raise {self.deadline.setting} in site.yaml"


class Excerpt:
    """A program's stderr as a message shows it: blank lines dropped, long lines cut,
    the first and last lines kept, and how many were left out between them."""

    def __init__(self, site: Path | None = None):
        self.site = f"{site}/" if site else None
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.lines = 0  # non-blank lines seen

    def add(self, line: str) -> None:
        line = line.rstrip().expandtabs(4)
        if not line.strip():
            return
        if self.site:  # the site's own paths as the rest of coursesite's messages give them
            line = line.replace(self.site, "")
        if len(line) > LINE_CHARS:
            line = line[:LINE_CHARS] + " [...]"
        self.lines += 1
        if len(self.head) < HEAD_LINES:
            self.head.append(line)
        else:
            self.tail.append(line)

    def shown(self) -> list[str]:
        cut = self.lines - len(self.head) - len(self.tail)
        middle = [f"[... {cut} more line{'s' * (cut != 1)} ...]"] if cut else []
        return [*self.head, *middle, *self.tail]

    def indented(self, prefix: str = "    | ") -> str:
        """The excerpt as lines under a message ('' when the program printed nothing)."""
        return "".join(f"\n{prefix}{line}" for line in self.shown())

    def last(self) -> str:
        return self.tail[-1] if self.tail else self.head[-1] if self.head else ""


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: bytes  # b"" when it went to ours (see run's `echo`)
    stderr: Excerpt


def ending_with_us() -> Callable[[], None] | None:
    """What a child runs before its program starts, so that the kernel ends it when the
    thread that started it ends, however that ends (a build killed with SIGKILL could
    not stop it: it would go on writing into a folder the next build removed). Linux's
    prctl(PR_SET_PDEATHSIG), found here, before the fork; None elsewhere."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG


def run(args: list[str], deadline: Deadline, *, cwd: Path | None = None,
        env: Mapping[str, str] | None = None, data: bytes | None = None,
        site: Path | None = None, echo: TextIO | None = None,
        with_us: bool = False) -> Ran:
    """Run a program to its end or to the deadline (TimedOut); OSError when it cannot start.

    `data` is its stdin (else none); its stdout is returned, unless `echo` is given:
    then the program's stdout is ours and each line of its stderr is also echoed there
    as it comes (a command the user chose shows its progress). `with_us`: it ends when
    the calling thread does (ending_with_us)."""
    proc = subprocess.Popen(args, cwd=cwd, env=env, start_new_session=True,
                            preexec_fn=ending_with_us() if with_us else None,
                            stdin=subprocess.DEVNULL if data is None else subprocess.PIPE,
                            stdout=None if echo else subprocess.PIPE, stderr=subprocess.PIPE)
    excerpt = Excerpt(site)
    out: list[bytes] = []
    readers = [_thread(_read_lines, proc.stderr, excerpt, echo)]
    if proc.stdout is not None:
        readers.append(_thread(_read_all, proc.stdout, out))
    if proc.stdin is not None:
        _thread(_write, proc.stdin, data or b"")
    ended = False
    try:
        proc.wait(timeout=deadline.left())
        for reader in readers:  # what it started may hold its pipes after it ended
            reader.join(timeout=deadline.left())
        if any(reader.is_alive() for reader in readers):
            raise subprocess.TimeoutExpired(args, deadline.seconds)
        ended = True
    except subprocess.TimeoutExpired:
        raise TimedOut(Path(args[0]).name, deadline) from None
    finally:
        if not ended:  # out of time, or Ctrl-C (which a session of its own does not get)
            _stop(proc)
    return Ran(proc.returncode, b"".join(out), excerpt)


def _thread(target: Callable[..., None], *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def _read_lines(pipe: IO[bytes], excerpt: Excerpt, echo: TextIO | None) -> None:
    """Each line into the excerpt; a line longer than READ_BYTES counts once (cut)."""
    continued = False
    with pipe:
        for piece in iter(lambda: pipe.readline(READ_BYTES), b""):
            text = piece.decode(errors="replace")
            if echo:
                echo.write(text)
                echo.flush()
            if not continued:
                excerpt.add(text)
            continued = not piece.endswith(b"\n")


def _read_all(pipe: IO[bytes], out: list[bytes]) -> None:
    with pipe:
        out.append(pipe.read())


def _write(pipe: IO[bytes], data: bytes) -> None:
    # A program that ends without reading it all: its exit status says why.
    with contextlib.suppress(OSError), pipe:
        pipe.write(data)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the program's whole session if any of it still runs: politely, then for sure."""
    if proc.poll() is None:
        _signal_group(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=GRACE_SECONDS)
    _signal_group(proc.pid, signal.SIGKILL)  # what it started, even when it ended itself
    if proc.poll() is None:  # the group could not be signalled: the program at least
        proc.kill()
    proc.wait()


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(OSError):  # the group is gone already
        os.killpg(pid, signum)
