"""`build-site serve` under hostile edits: every bound holds, and other pages are answered."""

from __future__ import annotations

import http.client
import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import Site
from tests.serve.test_server import Served, start_serving, stop_serving

BROKEN = Path(__file__).parents[1] / "broken"
LESSON = "title: Lesson\ngroups: all\n\nIntro\n"

# Each body, and the start of the error it must end with. The Markdown one takes
# Python-Markdown about 20 s (200,000 characters of `*_`): over the limit of 1 s.
HOSTILE = {
    "markdown": ("A line:\n\n" + "*_" * 100_000 + "\n",
                 "content/lesson.md:8: error: the page body takes longer than 1 s to convert"),
    "text": ("{{ 'a'*10**9 }}\n", "content/lesson.md:6: error: the page body makes a text or "
             "list of 1,000,000,000 characters"),
    "loops": ("{% for i in range(99999) %}\n{% for j in range(99999) %}{% endfor %}\n"
              "{% endfor %}\n", "content/lesson.md:7: error: the page body makes more than "
              "1,000,000 loop rounds"),
    "image": ("![Poster]({{ IMGURL }}/images/poster.png)\n", "content/lesson.md:6: error: "
              "'content/images/poster.png' is too large to process safely"),
}


class Events:
    """The messages a tab is sent (Server-Sent Events), read as they come."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.conn.request("GET", "/__coursesite/events")
        self.response = self.conn.getresponse()
        self.messages: list[dict[str, object]] = []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self) -> None:
        try:
            for line in self.response:
                if line.startswith(b"data: "):
                    self.messages.append(json.loads(line[6:]))
        except OSError:
            return

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def hostile(site: Site) -> Iterator[Served]:
    site.write("site.yaml", (site.root / "site.yaml").read_text() + "limits:\n"
               "  render_seconds: 1\n")
    site.page("other.md", "title: Other\ngroups: all\n\nAnother page.\n")
    site.page("lesson.md", LESSON)
    (site.root / "content/images").mkdir()
    shutil.copy(BROKEN / "image-pixel-bomb/content/images/poster.png",
                site.root / "content/images/poster.png")
    running = start_serving(site)
    yield running
    stop_serving(running)


def answer_times(served: Served, until: threading.Event) -> list[float]:
    """Fetch another page again and again until `until` is set; how long each took."""
    times = []
    while not until.is_set():
        started = time.monotonic()
        status, _, body = served.get("/rtc/other/")
        assert status == 200 and b"Another page." in body
        times.append(time.monotonic() - started)
        time.sleep(0.05)
    return times


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_edit_ends_at_its_line_while_other_pages_are_answered(
        hostile: Served, case: str) -> None:
    body, message = HOSTILE[case]
    events = Events(hostile.url)
    done = threading.Event()
    times: list[float] = []
    poller = threading.Thread(target=lambda: times.extend(answer_times(hostile, done)))
    poller.start()
    try:
        edited = time.monotonic()
        (hostile.root / "content/lesson.md").write_text(LESSON + "\n" + body)
        hostile.wait_for_line(r"lesson\.md changed: failed with 1 error", timeout=30)
        took = time.monotonic() - edited
    finally:
        done.set()
        poller.join()
    assert took < 15, f"{took:.1f} s"
    print(f"{case}: failed after {took:.2f} s; {len(times)} answers, "
          f"the slowest {max(times, default=0):.3f} s")
    assert [line for line in hostile.lines if ": error:" in line][-1].startswith(message)
    assert not any("Traceback" in line for line in hostile.lines), "\n".join(hostile.lines)
    assert times and max(times) < 1.0, times  # answered all along, each at once
    deadline = time.monotonic() + 5
    while not any(message_has(m, message) for m in events.messages):  # the overlay's text
        assert time.monotonic() < deadline, events.messages
        time.sleep(0.05)
    events.close()
    (hostile.root / "content/lesson.md").write_text(LESSON + "\nFixed.\n")
    hostile.wait_for_line(r"lesson\.md changed: \d+ pages? rendered")


def message_has(message: dict[str, object], text: str) -> bool:
    errors = message.get("errors")
    return isinstance(errors, list) and any(str(e).startswith(text) for e in errors)
