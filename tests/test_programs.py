"""External programs within a deadline: real processes, stopped with what they started."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from coursesite.programs import Deadline, TimedOut, run
from tests.conftest import stopped


def test_a_program_past_its_deadline_is_stopped_with_what_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = (f"sleep 300 & echo $! > {pid_file}; "
              "trap '' TERM; sleep 300")  # deaf to the polite signal: the kill must follow
    started = time.monotonic()
    with pytest.raises(TimedOut) as timed_out:
        run(["bash", "-c", script], Deadline(1, "limits.publish_seconds"))
    assert time.monotonic() - started < 6
    assert timed_out.value.describe("bash for group rtc") == (
        "bash for group rtc took longer than limits.publish_seconds (1 s) and was stopped")
    assert timed_out.value.hint == "raise limits.publish_seconds in site.yaml"
    assert stopped(int(pid_file.read_text()))


def test_a_program_that_ends_but_leaves_its_output_open_is_stopped_too(tmp_path: Path) -> None:
    # What it started still holds the pipe: reading to its end would wait for that.
    started = time.monotonic()
    with pytest.raises(TimedOut):
        run(["bash", "-c", "sleep 300 & exit 0"], Deadline(1, "limits.search_seconds"))
    assert time.monotonic() - started < 6


def test_input_output_and_status_of_a_program_that_ends_in_time(tmp_path: Path) -> None:
    ran = run([sys.executable, "-c", "import sys; print(sys.stdin.read().upper()); "
               "print('warned', file=sys.stderr); sys.exit(3)"],
              Deadline(30, "limits.publish_seconds"), data=b"hello")
    assert (ran.returncode, ran.stdout.strip(), ran.stderr.shown()) == (3, b"HELLO", ["warned"])


def test_stderr_is_shown_whole_but_bounded_and_with_the_sites_paths_relative(
        tmp_path: Path) -> None:
    site = tmp_path / "site"
    script = (f"for i in $(seq 1 45); do echo \"line $i of {site}/output/rtc\" >&2; echo >&2; "
              "done; printf '%5000s\\n' x | tr ' ' y >&2; exit 1")
    ran = run(["bash", "-c", script], Deadline(30, "limits.publish_seconds"), site=site)
    shown = ran.stderr.shown()
    assert shown[:2] == ["line 1 of output/rtc", "line 2 of output/rtc"]
    assert len(shown) == 21  # 10 first, 10 last, and how many were left out between
    assert shown[10] == "[... 26 more lines ...]"
    assert shown[-2] == "line 45 of output/rtc"
    assert shown[-1].endswith("y [...]") and len(shown[-1]) < 220  # one long line, cut
    assert str(tmp_path) not in ran.stderr.indented()
    assert ran.stderr.indented().startswith("\n    | line 1 of output/rtc\n    | line 2")


def test_a_program_that_is_not_there_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):  # each caller turns it into its own message
        run([str(tmp_path / "no-such-program")], Deadline(5, "limits.publish_seconds"))
