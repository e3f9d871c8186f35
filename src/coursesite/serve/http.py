"""The preview's HTTP side: files from the preview output, the live-reload script and events.

Only files under the served root are ever answered ('..' in any spelling,
absolute paths and symlinks out are refused, hidden names such as a build's
staging folders are not found, folders are never listed); the live-reload
script is added to HTML as it is sent, never written to a file; reads wait
while a build changes the output. Every request is answered (414 for a request
line over 8 KB, 404 for a path the file system cannot look up), and a tab that
goes away mid-answer leaves nothing in the log.
"""

from __future__ import annotations

import json
import sys
import threading
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from coursesite.config.site import SiteConfig
from coursesite.mediatypes import CONTENT_TYPES, content_type

LIVE_PREFIX = "/__coursesite/"
EVENTS_PATH = LIVE_PREFIX + "events"
SCRIPT_PATH = LIVE_PREFIX + "live.js"
KEEPALIVE_SECONDS = 15.0
MAX_REQUEST_LINE = 8192  # bytes, as most servers allow; longer is 414 URI Too Long


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

class Preview(Protocol):
    """What the server needs of the previewer (serve.Previewer)."""

    live: LiveState
    files_lock: threading.Lock
    config: SiteConfig

    @property
    def root(self) -> Path: ...

    @property
    def groups(self) -> tuple[str, ...]: ...


# -- serving ------------------------------------------------------------------------


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream must not hold up Ctrl-C

    def __init__(self, address: tuple[str, int], previewer: Preview | None = None):
        super().__init__(address, PreviewHandler)
        self.previewer = previewer

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the tab was closed or reloaded mid-answer: nothing went wrong here
        super().handle_error(request, client_address)

    @property
    def preview(self) -> Preview:
        assert self.previewer is not None  # set before serve_forever() starts
        return self.previewer


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    raw_requestline: bytes  # set by handle_one_request (not in typeshed's stubs)
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per rebuild is what the author wants to see, not one per request

    def parse_request(self) -> bool:
        # The standard library allows 64 KB, and such a path fails in the file system.
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            self.requestline = self.request_version = self.command = ""
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG,
                            explain=f"The request line is longer than {MAX_REQUEST_LINE} bytes.")
            return False
        return super().parse_request()

    def do_HEAD(self) -> None:
        self.respond(send_body=False)

    def do_GET(self) -> None:
        self.respond(send_body=True)

    def respond(self, send_body: bool) -> None:
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            self.stream_events()
        elif path == SCRIPT_PATH:
            script = resources.files("coursesite.serve").joinpath("live.js").read_bytes()
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
            listing = group_index(previewer.config, previewer.groups)
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
        page = not_found_page(previewer.root, raw_path, len(previewer.groups) == 1)
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
    paths and symlinks that lead out are refused. Hidden names are never found:
    a build writes none, and its staging folders are hidden.
    """
    try:
        path = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return HTTPStatus.FORBIDDEN
    parts = path.split("/")
    if (not path.startswith("/") or "\x00" in path or "\\" in path
            or any(part in (".", "..") for part in parts)):
        return HTTPStatus.FORBIDDEN
    if any(part.startswith(".") for part in parts):
        return HTTPStatus.NOT_FOUND
    try:
        return _find(root, path, parts, raw_path)
    except OSError:  # a name too long, say: not a file of the site
        return HTTPStatus.NOT_FOUND


def _find(root: Path, path: str, parts: list[str], raw_path: str) -> Path | str | HTTPStatus | None:
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
    try:
        return page if page.is_file() else None
    except OSError:  # a name too long: no group's
        return None


def group_index(config: SiteConfig, groups: tuple[str, ...]) -> bytes:
    items = "".join(f'<li><a href="/{name}/">{escape(group.title)}</a> '
                    f"<code>/{name}/</code></li>" for name, group in config.groups.items()
                    if not groups or name in groups)
    return (f'<!DOCTYPE html><html lang="{escape(config.language)}"><head>'
            f'<meta charset="utf-8"><title>Preview · coursesite</title></head>'
            f"<body><main><h1>Groups in this preview</h1><ul>{items}</ul></main>"
            f"</body></html>").encode()
