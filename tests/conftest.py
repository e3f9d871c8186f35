"""Shared fixtures: temporary sites, the real CLI, a loopback HTTP server, Chromium."""

from __future__ import annotations

import fcntl
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

import pytest

from coursesite.build.pipeline import BuildOptions, BuildResult, build
from coursesite.config.site import load_config
from coursesite.report import Reporter

REPO = Path(__file__).resolve().parents[1]
# The tests start hundreds of builds, each a process of its own, as a user's are: with
# Python's compiled modules kept (under __pycache__/, ignored by git). A shell that sets
# PYTHONDONTWRITEBYTECODE would have every one of them compile coursesite anew.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

BASIC_SITE_YAML = """\
groups:
  rtc:
    title: RTC
    url: https://rtc.example.org/
  aifh:
    title: AI for Health
    url: https://aifh.example.org/
"""


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run build-site as a user would: a separate process, its real exit status."""
    proc = subprocess.run(
        [sys.executable, "-m", "coursesite", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


class Site:
    """A site folder in a temporary directory, written file by file."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def page(self, rel: str, text: str) -> Path:
        return self.write(f"content/{rel}", text)

    def image(self, rel: str, size: tuple[int, int] = (40, 30), fmt: str = "PNG") -> Path:
        from PIL import Image

        path = self.root / "content" / "images" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size, (200, 80, 40)).save(path, format=fmt)
        return path

    def build(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return run_cli(*args, cwd=self.root, env=env)

    def out(self, rel: str) -> str:
        return (self.root / "output" / rel).read_text(encoding="utf-8")


def api_build(site: Site, **options: object) -> BuildResult:
    """Build through the Python API, to see what the build did (e.g. how much it rendered)."""
    return build(load_config(site.root / "site.yaml"), BuildOptions(**options),  # type: ignore[arg-type]
                 Reporter())


def clean_build_of(site: Site, tmp_path: Path) -> dict[str, bytes]:
    """The same site built from nothing, in another folder."""
    fresh = tmp_path / "clean"
    if fresh.exists():
        shutil.rmtree(fresh)
    shutil.copytree(site.root, fresh, ignore=shutil.ignore_patterns("output", ".cache"))
    assert api_build(Site(fresh)).rendered > 0
    return snapshot(fresh / "output")


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """An empty two-group site (rtc, aifh) with no pages yet."""
    made = Site(tmp_path / "site")
    made.write("site.yaml", BASIC_SITE_YAML)
    return made


@pytest.fixture
def demo(tmp_path: Path) -> Site:
    """A copy of the repository's demo site."""
    root = tmp_path / "demo"
    root.mkdir()
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    return Site(root)


def stopped(pid: int, within: float = 5.0) -> bool:
    """Whether a process has ended (a zombie, killed and not yet reaped, has) within a
    few seconds: a killed process ends once the kernel schedules it, which takes a
    moment on a busy machine."""
    deadline = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below a folder with its bytes, to compare two builds."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[Callable[[Path], str]]:
    """Serve a folder on 127.0.0.1 (a free port); returns its base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(folder: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright; on CI its absence is a failure."""
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "python package playwright is not installed"
    if missing is None and not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (apt-get install chromium)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run on CI: {missing}")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core accessibility engine (npm), installed into tests/ on first use."""
    script = REPO / "tests" / "node_modules" / "axe-core" / "axe.min.js"
    # One install at a time: the workers of pytest-xdist may all ask at once.
    with open(REPO / "tests" / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not script.exists() and shutil.which("npm"):
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix",
                            str(REPO / "tests")], check=False, capture_output=True, timeout=300)
    if not script.exists():
        message = "axe-core is not installed (npm ci --prefix tests)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return script.read_text(encoding="utf-8")
