"""build(): the stages from site.yaml to output/<group>/, each timed.

Gather, then write: every page of every group is loaded, rendered into a
staging folder beside its output, and checked. Only when no stage found an
error is each staging folder completed and swapped in, so a failed build
leaves the previous output exactly as it was. The build cache lets a rebuild
keep every file whose inputs did not change, and, when only page bodies
changed, every group that does not show them, unread.
"""

from __future__ import annotations

import gc
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursesite.build.output import fingerprint, staging_for, write_group
from coursesite.build.search import index_group, remove_index
from coursesite.build.units import render_all, untouched_groups
from coursesite.config.site import SiteConfig
from coursesite.config.theme import Theme
from coursesite.content import GroupSite, Page
from coursesite.content.loader import load_pages
from coursesite.digest import digest_of
from coursesite.errors import BuildFailed, ConfigError, Problems, did_you_mean
from coursesite.fsutil import scan
from coursesite.images.store import ImageStore
from coursesite.parallel import out_of_collectors_sight
from coursesite.render.body import BodyRenderer, Layouts
from coursesite.render.group import GroupOutput, GroupRenderer
from coursesite.render.links import Linker, check_external
from coursesite.report import GroupSummary, Reporter
from coursesite.serve.rerender import LiveSite
from coursesite.state.bodies import BodyStore
from coursesite.state.cache import BuildCache, LastBuild, inputs_fingerprint
from coursesite.state.units import UnitRecord

PRUNE_FROM = 100  # bodies rendered; the body store is pruned after builds that render more


@dataclass(frozen=True)
class BuildOptions:
    groups: tuple[str, ...] = ()  # empty: every group
    drafts: bool = False
    strict: bool = False
    jobs: int = 1
    output: Path | None = None
    write: bool = True  # False for `build-site check`
    external: bool = False  # also fetch every external link (`check --external`)
    state: str = "build"  # names the cache files, so `serve` keeps its own beside the build's
    keep: bool = False  # keep the site in memory for `rerender` (and never end early)
    # Held while output/ changes, so a server reading it never sees half a build.
    guard: Callable[[], AbstractContextManager[Any]] = nullcontext


@dataclass
class BuildResult:
    outputs: dict[str, GroupOutput]
    output_dir: Path
    images_processed: int  # image variants made (0 when the cache held them all)
    rendered: int  # units rendered; the others were kept from the previous build
    live: LiveSite | None = None  # with BuildOptions.keep


class Stages:
    """Times each stage and reports it."""

    def __init__(self, reporter: Reporter):
        self.reporter = reporter

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.reporter.stage(name, time.perf_counter() - start)


def build(config: SiteConfig, options: BuildOptions, reporter: Reporter) -> BuildResult:
    started = time.perf_counter()
    stage = Stages(reporter)
    problems = Problems()
    chosen = select_groups(config, options.groups)
    theme = Theme.for_site(config)
    output_dir = options.output or config.output_dir
    last = LastBuild(config.cache_dir / f"last-{options.state}.json")
    scanned = scan([config.content_dir, *theme.template_dirs, *theme.static_dirs],
                   [config.config_path])
    inputs = inputs_fingerprint(scanned, (chosen, options.drafts, options.strict,
                                          str(output_dir)))
    previous = last.read()
    if (options.write and not options.keep
            and unchanged(previous, inputs, output_dir, chosen, reporter, started)):
        return BuildResult({}, output_dir, 0, 0)
    last.forget()  # until this build has succeeded, the output is not what the inputs say
    with loading():
        cache = BuildCache.load(config.cache_dir / f"{options.state}.json", output_dir,
                                problems)
        with stage("load"):
            pages = load_pages(config, problems, drafts=options.drafts, cache=cache,
                               stats=scanned, jobs=options.jobs)
    with stage("structure"):
        sites = {name: GroupSite(group, [p for p in pages if name in p.groups], problems)
                 for name, group in config.groups.items()}
        layouts = Layouts(config, theme.template_dirs)
        check_layouts(pages, layouts, problems)
        outline = outline_of(config, theme, chosen, options, pages)
        bodies_changed = cache.bodies_changed(pages, outline)
        kept = kept_groups(cache, pages, bodies_changed, previous, output_dir, options)
    images = ImageStore(config)
    static_files = theme.static_files()
    rendering = [name for name in chosen if name not in kept]
    with ExitStack() as cleanup:
        stagings = make_stagings(output_dir, rendering, options.write, cleanup)
        with stage("render"):
            store = BodyStore(config.cache_dir / "bodies.sqlite", writable=options.write)
            cleanup.callback(store.close)
            renderers = group_renderers(config, pages, sites, rendering, layouts, images,
                                        set(static_files), store, problems)
            fresh = render_all(renderers, cache, output_dir, stagings, options.jobs,
                               reuse=not options.external, bodies_changed=bodies_changed)
            outputs = {name: renderer.finish() for name, renderer in renderers.items()}
            rendered = sum(len(records) for records in fresh.values())
        if options.external:
            with stage("external"):
                check_external(external_links(outputs), problems)
        with stage("images"):
            process_images(config, images, outputs, options.jobs, problems, reporter)
        stop_on_errors(problems, options, reporter)
        if options.write:
            with stage("write"), options.guard():
                summaries, rewritten = write_outputs(chosen, outputs, kept, output_dir, stagings,
                                                     images, static_files, cache, reporter,
                                                     started)
            with stage("search"):
                update_search(config, output_dir, list(outputs), rewritten, reporter,
                              options.guard)
            remember(cache, fresh, outputs, outline)
            if rendered >= PRUNE_FROM:  # only a build that rendered much can have grown it
                store.prune(keep=2 * len(pages) + PRUNE_FROM)
            last.write(inputs, summaries)
            if not options.groups and not kept:
                images.prune()  # a partial build does not know what the other groups use
    live = LiveSite(config, output_dir, {p.content_path: p for p in pages}, renderers)
    return BuildResult(outputs, output_dir, images.processed, rendered,
                       live if options.keep else None)


@contextmanager
def loading() -> Iterator[None]:
    """Load with Python's cycle collector paused, then set what was loaded aside from it.

    Loading makes hundreds of thousands of objects (the cache, the pages) that
    live until the build ends; the collector would walk them again and again
    (a third of a one-page rebuild of 10,000 pages). They are frozen out of its
    sight (gc.freeze) until the next build starts.
    """
    gc.unfreeze()  # the last build's objects (in `serve`) may be garbage by now
    with out_of_collectors_sight():
        yield


def outline_of(config: SiteConfig, theme: Theme, chosen: list[str], options: BuildOptions,
               pages: list[Page]) -> str:
    """Everything the build reads but the pages' bodies (see BuildCache.bodies_changed)."""
    others = inputs_fingerprint(
        scan([*theme.template_dirs, *theme.static_dirs, config.content_dir / "images"],
             [config.config_path]), (chosen, options.drafts))
    return digest_of(others, [page.outline for page in pages])


def write_outputs(chosen: list[str], outputs: dict[str, GroupOutput],
                  kept: dict[str, list[int]], output_dir: Path, stagings: dict[str, Path],
                  images: ImageStore, static_files: dict[str, Path], cache: BuildCache,
                  reporter: Reporter, started: float) -> tuple[dict[str, list[int]], set[str]]:
    """Bring each group's output up to date (`kept`: those already are, with their
    summaries); returns (pages, images) per group, and the groups whose files changed."""
    summaries = {}
    rewritten = set()
    for name in chosen:
        if name in kept:
            pages, pictures = summaries[name] = kept[name]
            reporter.group_built(GroupSummary(name, pages, pictures,
                                              time.perf_counter() - started))
            continue
        output = outputs[name]
        target = output_dir / name
        done = fingerprint(output, images, static_files)
        if cache.groups.get(name) != done or not target.is_dir():
            write_group(stagings[name], target, output, images, static_files, cache)
            cache.groups[name] = done
            cache.changed = True
            rewritten.add(name)
        pictures = len({images.plan[out].source for out in output.images})
        summaries[name] = [output.pages, pictures]
        reporter.group_built(GroupSummary(name, output.pages, pictures,
                                          time.perf_counter() - started))
    return summaries, rewritten


def update_search(config: SiteConfig, output_dir: Path, groups: list[str], rewritten: set[str],
                  reporter: Reporter,
                  guard: Callable[[], AbstractContextManager[Any]] = nullcontext) -> None:
    """Index each group whose pages changed (or that has no index yet)."""
    problems = Problems()
    for name in groups:
        folder = output_dir / name
        if not config.search:
            with guard():
                remove_index(folder)
        elif name in rewritten or not (folder / "pagefind" / "pagefind.js").is_file():
            index_group(folder, config.language, problems, guard)
    for warning in problems.items:
        reporter.diagnostic(warning)


def remember(cache: BuildCache, fresh: dict[str, dict[str, UnitRecord]],
             outputs: dict[str, GroupOutput], outline: str) -> None:
    """Save what this build made, and forget the pages that are gone (deleted, or moved
    out of their group)."""
    for name, output in outputs.items():
        cache.changed |= cache.units.update(name, fresh.get(name, {}), set(output.units))
    cache.changed |= cache.outline != outline
    cache.outline = outline
    cache.save()


def unchanged(previous: dict[str, Any], inputs: str, output_dir: Path, chosen: list[str],
              reporter: Reporter, started: float) -> bool:
    """True, with the summaries reported, when no input changed since the last good build."""
    groups = previous.get("groups", {})
    if previous.get("inputs") != inputs or any(
            name not in groups or not (output_dir / name).is_dir() for name in chosen):
        return False
    for name in chosen:
        pages, images = groups[name]
        reporter.group_built(GroupSummary(name, pages, images, time.perf_counter() - started))
    return True


def kept_groups(cache: BuildCache, pages: list[Page], bodies_changed: set[str] | None,
                previous: dict[str, Any], output_dir: Path,
                options: BuildOptions) -> dict[str, list[int]]:
    """The groups that only a changed body elsewhere separates from the last good build,
    with that build's summary of them (pages, images): their output stays as it is.

    As with a build where nothing changed, their files are not looked at again.
    `serve` keeps every group in memory, and the external check reads every page.
    """
    if not options.write or options.keep or options.external:
        return {}
    summaries = previous.get("groups", {})
    return {name: summaries[name] for name in untouched_groups(cache, pages, bodies_changed)
            if name in summaries and (output_dir / name).is_dir()}


def make_stagings(output_dir: Path, chosen: list[str], write: bool,
                  cleanup: ExitStack) -> dict[str, Path]:
    """A staging folder per group, removed again unless it was swapped in."""
    if not write:  # `check`: render into a temporary folder that is thrown away
        scratch = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="coursesite-")))
        return {name: scratch / name for name in chosen}
    stagings = {name: staging_for(output_dir / name) for name in chosen}
    for staging in stagings.values():
        cleanup.callback(shutil.rmtree, staging, ignore_errors=True)
    return stagings


def select_groups(config: SiteConfig, wanted: tuple[str, ...]) -> list[str]:
    for name in wanted:
        if name not in config.groups:
            raise ConfigError(config.rel(config.config_path), None,
                              f"--group {name}: no such group",
                              did_you_mean(name, config.groups)
                              or f"groups are: {', '.join(config.groups)}")
    return [name for name in config.groups if not wanted or name in wanted]


def check_layouts(pages: list[Page], layouts: Layouts, problems: Problems) -> None:
    for page in pages:
        if page.template:
            name = page.template if page.template.endswith(".html") else page.template + ".html"
            if not layouts.exists(name):
                problems.error(page.path, page.line_of("template"),
                               f"template '{page.template}' does not exist",
                               f"add templates/{name}, or use one of the theme's layouts")


def group_renderers(config: SiteConfig, pages: list[Page], sites: dict[str, GroupSite],
                    chosen: list[str], layouts: Layouts, images: ImageStore, static: set[str],
                    store: BodyStore, problems: Problems) -> dict[str, GroupRenderer]:
    all_pages = {p.content_path: p for p in pages}
    bodies = BodyRenderer(layouts.loader, store)  # one for all groups: it shares Markdown work
    renderers = {}
    for name in chosen:
        linker = Linker(config, sites[name], sites, all_pages)
        renderers[name] = GroupRenderer(config, sites[name], linker, bodies, layouts, images,
                                        static)
        renderers[name].begin(problems)
    return renderers


def process_images(config: SiteConfig, images: ImageStore, outputs: dict[str, GroupOutput],
                   jobs: int, problems: Problems, reporter: Reporter) -> None:
    """Make the image variants every group asked for, once, in parallel."""
    images.report_links(problems)  # used or not, a link out of content/ is an error
    used = set().union(*(output.images for output in outputs.values()))
    failures = images.process(used, jobs, reporter.progress)
    for rel, error in sorted(failures.items()):
        page, line = images.uses.get(rel, (config.rel(config.content_dir / "images" / rel), None))
        problems.error(page, line, f"image 'content/images/{rel}' {error}",
                       "replace the file with one that opens in an image viewer")


def external_links(outputs: dict[str, GroupOutput]) -> dict[str, list[tuple[str, int]]]:
    """Every external URL of every group, with the places that link to it."""
    merged: dict[str, list[tuple[str, int]]] = {}
    for output in outputs.values():
        for url, places in output.external.items():
            merged.setdefault(url, [])
            merged[url].extend(p for p in places if p not in merged[url])
    return merged


def stop_on_errors(problems: Problems, options: BuildOptions, reporter: Reporter) -> None:
    """Report warnings; raise with every error found so far (warnings too, when strict)."""
    fatal = problems.items if options.strict else problems.errors
    for warning in problems.warnings:
        if not options.strict:
            reporter.diagnostic(warning)
    if fatal:
        raise BuildFailed(fatal)
    problems.items.clear()
