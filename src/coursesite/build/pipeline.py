"""build(): the stages from site.yaml to output/<group>/, each timed.

Gather, then write: every page of every group is loaded, rendered into a
staging folder beside its output, and checked. Only when no stage found an
error is anything of output/ touched, and then each group's folder is
brought to exactly what the build made (see output.py). What the last good
build read and wrote is the build state (state/store.py); what it lets a
build keep is decided by one rule (fresh.py).

The render stage's modules (units.py, render/: Jinja2, Markdown, Pygments) are
imported by the stages that use them, not here: a build that finds nothing
changed ends after the scan stage, and importing them was half its time.
"""

from __future__ import annotations

import enum
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursesite.build import fresh, output, stages
from coursesite.build.lock import site_lock
from coursesite.build.verify import OutputCheck
from coursesite.config.site import SiteConfig
from coursesite.config.theme import Theme
from coursesite.content import GroupSite, Page
from coursesite.content.grouping import group_pages
from coursesite.content.loader import load_pages
from coursesite.content.migration import pelican_advice
from coursesite.content.shelves import Paging
from coursesite.digest import code_fingerprint
from coursesite.errors import Problems
from coursesite.fsutil import scan
from coursesite.images.store import ImageStore
from coursesite.parallel import out_of_collectors_sight
from coursesite.report import GroupSummary, Reporter
from coursesite.state.records import UnitRecord
from coursesite.state.store import BuildState

if TYPE_CHECKING:
    from coursesite.render.group import GroupOutput, GroupRenderer
    from coursesite.render.layouts import Layouts

PRUNE_FROM = 100  # bodies rendered; the stored bodies are pruned after builds that render more


class Mode(enum.Enum):
    BUILD = "build"  # write output/<group>/
    CHECK = "check"  # everything a build checks; nothing written to output/
    SERVE = "serve"  # as BUILD, and keep the site in memory for the next edit (serve/)


@dataclass(frozen=True)
class BuildOptions:
    groups: tuple[str, ...] = ()  # empty: every group
    drafts: bool = False
    strict: bool = False
    jobs: int = 1
    output: Path | None = None
    mode: Mode = Mode.BUILD
    external: bool = False  # CHECK: also fetch every external link (`check --external`)
    today: date | None = None  # the day the build is as of (events: upcoming or past)
    # Held while output/ changes, so a server reading it never sees half a build.
    guard: Callable[[], AbstractContextManager[Any]] = nullcontext


@dataclass
class LiveSite:
    """What a SERVE build keeps in memory for the next edit (see serve/rerender.py)."""

    config: SiteConfig
    output_dir: Path
    pages: dict[str, Page]  # content path -> page
    renderers: dict[str, GroupRenderer]


@dataclass
class BuildResult:
    outputs: dict[str, GroupOutput]
    output_dir: Path
    images_processed: int  # image variants made (0 when the cache held them all)
    rendered: int  # units rendered; the others were kept from the previous build
    live: LiveSite | None = None  # in SERVE mode


def build(config: SiteConfig, options: BuildOptions, reporter: Reporter) -> BuildResult:
    """Build the site: one folder per group, every error of the build or none."""
    if options.mode is Mode.CHECK:  # it writes nothing, the lock file included
        return Build(config, options, reporter).run()
    output.check_cache(config)
    with site_lock(config.cache_dir, reporter.note):
        return Build(config, options, reporter).run()


@contextmanager
def stage(reporter: Reporter, name: str) -> Iterator[None]:
    """One stage of a build, timed for `-v`."""
    start = time.perf_counter()
    yield
    reporter.stage(name, time.perf_counter() - start)


class Build:
    """One build: its inputs, what each stage made, and the state it keeps."""

    def __init__(self, config: SiteConfig, options: BuildOptions, reporter: Reporter):
        self.config, self.options, self.reporter = config, options, reporter
        self.started = time.perf_counter()
        self.problems = Problems()
        self.chosen = stages.select_groups(config, options.groups)
        self.theme = Theme.for_site(config)
        self.output_dir = options.output or config.output_dir
        self.writes = options.mode is not Mode.CHECK
        self.state = BuildState(config.cache_dir, self.output_dir, code_fingerprint(),
                                writable=self.writes)
        self.pages: list[Page] = []
        self.kept: set[str] = set()  # groups kept whole: only page bodies elsewhere changed
        self.renderers: dict[str, GroupRenderer] = {}
        self.outputs: dict[str, GroupOutput] = {}
        self.records: dict[str, dict[str, UnitRecord]] = {}
        self.rendered = 0  # units rendered; the others were kept
        self.images = ImageStore(config, self.state.images)
        # serve's process has threads, which a fork must not copy; check verifies nothing
        forks = options.mode is Mode.BUILD and self.writes and options.jobs > 1
        self.on_disk = OutputCheck(config, self.state, self.output_dir, self.chosen,
                                   forks=forks, trusts_survey=options.mode is Mode.BUILD)

    def run(self) -> BuildResult:
        gc.unfreeze()  # the last build's objects (in `serve`) may be garbage by now
        try:
            with stage(self.reporter, "scan"), out_of_collectors_sight():
                unchanged = self.scan()
            if unchanged:  # its warnings still said (a folder in output/ it left alone)
                stages.stop_on_errors(self.config, self.problems, self.options.strict,
                                      self.reporter)
                return BuildResult({}, self.output_dir, 0, 0)
            with stage(self.reporter, "load"), out_of_collectors_sight():
                self.load()
            with stage(self.reporter, "structure"), out_of_collectors_sight():
                self.structure()
            with ExitStack() as cleanup:
                stagings = stages.make_stagings(
                    self.output_dir, [name for name in self.chosen if name not in self.kept],
                    self.writes, cleanup)
                with stage(self.reporter, "render"):
                    self.render(stagings)
                if self.options.external:
                    with stage(self.reporter, "external"):
                        stages.check_external(self.outputs, self.problems)
                with stage(self.reporter, "images"):
                    stages.process_images(self.config, self.images, self.outputs,
                                          self.options.jobs, self.problems, self.reporter,
                                          make=self.writes)
                stages.stop_on_errors(self.config, self.problems, self.options.strict,
                                      self.reporter)
                if self.writes:
                    self.write_and_save(stagings)
            return self.result()
        finally:
            self.on_disk.close()
            self.state.close()

    # -- the stages ---------------------------------------------------------------

    def scan(self) -> bool:
        """Read what the build depends on; True when there is nothing to do (reported)."""
        stages.check_content(self.config)
        for warning in self.state.open():
            self.problems.warning(self.config.rel(self.state.db.path), None, warning,
                                  "the site is built from scratch this time")
        if self.writes:
            output.check_folders(self.config, self.output_dir, self.chosen,
                                 preview=self.options.mode is Mode.SERVE)
            stages.remove_stale_staging(self.config, self.output_dir, self.problems)
        self.on_disk.start_survey()
        roots = [folder for folder, _ in self.config.content_roots()]
        self.scanned = scan([*roots, *self.theme.template_dirs,
                             *self.theme.static_dirs], [self.config.config_path])
        self.inputs = fresh.inputs_fingerprint(self.scanned, self.settings())
        if self.options.mode is not Mode.BUILD or self.state.meta("inputs") != self.inputs:
            return False
        if not all(self.on_disk.as_written().values()):
            return False
        for name in self.chosen:
            summary = self.state.summary(name) or {}
            self.report_group(name, summary["pages"], summary["images"])
        return True

    def settings(self) -> object:
        return (self.chosen, self.options.drafts, self.options.strict, str(self.output_dir),
                str(self.options.today or date.today()))

    def load(self) -> None:
        pelican_advice(self.config, self.problems)
        self.pages = load_pages(self.config, self.problems, drafts=self.options.drafts,
                                cache=self.state if self.writes else None,
                                stats=self.scanned, jobs=self.options.jobs)
        # Publications (SPEC §8): the BibTeX entries the groups list, a page each.
        self.bibliography = stages.read_publications(self.config, self.scanned, self.pages,
                                                     self.problems, self.options.jobs,
                                                     self.state.bibliography)

    def structure(self) -> None:
        from coursesite.render.layouts import Layouts  # here, not at the top: see the module's doc

        self.layouts: Layouts = Layouts(self.config, self.theme.template_dirs,
                                        self.state.layout_code() if self.writes else None)
        self.pages = stages.choose_layouts(self.pages, self.layouts, self.problems)
        self.sites = {name: GroupSite(group, group_pages(group, self.pages), self.problems,
                                      self.options.today, self.bibliography,
                                      Paging(self.config.paginate,
                                             self.config.paginate_publications))
                      for name, group in self.config.groups.items()}
        stages.check_reserved(self.config, self.pages, self.theme.static_files(), self.problems)
        pages = {page.source for page in self.pages}
        others = {path: stat for path, stat in self.scanned.items() if path not in pages}
        self.outline = fresh.outline_of(others, self.settings(), self.pages)
        self.bodies = fresh.bodies_changed(
            self.state.meta("outline"), self.outline,
            {**self.state.page_digests(), **(self.state.meta("entries") or {})}, self.pages)
        if self.options.mode is Mode.BUILD and not self.options.external:
            summaries = {name: summary for name in self.chosen
                         if (summary := self.state.summary(name)) is not None}
            # Kept whole only when also on disk as written (a stat of each of its files).
            written = self.on_disk.as_written()
            self.kept = {name for name in fresh.untouched_groups(summaries, self.pages,
                                                                self.bodies)
                         if written[name]}

    def render(self, stagings: dict[str, Path]) -> None:
        from coursesite.build import units  # here, not at the top: see the module's doc

        # Each folder to be written is read whole, while the pages render: what
        # coursesite did not write must not be there (see write_groups).
        self.on_disk.start_walks(list(stagings))
        self.renderers = units.group_renderers(
            self.config, self.pages, self.sites, list(stagings), self.layouts, self.images,
            set(self.theme.static_files()), self.state.bodies, self.problems)
        with out_of_collectors_sight():
            written = {name: self.on_disk.written_shas(name) for name in stagings}
            # Checking external links (which the state does not keep) renders every unit.
            records = {name: {} if self.options.external else self.state.units_of(name)
                       for name in stagings}
        self.records = units.render_all(self.renderers, records, written, stagings,
                                        self.options.jobs, bodies=self.bodies)
        self.outputs = {name: renderer.finish() for name, renderer in self.renderers.items()}
        units.report_once(self.renderers, self.problems)
        self.rendered = sum(len(records) for records in self.records.values())

    def write_and_save(self, stagings: dict[str, Path]) -> None:
        static_files = self.theme.static_files()
        with out_of_collectors_sight():
            folders = {name: self.on_disk.folder(name) for name in stagings}
        with stage(self.reporter, "write"), self.options.guard():
            stages.write_groups(self.config, self.outputs, folders, stagings,
                                self.images, static_files, self.state)
        with stage(self.reporter, "search"):
            searched, failed = stages.update_search(self.config, self.output_dir, self.outputs,
                                                    self.state, self.reporter, self.options.guard,
                                                    self.options.jobs)
        with stage(self.reporter, "save"):
            self.save(searched)
        stages.stop_on_search_errors(failed)  # saved first: the next build indexes them again

    def save(self, searched: dict[str, list[str]]) -> None:
        for name, out in self.outputs.items():
            self.state.update_units(name, self.records.get(name, {}), set(out.units))
            pictures = len({self.images.plan[rel].source for rel in out.images})
            self.state.set_summary(name, {
                "pages": out.pages, "images": pictures, "search": searched.get(name, ""),
                "asks": fresh.asks_of(self.state.units_of(name).values())})
        if self.rendered >= PRUNE_FROM:  # only a build that rendered much can have grown it
            self.state.bodies.prune(keep=2 * len(self.pages) + PRUNE_FROM)
        # The entries' digests, as the pages' are in their rows: what changed next time.
        entries = {page.content_path: page.digest for page in self.pages if page.entry}
        self.state.save({"inputs": self.inputs, "outline": self.outline, "entries": entries},
                        {page.content_path for page in self.pages})
        if not self.options.groups and not self.kept:
            self.images.prune()  # a partial build does not know what the other groups use

    def result(self) -> BuildResult:
        for name in self.chosen:
            if name in self.kept:
                summary = self.state.summary(name) or {}
                self.report_group(name, summary.get("pages", 0), summary.get("images", 0))
            elif name in self.outputs:
                out = self.outputs[name]
                self.report_group(name, out.pages,
                                  len({self.images.plan[rel].source for rel in out.images}))
        live = None
        if self.options.mode is Mode.SERVE:
            live = LiveSite(self.config, self.output_dir,
                            {p.content_path: p for p in self.pages}, self.renderers)
        return BuildResult(self.outputs, self.output_dir, self.images.processed,
                           self.rendered, live)

    def report_group(self, name: str, pages: int, images: int) -> None:
        self.reporter.group_built(GroupSummary(name, pages, images,
                                               time.perf_counter() - self.started))
