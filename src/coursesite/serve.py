"""`build-site serve`: build, serve on loopback, watch the sources, rebuild, reload the tab.

Three threads around one build: the HTTP server answers requests from the
preview output (its own folder under the cache, with the groups' URLs pointed
at this server); watchers turn saved files into a queue of changes; the
builder takes every change queued so far, runs the incremental build and tells
each open tab over Server-Sent Events. A failed build keeps the last good
output and sends its messages to an overlay in the tab, so a mistake never
stops the server.

The live-reload script is added to HTML responses as they are sent, never to
a file, so the preview output stays what `build-site` would write.
"""

from __future__ import annotations

import json
import queue
import signal
import threading
import time
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import watchfiles

from coursesite.build import BuildOptions, build, select_groups, update_search
from coursesite.config import SiteConfig, load_config
from coursesite.errors import BuildFailed, Diagnostic, SiteError
from coursesite.mediatypes import CONTENT_TYPES, content_type
from coursesite.report import Reporter
from coursesite.rerender import LiveSite, rerender

LIVE_PREFIX = "/__coursesite/"
EVENTS_PATH = LIVE_PREFIX + "events"
SCRIPT_PATH = LIVE_PREFIX + "live.js"
KEEPALIVE_SECONDS = 15.0


@dataclass(frozen=True)
class ServeOptions:
    groups: tuple[str, ...] = ()  # empty: every group, each under /<group>/
    host: str = "127.0.0.1"
    port: int = 8000  # 0: any free port
    drafts: bool = False
    jobs: int = 1
    open_browser: bool = False


# -- what the tabs are told ---------------------------------------------------------


class LiveState:
    """The state every open tab follows: the good build's version, and the current errors.

    `version` grows with every successful build; `serial` with every change of
    state, so a waiting event stream knows there is something new to send.
    """

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.serial = 0
        self.version = 0
        self.css_only = False  # the last version changed stylesheets and nothing else
        self.errors: list[str] = []
        self.stopping = False

    def built(self, css_only: bool) -> None:
        with self.changed:
            self.version += 1
            self.css_only = css_only
            self.errors = []
            self._notify()

    def failed(self, errors: list[str]) -> None:
        with self.changed:
            self.errors = errors
            self._notify()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self._notify()

    def _notify(self) -> None:
        self.serial += 1
        self.changed.notify_all()

    def wait(self, seen: int, timeout: float) -> tuple[int, str] | None:
        """The next message after `seen` (serial, JSON), or None after `timeout` seconds."""
        with self.changed:
            self.changed.wait_for(lambda: self.serial != seen or self.stopping, timeout)
            if self.serial == seen:
                return None
            message = {"version": self.version, "css": self.css_only, "errors": self.errors}
            return self.serial, json.dumps(message)


# -- building -----------------------------------------------------------------------


def preview_config(config: SiteConfig, base_url: str, groups: tuple[str, ...]) -> SiteConfig:
    """The site as served here: its groups' URLs on this server, its output under the cache.

    With one group it is served at the root; otherwise each group under /<name>/.
    Groups that are not served keep their real URLs, so links to them still work.
    """
    chosen = groups or tuple(config.groups)
    single = len(groups) == 1
    served = {name: replace(group, url=base_url if single else f"{base_url}{name}/")
              if name in chosen else group for name, group in config.groups.items()}
    return replace(config, groups=served, output_dir=config.cache_dir / "serve")


class Previewer:
    """Runs builds for the server, one at a time, and tells the tabs how each went."""

    def __init__(self, config_path: Path, options: ServeOptions, base_url: str,
                 log: Callable[[str], None]):
        self.config_path = config_path
        self.options = options
        self.base_url = base_url
        self.log = log
        self.live = LiveState()
        self.site: LiveSite | None = None  # the last good build, kept for quick re-renders
        self.stale_search: queue.Queue[str] = queue.Queue()  # groups to index again
        self.files_lock = threading.Lock()  # held while the output changes
        self.config = preview_config(load_config(config_path), base_url, options.groups)

    @property
    def root(self) -> Path:
        """The folder served at '/'."""
        out = self.config.output_dir
        return out / self.options.groups[0] if len(self.options.groups) == 1 else out

    def rebuild(self, changed: Iterable[Path] = ()) -> bool:
        """Bring the preview up to date after `changed` files; tell the tabs how it went."""
        changed = sorted(set(changed))
        started = time.perf_counter()
        quick = self.rerender(changed)
        rendered = sum(quick.values()) if quick is not None else None
        if rendered is None:
            try:
                rendered = self.build()
            except (SiteError, BuildFailed) as exc:
                diagnostics = [exc.diagnostic] if isinstance(exc, SiteError) else exc.diagnostics
                self.report_failure(changed, diagnostics)
                return False
            except OSError as exc:
                self.report_failure(changed, [Diagnostic(str(exc.filename or "build"), None,
                                                         str(exc.strerror or exc))])
                return False
        self.live.built(css_only=bool(changed) and all(self.is_css(p) for p in changed))
        seconds = time.perf_counter() - started
        what = self.describe(changed) if changed else "built"
        self.log(f"{what}: {rendered} page{'s' * (rendered != 1)} rendered in {seconds:.2f} s")
        if quick:  # the tab has its page: the search index catches up in the background
            for group in quick:
                self.stale_search.put(group)
        return True

    def index_search(self, stop: threading.Event) -> None:
        """Make the search index of groups edited by quick re-renders, one at a time.

        Pagefind reads every page of a group (seconds for thousands of pages), so
        this runs beside the builder; only the swap of the new index holds the lock.
        """
        while not stop.is_set():
            try:
                groups = {self.stale_search.get(timeout=0.2)}
            except queue.Empty:
                continue
            while not self.stale_search.empty():
                groups.add(self.stale_search.get_nowait())
            update_search(self.config, self.config.output_dir, sorted(groups), groups,
                          Reporter(), lambda: self.files_lock)

    def rerender(self, changed: list[Path]) -> dict[str, int] | None:
        """Body-only edits, re-rendered in memory; None when a build is needed."""
        site, self.site = self.site, None  # half updated if it fails: never used again
        if site is None or not changed:
            return None
        rendered = rerender(site, changed, lambda: self.files_lock)
        if rendered is not None:
            self.site = site
        return rendered

    def build(self) -> int:
        """An incremental build that keeps the site in memory for the next edit."""
        reporter = Reporter()
        self.config = preview_config(load_config(self.config_path), self.base_url,
                                     self.options.groups)
        options = BuildOptions(groups=self.options.groups, drafts=self.options.drafts,
                               jobs=self.options.jobs, state="serve", keep=True,
                               guard=lambda: self.files_lock)
        result = build(self.config, options, reporter)
        for warning in reporter.diagnostics:
            self.log(warning.format())
        self.site = result.live
        return result.rendered

    def report_failure(self, changed: list[Path], diagnostics: list[Diagnostic]) -> None:
        messages = [d.format() for d in diagnostics]
        for message in messages:
            self.log(message)
        what = self.describe(changed) if changed else "build"
        self.log(f"{what}: failed with {len(messages)} error(s); serving the last good build")
        self.live.failed(messages)

    def describe(self, changed: list[Path]) -> str:
        names = [self.config.rel(p) for p in changed[:3]]
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        return f"{', '.join(names)}{more} changed"

    def is_css(self, path: Path) -> bool:
        return path.suffix == ".css" and path.is_relative_to(self.config.static_dir)

    def watched(self) -> list[Path]:
        """The folders whose changes mean a rebuild (site.yaml is watched on its own)."""
        folders = [self.config.content_dir, self.config.templates_dir, self.config.static_dir]
        return [f for f in dict.fromkeys(folders) if f.is_dir()]


# -- watching -----------------------------------------------------------------------


class SourceFilter(watchfiles.DefaultFilter):
    """The default filter (editor swap files, .git, ...) and never the output or the cache."""

    def __init__(self, config: SiteConfig):
        super().__init__(ignore_paths=[config.output_dir, config.cache_dir])


def watch(paths: list[Path], watch_filter: Callable[[watchfiles.Change, str], bool],
          stop: threading.Event, changes: queue.Queue[Path], recursive: bool = True) -> None:
    """Put every changed file under `paths` into `changes` until `stop` is set.

    watchfiles uses the system's file events and falls back to polling where
    they do not work (or when WATCHFILES_FORCE_POLLING is set).
    """
    for batch in watchfiles.watch(*paths, watch_filter=watch_filter, stop_event=stop,
                                  recursive=recursive, debounce=400, step=30,
                                  raise_interrupt=False):
        for _change, path in batch:
            changes.put(Path(path))


def start_watchers(previewer: Previewer, stop: threading.Event,
                   changes: queue.Queue[Path]) -> list[threading.Thread]:
    config = previewer.config
    config_name = config.config_path.name
    threads = [
        threading.Thread(target=watch, name="watch-sources", daemon=True,
                         args=(previewer.watched(), SourceFilter(config), stop, changes)),
        # site.yaml alone, through its folder: editors often replace a file by a rename,
        # which a watch on the file itself would not survive.
        threading.Thread(target=watch, name="watch-config", daemon=True,
                         args=([config.config_path.parent],
                               lambda _change, path: Path(path).name == config_name,
                               stop, changes, False)),
    ]
    for thread in threads:
        thread.start()
    return threads


def build_on_changes(previewer: Previewer, stop: threading.Event,
                     changes: queue.Queue[Path]) -> None:
    """Rebuild once for every burst of changes, until `stop` is set."""
    while not stop.is_set():
        try:
            first = changes.get(timeout=0.2)
        except queue.Empty:
            continue
        batch = {first}
        while not changes.empty():
            batch.add(changes.get_nowait())
        previewer.rebuild(batch)


# -- serving ------------------------------------------------------------------------


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream must not hold up Ctrl-C

    def __init__(self, address: tuple[str, int], previewer: Previewer | None = None):
        super().__init__(address, PreviewHandler)
        self.previewer = previewer

    @property
    def preview(self) -> Previewer:
        assert self.previewer is not None  # set before serve_forever() starts
        return self.previewer


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per rebuild is what the author wants to see, not one per request

    def do_HEAD(self) -> None:
        self.respond(send_body=False)

    def do_GET(self) -> None:
        self.respond(send_body=True)

    def respond(self, send_body: bool) -> None:
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            self.stream_events()
        elif path == SCRIPT_PATH:
            script = resources.files("coursesite").joinpath("live.js").read_bytes()
            self.send(HTTPStatus.OK, script, CONTENT_TYPES[".js"], send_body)
        else:
            self.send_file(path, send_body)

    def send_file(self, raw_path: str, send_body: bool) -> None:
        previewer = self.server.preview
        found = locate(previewer.root, raw_path)
        if isinstance(found, HTTPStatus):
            if found is HTTPStatus.FORBIDDEN:
                self.send(found, b"forbidden\n", CONTENT_TYPES[".txt"], send_body)
            else:
                self.send_not_found(raw_path, send_body)
            return
        if isinstance(found, str):
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", found)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if found is None:  # the root of several groups: a list of them
            listing = group_index(previewer.config, previewer.options.groups)
            self.send(HTTPStatus.OK, self.with_script(listing), CONTENT_TYPES[".html"], send_body)
            return
        with previewer.files_lock:
            try:
                data = found.read_bytes()
            except OSError:
                self.send_not_found(raw_path, send_body)
                return
        kind = content_type(found.name)
        if kind.startswith("text/html"):
            data = self.with_script(data)
        self.send(HTTPStatus.OK, data, kind, send_body)

    def send_not_found(self, raw_path: str, send_body: bool) -> None:
        previewer = self.server.preview
        page = not_found_page(previewer.root, raw_path, len(previewer.options.groups) == 1)
        with previewer.files_lock:
            try:
                data = page.read_bytes() if page else None
            except OSError:
                data = None
        body = data or b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>"
        self.send(HTTPStatus.NOT_FOUND, self.with_script(body), CONTENT_TYPES[".html"], send_body)

    def with_script(self, html: bytes) -> bytes:
        version = self.server.preview.live.version
        tag = f'<script src="{SCRIPT_PATH}" data-version="{version}"></script>'.encode()
        at = html.rfind(b"</body>")
        return html + tag if at < 0 else html[:at] + tag + html[at:]

    def send(self, status: HTTPStatus, data: bytes, kind: str, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")  # a preview is never stale
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def stream_events(self) -> None:
        live = self.server.preview.live
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen = -1
        try:
            self.wfile.write(b"retry: 500\n\n")
            while not live.stopping:
                message = live.wait(seen, KEEPALIVE_SECONDS)
                if message is None:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    seen, data = message
                    self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()
        except OSError:
            return  # the tab was closed or reloaded


def locate(root: Path, raw_path: str) -> Path | str | HTTPStatus | None:
    """The file for a request path, a redirect (str), an error status, or None for the root.

    Nothing outside `root` is ever returned: '..' in any spelling, absolute
    paths and symlinks that lead out are refused.
    """
    try:
        path = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return HTTPStatus.FORBIDDEN
    parts = path.split("/")
    if (not path.startswith("/") or "\x00" in path or "\\" in path
            or any(part in (".", "..") for part in parts)):
        return HTTPStatus.FORBIDDEN
    if path == "/" and not (root / "index.html").is_file():
        return None
    base = root.resolve()
    candidate = base.joinpath(*[p for p in parts if p]).resolve()
    if not candidate.is_relative_to(base):
        return HTTPStatus.FORBIDDEN
    if candidate.is_dir():
        if not path.endswith("/"):
            return raw_path + "/"
        candidate = candidate / "index.html"
        if not candidate.resolve().is_relative_to(base):
            return HTTPStatus.FORBIDDEN
    return candidate if candidate.is_file() else HTTPStatus.NOT_FOUND


def not_found_page(root: Path, raw_path: str, single_group: bool) -> Path | None:
    """The site's own 404.html: the group's, when several groups are served."""
    if single_group:
        page = root / "404.html"
    else:
        first = raw_path.lstrip("/").split("/", 1)[0]
        if not first or first in (".", "..") or "\\" in first or "%" in first:
            return None
        page = root / first / "404.html"
    return page if page.is_file() else None


def group_index(config: SiteConfig, groups: tuple[str, ...]) -> bytes:
    items = "".join(f'<li><a href="/{name}/">{escape(group.title)}</a> '
                    f"<code>/{name}/</code></li>" for name, group in config.groups.items()
                    if not groups or name in groups)
    return (f'<!DOCTYPE html><html lang="{escape(config.language)}"><head>'
            f'<meta charset="utf-8"><title>Preview · coursesite</title></head>'
            f"<body><main><h1>Groups in this preview</h1><ul>{items}</ul></main>"
            f"</body></html>").encode()


# -- the command --------------------------------------------------------------------


def serve(config_path: Path, options: ServeOptions, log: Callable[[str], None],
          ready: Callable[[str], None] | None = None) -> None:
    """Build, serve and rebuild on every change until Ctrl-C (KeyboardInterrupt)."""
    # A broken site.yaml or an unknown --group at start is a usage error, as for a build.
    select_groups(load_config(config_path), options.groups)
    server = PreviewServer((options.host, options.port))
    host, port = str(server.server_address[0]), server.server_address[1]
    shown_host = f"[{host}]" if ":" in host else host
    base_url = f"http://{shown_host}:{port}/"
    previewer = Previewer(config_path, options, base_url, log)
    server.previewer = previewer
    stop = threading.Event()
    changes: queue.Queue[Path] = queue.Queue()
    previewer.rebuild()
    threads = [threading.Thread(target=server.serve_forever, name="http", daemon=True),
               threading.Thread(target=build_on_changes, name="builder", daemon=True,
                                args=(previewer, stop, changes)),
               threading.Thread(target=previewer.index_search, name="search", daemon=True,
                                args=(stop,))]
    for thread in threads:
        thread.start()
    threads += start_watchers(previewer, stop, changes)
    log(f"serving on {base_url} (Ctrl-C to stop)")
    if ready:
        ready(base_url)
    if options.open_browser:
        webbrowser.open(base_url)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())  # stop as cleanly as on Ctrl-C
    try:
        while not stop.wait(0.5):
            pass
    finally:
        stop.set()
        previewer.live.stop()
        server.shutdown()
        server.server_close()
        for thread in threads:
            thread.join(timeout=2)
        log("stopped")
