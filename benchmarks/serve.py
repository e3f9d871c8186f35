"""The serve benchmark: from saving a one-page edit to the reloaded page, under `build-site serve`.

A real server process on the corpus; a Server-Sent Events client like the
tab's script; each run appends a line to one page, waits for the event that
tells the tab to reload, and fetches the page until it shows the new line.
"""

from __future__ import annotations

import http.client
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from coursesite.config.site import load_config
from coursesite.content.loader import load_pages
from coursesite.errors import Problems


class EventClient:
    """Reads the server's event stream in a thread; keeps each message's arrival time."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
        self.conn.request("GET", "/__coursesite/events")
        self.response = self.conn.getresponse()
        self.arrivals: list[tuple[float, str]] = []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self) -> None:
        for raw in self.response:
            line = raw.decode().strip()
            if line.startswith("data: "):
                self.arrivals.append((time.perf_counter(), line[6:]))

    def wait_after(self, count: int, timeout: float = 120) -> float:
        deadline = time.perf_counter() + timeout
        while len(self.arrivals) <= count:
            if time.perf_counter() > deadline:
                raise SystemExit("serve: no reload event within the timeout")
            time.sleep(0.001)
        return self.arrivals[count][0]


def fetch(base: str, path: str) -> bytes:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("GET", path)
        return conn.getresponse().read()
    finally:
        conn.close()


def page_url(site: Path, page: Path) -> str:
    """The served address of a page: its first group's prefix and its URL there."""
    config = load_config(site / "site.yaml")
    rel = page.relative_to(site).as_posix()
    found = next(p for p in load_pages(config, Problems()) if p.path == rel)
    return f"/{found.groups[0]}/{found.url}"


def measure(site: Path, page: Path, runs: int, jobs: list[str]) -> tuple[float, float, float]:
    """(median rebuild s as the server reports it, median save-to-event s, save-to-page s)."""
    url = page_url(site, page)
    proc = subprocess.Popen([sys.executable, "-m", "coursesite", "serve", "--port", "0", *jobs],
                            cwd=site, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert proc.stdout is not None
    out = proc.stdout
    threading.Thread(target=lambda: lines.extend(out), daemon=True).start()
    try:
        base = wait_for(lines, r"serving on (\S+)", 1800)
        events = EventClient(base)
        events.wait_after(0)  # the state on connecting
        original = page.read_text()
        rebuilds, to_event, to_page = [], [], []
        for run in range(runs):
            marker = f"Edited under serve {run}."
            saved = time.perf_counter()
            page.write_text(original + f"\n{marker}\n")
            arrived = events.wait_after(run + 1)
            while marker.encode() not in fetch(base, url):
                time.sleep(0.001)
            to_page.append(time.perf_counter() - saved)
            to_event.append(arrived - saved)
            rebuilds.append(float(wait_for(lines, r"changed: .* in (\d+\.\d+) s", 60, run)))
            time.sleep(0.5)
        page.write_text(original)
        return (statistics.median(rebuilds), statistics.median(to_event),
                statistics.median(to_page))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def measure_hugo(site: Path, page: Path, runs: int) -> tuple[float, float]:
    """(median rebuild s as Hugo reports it, median save-to-page s) under `hugo server`."""
    url = "/" + page.relative_to(site / "content").with_suffix("").as_posix() + "/"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(["hugo", "server", "--bind", "127.0.0.1", "--port", str(port),
                             "--disableLiveReload"], cwd=site, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert proc.stdout is not None
    out = proc.stdout
    threading.Thread(target=lambda: lines.extend(out), daemon=True).start()
    try:
        wait_for(lines, r"(Web Server is available)", 1800)
        base = f"http://127.0.0.1:{port}"
        original = page.read_text()
        rebuilds, to_page = [], []
        for run in range(runs):
            marker = f"Edited under hugo {run}."
            saved = time.perf_counter()
            page.write_text(original + f"\n{marker}\n")
            while marker.encode() not in fetch(base, url):
                time.sleep(0.001)
            to_page.append(time.perf_counter() - saved)
            rebuilds.append(float(wait_for(lines, r"Total in (\d+) ms", 60, run)) / 1000)
            time.sleep(0.5)
        page.write_text(original)
        return statistics.median(rebuilds), statistics.median(to_page)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def wait_for(lines: list[str], pattern: str, timeout: float, index: int = 0) -> str:
    """The first group of the index-th line matching pattern, waiting for it to appear."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        found = [m for line in list(lines) if (m := re.search(pattern, line))]
        if len(found) > index:
            return found[index].group(1)
        time.sleep(0.01)
    raise SystemExit(f"serve: no line matching {pattern!r}:\n{''.join(lines)[-3000:]}")
