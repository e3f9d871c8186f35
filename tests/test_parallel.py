"""Ahead: steps done in a forked process while the build goes on, or here when they cannot be."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from coursesite.parallel import Ahead


def test_results_come_from_the_fork_and_are_taken_in_any_order() -> None:
    ahead = Ahead([os.getpid, lambda: "x" * 500_000, lambda: list(range(5))], forked=True)
    try:
        assert ahead.get(2) == [0, 1, 2, 3, 4]  # far more than a pipe holds, before it
        assert ahead.get(1) == "x" * 500_000
        assert ahead.get(0) not in (0, os.getpid())  # the fork's own process
    finally:
        ahead.close()


def test_a_result_the_fork_cannot_give_is_made_here() -> None:
    here = os.getpid()

    class Unpicklable:
        def __reduce__(self) -> str:
            raise TypeError("not picklable")

    ahead = Ahead([os.getpid, Unpicklable, os.getpid], forked=True)
    try:
        assert ahead.get(0) != here
        assert isinstance(ahead.get(1), Unpicklable)
        assert ahead.get(2) == here  # the fork ended at the step it could not send
    finally:
        ahead.close()

    def dies_in_the_fork() -> str:
        if os.getpid() != here:
            os._exit(3)
        return "made here"

    ahead = Ahead([dies_in_the_fork, os.getpid], forked=True)
    try:
        assert ahead.get(0) == "made here"
        assert ahead.get(1) == here
    finally:
        ahead.close()


def test_closing_stops_a_fork_still_at_work() -> None:
    ahead = Ahead([lambda: time.sleep(60)], forked=True)
    pid = ahead.pid
    start = time.monotonic()
    ahead.close()
    assert time.monotonic() - start < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no process left behind


def test_without_a_fork_a_step_is_done_only_when_wanted() -> None:
    done: list[int] = []

    def step(n: int) -> str:
        done.append(n)
        return f"step {n}"

    ahead = Ahead([lambda: step(0), lambda: step(1)], forked=False)
    assert ahead.pid == 0 and done == []
    assert ahead.get(1) == "step 1"
    assert done == [1]
    ahead.close()


def test_with_no_room_for_its_results_nothing_is_forked(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    full = tmp_path / "not-a-folder"
    full.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(full))  # every temporary file fails here
    ahead = Ahead([os.getpid], forked=True)
    assert ahead.pid == 0
    assert ahead.get(0) == os.getpid()
    ahead.close()
