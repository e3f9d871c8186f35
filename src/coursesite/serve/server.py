"""`build-site serve`: build, serve on loopback, watch the sources, rebuild, reload the tab.

Threads around one build: the HTTP server answers requests from the preview
output (its own folder under the cache, with the groups' URLs pointed at this
server); watchers turn saved files into a queue of changes; the builder, the
main thread, takes every change queued so far, runs the incremental build and
tells each open tab over Server-Sent Events. The builder is the main thread
because only there does a page's Markdown time limit work (deadline.py: a
timer signal); the server's threads answer meanwhile, since a slow conversion
is Python code that lets them run. A failed build keeps the last good
output and sends its messages to an overlay in the tab, so a mistake never
stops the server.

The HTTP side, with the live-reload script added to HTML responses as they are
sent (never to a file), is serve_http.py.
"""

from __future__ import annotations

import queue
import signal
import threading
import time
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import watchfiles

from coursesite.build.pipeline import BuildOptions, LiveSite, Mode, build
from coursesite.build.search import index_group, plan_of_folder
from coursesite.build.stages import select_groups
from coursesite.config.site import SiteConfig, load_config
from coursesite.errors import BuildFailed, Diagnostic, Problems, SiteError
from coursesite.report import Reporter
from coursesite.serve.http import LiveState, PreviewServer
from coursesite.serve.rerender import rerender


@dataclass(frozen=True)
class ServeOptions:
    groups: tuple[str, ...] = ()  # empty: every group, each under /<group>/
    host: str = "127.0.0.1"
    port: int = 8000  # 0: any free port
    drafts: bool = False
    jobs: int = 1
    open_browser: bool = False


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
        # Held by the background indexer while it works on a group's folder, and by a full
        # build: a build read a folder whose index was being swapped meanwhile.
        self.indexing = threading.Lock()
        self.config = preview_config(load_config(config_path), base_url, options.groups)

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups served: empty for every group."""
        return self.options.groups

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
            problems = Problems()
            with self.indexing:
                for group in sorted(groups):
                    folder = self.config.output_dir / group
                    index_group(folder, self.config, problems, plan_of_folder(folder),
                                guard=lambda: self.files_lock)
            for warning in problems.items:
                self.log(warning.format())

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
                               jobs=self.options.jobs, mode=Mode.SERVE,
                               guard=lambda: self.files_lock)
        with self.indexing:  # not while the background indexer swaps a group's index
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
        build_on_changes(previewer, stop, changes)  # here: see the module's docstring
    finally:
        stop.set()
        previewer.live.stop()
        server.shutdown()
        server.server_close()
        for thread in threads:
            thread.join(timeout=2)
        log("stopped")
