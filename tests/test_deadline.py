"""The time limit on work that cannot be asked to stop (deadline.py)."""

from __future__ import annotations

import re
import signal
import threading
import time

import pytest

from coursesite.deadline import TimeUp, time_limit


def test_a_long_regular_expression_match_is_stopped_in_time() -> None:
    start = time.monotonic()
    with pytest.raises(TimeUp), time_limit(0.3):
        re.match(r"(a|aa)*b", "a" * 60)  # exponential: hours without the limit
    assert time.monotonic() - start < 5


def test_work_within_the_limit_runs_and_leaves_no_timer() -> None:
    with time_limit(5):
        total = sum(range(1000))
    assert total == 499500
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler,
                                                None, signal.SIG_IGN)


def test_outside_the_main_thread_no_limit_applies() -> None:
    done: list[bool] = []

    def work() -> None:
        with time_limit(0.01):
            time.sleep(0.1)
        done.append(True)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert done == [True]
