"""`build-site serve`: a real server process on the demo, real requests, real Chromium."""

from __future__ import annotations

import gzip
import http.client
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from coursesite.serve.http import locate
from tests.conftest import Site

LESSON = "content/courses/deep-learning/training.md"
LESSON_URL = "rtc/courses/deep-learning/training/"


@dataclass
class Served:
    """A `build-site serve` process and what it printed so far."""

    proc: subprocess.Popen[str]
    url: str
    root: Path
    lines: list[str] = field(default_factory=list)

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """A request with the path sent exactly as given (no client-side clean-up)."""
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.endheaders()
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def wait_for_line(self, pattern: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if re.search(pattern, line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))


def start_serving(site: Site, *args: str, env: dict[str, str] | None = None) -> Served:
    proc = subprocess.Popen(
        [sys.executable, "-m", "coursesite", "serve", "--port", "0", "--jobs", "1", *args],
        cwd=site.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})})
    lines: list[str] = []
    assert proc.stdout is not None
    stdout = proc.stdout

    def read() -> None:
        for line in stdout:
            lines.append(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    served = Served(proc, "", site.root, lines)
    try:
        found = served.wait_for_line(r"serving on http://")
    except AssertionError:
        proc.kill()
        raise
    served.url = found.split("serving on ", 1)[1].split()[0]
    return served


def stop_serving(served: Served) -> int:
    if served.proc.poll() is None:
        served.proc.send_signal(signal.SIGINT)
        try:
            return served.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            served.proc.kill()
            raise
    return served.proc.returncode


@pytest.fixture
def served(demo: Site) -> Iterator[Served]:
    running = start_serving(demo)
    yield running
    stop_serving(running)


def body_has(text: str) -> str:
    """A wait_for_function predicate: the tab shows `text` (false while it reloads)."""
    return f"() => document.body !== null && document.body.innerText.includes({text!r})"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- the server ---------------------------------------------------------------------


def test_serves_every_group_under_its_prefix_and_lists_them(served: Served) -> None:
    status, headers, body = served.get("/")
    assert status == 200
    assert b'href="/rtc/"' in body and b'href="/aifh/"' in body
    status, headers, body = served.get("/" + LESSON_URL)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    # Links point at this server, not at the group's real host.
    assert b'href="/rtc/css/site.css"' in body
    assert b"/__coursesite/live.js" in body


def test_content_types_and_redirect_to_the_folder(served: Served) -> None:
    expected = {
        "/rtc/sitemap.xml": "application/xml; charset=utf-8",
        "/rtc/favicon.svg": "image/svg+xml",
        "/rtc/css/site.css": "text/css; charset=utf-8",
    }
    webp = next((served.root / ".cache/serve/rtc/images").rglob("*.webp"))
    expected["/" + webp.relative_to(served.root / ".cache/serve").as_posix()] = "image/webp"
    for path, kind in expected.items():
        status, headers, _ = served.get(path)
        assert (status, headers["Content-Type"]) == (200, kind), path
    status, headers, _ = served.get("/rtc/courses")
    assert status == 301 and headers["Location"] == "/rtc/courses/"


def test_unknown_path_answers_with_the_sites_404_page(served: Served) -> None:
    status, _, body = served.get("/rtc/no/such/page/")
    assert status == 404
    own = (served.root / ".cache/serve/rtc/404.html").read_bytes()
    assert own.split(b"</main>")[0] in body  # the group's own page, with the script added


def test_live_script_is_never_written_to_a_file(served: Served) -> None:
    for html in (served.root / ".cache/serve").rglob("*.html"):
        assert b"__coursesite" not in html.read_bytes(), html
    assert not (served.root / "output").exists()  # the preview never touches output/


def test_paths_out_of_the_output_are_refused(served: Served, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    (served.root / ".cache/serve/rtc/leak.txt").symlink_to(secret)
    (served.root / ".cache/serve/rtc/leakdir").symlink_to(tmp_path, target_is_directory=True)
    attempts = [
        "/../site.yaml", "/rtc/../../site.yaml", "/%2e%2e/site.yaml",
        "/rtc/%2E%2E/%2e%2e/site.yaml",
        "/rtc/..%2f..%2fsite.yaml", "/rtc/..%5c..%5csite.yaml", "/%2e%2e%2f%2e%2e%2fsite.yaml",
        f"/{secret}", f"//{secret}", f"/%2F{str(secret).lstrip('/')}", "/rtc/leak.txt",
        "/rtc/leakdir/secret.txt", "/rtc/leakdir/", "/rtc/%00/index.html", "/rtc/%ff",
    ]
    for path in attempts:
        status, _, body = served.get(path)
        assert status in (403, 404), path
        assert b"TOP-SECRET" not in body and b"groups:" not in body, path


def test_listens_on_loopback_only(served: Served) -> None:
    port = urlsplit(served.url).port
    assert served.url.startswith("http://127.0.0.1:")
    listening = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":  # 0A: LISTEN
            listening.append(address)
    assert listening == ["0100007F"]  # 127.0.0.1, and no other address


def test_locate_refuses_everything_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "out"
    (root / "a").mkdir(parents=True)
    (root / "a" / "index.html").write_text("a")
    (tmp_path / "outside.txt").write_text("x")
    (root / "up").symlink_to(tmp_path / "outside.txt")
    assert locate(root, "/a/") == (root / "a" / "index.html").resolve()
    assert locate(root, "/a") == "/a/"
    assert locate(root, "/../outside.txt") is HTTPStatus.FORBIDDEN
    assert locate(root, "/a/%2e%2e/%2e%2e/outside.txt") is HTTPStatus.FORBIDDEN
    assert locate(root, "/up") is HTTPStatus.FORBIDDEN
    assert locate(root, "/") is None  # no index.html: the list of groups
    assert locate(root, "/missing") is HTTPStatus.NOT_FOUND
    (root / ".staging").mkdir()
    (root / ".staging" / "index.html").write_text("half")
    assert locate(root, "/.staging/") is HTTPStatus.NOT_FOUND
    assert locate(root, "/a/" + "x" * 300) is HTTPStatus.NOT_FOUND  # ENAMETOOLONG


def test_ctrl_c_stops_cleanly(demo: Site) -> None:
    running = start_serving(demo)
    assert stop_serving(running) == 0
    running.wait_for_line("stopped")
    assert not any("Traceback" in line for line in running.lines)


def test_one_group_is_served_at_the_root(demo: Site) -> None:
    running = start_serving(demo, "--group", "aifh")
    try:
        status, _, body = running.get("/")
        assert status == 200 and b"AI for Health" in body
        assert b'href="/css/site.css"' in body
        assert running.get("/courses/deep-learning/")[0] == 404  # an rtc course
    finally:
        stop_serving(running)


def test_a_rebuild_prints_what_changed_and_how_long_it_took(served: Served) -> None:
    edit(served.root / LESSON, "## The training loop", "Body text only.\n\n## The training loop")
    line = served.wait_for_line(r"training\.md changed")
    assert re.search(r"content/courses/deep-learning/training\.md changed: 1 page rendered "
                     r"in \d+\.\d\d s", line)
    # A new title shows in listings and navigation: those pages are rendered too.
    edit(served.root / LESSON, "title: Training a network", "title: Training networks")
    line = served.wait_for_line(r"training\.md changed: (?:[2-9]|[1-9]\d+) pages rendered")
    status, _, body = served.get("/rtc/courses/deep-learning/")
    assert status == 200 and b"Training networks" in body


def indexed_text(folder: Path) -> str:
    """Everything the group's search index holds (its fragments are gzipped JSON).

    The server swaps a new index in while this reads the folder (readers over HTTP
    wait for it; this one does not): a fragment gone meanwhile is read next time.
    """
    texts = []
    for fragment in (folder / "pagefind" / "fragment").glob("*.pf_fragment"):
        try:
            texts.append(gzip.decompress(fragment.read_bytes()).decode("utf-8", "replace"))
        except FileNotFoundError:
            continue
    return "".join(texts)


def test_the_search_index_catches_up_after_an_edit(served: Served) -> None:
    edit(served.root / LESSON, "## The training loop", "Quizzically zany.\n\n## The training loop")
    served.wait_for_line(r"training\.md changed: 1 page rendered")
    deadline = time.monotonic() + 30
    while "Quizzically zany" not in indexed_text(served.root / ".cache/serve/rtc"):
        assert time.monotonic() < deadline, "the index never got the new words"
        time.sleep(0.2)


def test_polling_sees_changes_where_file_events_do_not_arrive(demo: Site) -> None:
    running = start_serving(demo, env={"WATCHFILES_FORCE_POLLING": "1"})
    try:
        edit(demo.root / "site.yaml", "title: AI for Health", "title: AI for Health Care")
        running.wait_for_line(r"site\.yaml changed: \d+ pages rendered")
        assert b"AI for Health Care" in running.get("/aifh/")[2]
    finally:
        stop_serving(running)


def test_unknown_group_at_start_is_a_usage_error(demo: Site) -> None:
    proc = subprocess.run([sys.executable, "-m", "coursesite", "serve", "--group", "rtx"],
                          cwd=demo.root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "site.yaml: error: --group rtx: no such group" in proc.stderr
    assert "did you mean 'rtc'" in proc.stderr


# -- every request answered ----------------------------------------------------------


def raw_request(served: Served, line: bytes) -> bytes:
    """What the server answers to a request line sent as it is, up to its headers."""
    parts = urlsplit(served.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


def test_an_over_long_url_is_414_and_the_server_goes_on(served: Served) -> None:
    for length in (60_000, 8_200, 100_000):
        answer = raw_request(served, b"GET /" + b"a" * length + b" HTTP/1.1")
        assert answer.startswith(b"HTTP/1.1 414 "), (length, answer[:80])
    assert served.get("/rtc/")[0] == 200
    # Under the bound, a name the file system cannot look up (over 255 bytes) is not found.
    for path in ("/" + "b" * 300 + "/x", "/rtc/" + "b" * 300, "/rtc/x/" + "c" * 4000):
        assert served.get(path)[0] == 404, path
    assert served.get("/rtc/")[0] == 200
    assert not any("Traceback" in line or "Errno" in line for line in served.lines)


def test_hidden_folders_are_never_served(served: Served) -> None:
    preview = served.root / ".cache/serve"
    for rel in (".rtc.new/index.html", "rtc/.x/index.html", "rtc/.secret.txt"):
        (preview / rel).parent.mkdir(parents=True, exist_ok=True)
        (preview / rel).write_text("HALF-WRITTEN")
    for path in ("/.rtc.new/index.html", "/.rtc.new/", "/rtc/.x/", "/rtc/.x/index.html",
                 "/rtc/.secret.txt", "/rtc/%2ex/index.html"):
        status, _, body = served.get(path)
        assert status == 404 and b"HALF-WRITTEN" not in body, path


def test_a_client_that_goes_away_mid_answer_leaves_no_traceback(demo: Site) -> None:
    big = demo.root / "static/big.bin"
    big.parent.mkdir(parents=True, exist_ok=True)
    big.write_bytes(os.urandom(1024) * 20_000)  # 20 MB: far more than a socket buffers
    running = start_serving(demo)
    parts = urlsplit(running.url)
    try:
        for reset in (True, False, True, False):
            sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
            sock.sendall(b"GET /rtc/big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 200")
            if reset:  # close with a TCP reset: the server's next write fails at once
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        time.sleep(1)  # the server writes into the closed connections meanwhile
        assert running.get("/rtc/")[0] == 200
    finally:
        stop_serving(running)
    running.wait_for_line("stopped")
    assert not any("Traceback" in line or "Error" in line for line in running.lines), \
        "\n".join(running.lines)


# -- in the browser -----------------------------------------------------------------


@pytest.fixture
def tab(browser: Any, served: Served) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(served.url + LESSON_URL)
    page.wait_for_function("() => document.documentElement.dataset.coursesiteLive === 'open'")
    page.evaluate("window.notReloaded = true")
    yield page
    context.close()


@pytest.mark.browser
def test_editing_a_lesson_reloads_the_tab_with_the_new_text(tab: Any, served: Served) -> None:
    # How fast the reload comes is measured in benchmarks/, not asserted here: a loaded
    # CI machine must not fail the suite. While the tab reloads, body can be null.
    edit(served.root / LESSON, "## ", "Freshly edited paragraph.\n\n## ")
    tab.wait_for_function(body_has("Freshly edited paragraph"), timeout=15000)


@pytest.mark.browser
def test_editing_css_restyles_without_a_reload(tab: Any, served: Served) -> None:
    css = served.root / "static/css/site.css"
    css.write_text(css.read_text() + "\nmain h1 { color: rgb(1, 2, 3); }\n")
    tab.wait_for_function(
        "() => getComputedStyle(document.querySelector('main h1')).color === 'rgb(1, 2, 3)'",
        timeout=5000)
    assert tab.evaluate("window.notReloaded") is True


@pytest.mark.browser
def test_a_broken_page_shows_an_overlay_until_it_is_fixed(tab: Any, served: Served) -> None:
    lesson = served.root / LESSON
    good = lesson.read_text(encoding="utf-8")
    edit(lesson, "groups: rtc", "groups: rtc, aifx")
    overlay = tab.locator("#coursesite-errors")
    overlay.wait_for(timeout=5000)
    line = next(n for n, text in enumerate(good.splitlines(), 1) if text.startswith("groups:"))
    assert f"{LESSON}:{line}: error:" in overlay.inner_text()
    assert "aifx" in overlay.inner_text()
    # The server keeps answering, with the last good build.
    status, _, body = served.get("/" + LESSON_URL)
    assert status == 200 and b"Training" in body
    lesson.write_text(good.replace("## ", "Fixed again.\n\n## ", 1), encoding="utf-8")
    tab.wait_for_function(body_has("Fixed again."), timeout=15000)
    assert tab.locator("#coursesite-errors").count() == 0
