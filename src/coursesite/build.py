"""build(): the stages from site.yaml to output/<group>/, each timed.

Gather, then write: every page of every group is loaded, rendered and checked
in memory first. Only when no stage found an error is each group written to a
temporary folder beside its output and swapped in, so a failed build leaves
the previous output exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from coursesite.config import SiteConfig
from coursesite.errors import BuildFailed, ConfigError, Problems, did_you_mean
from coursesite.images import ImageStore
from coursesite.links import Linker, check_external
from coursesite.loader import load_pages
from coursesite.render import BodyRenderer, Layouts
from coursesite.render_group import GroupOutput, GroupRenderer
from coursesite.report import GroupSummary, Reporter
from coursesite.structure import GroupSite, Page
from coursesite.theme import Theme


@dataclass(frozen=True)
class BuildOptions:
    groups: tuple[str, ...] = ()  # empty: every group
    drafts: bool = False
    strict: bool = False
    jobs: int = 1
    output: Path | None = None
    write: bool = True  # False for `build-site check`
    external: bool = False  # also fetch every external link (`check --external`)


@dataclass
class BuildResult:
    outputs: dict[str, GroupOutput]
    output_dir: Path
    images_processed: int  # image variants made (0 when the cache held them all)


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
    with stage("load"):
        pages = load_pages(config, problems, drafts=options.drafts)
    with stage("structure"):
        sites = {name: GroupSite(group, [p for p in pages if name in p.groups], problems)
                 for name, group in config.groups.items()}
        layouts = Layouts(config, theme.template_dirs)
        check_layouts(pages, layouts, problems)
    with stage("render"):
        static_files = theme.static_files()
        images = ImageStore(config)
        outputs = render_groups(config, pages, sites, chosen, layouts, images,
                                set(static_files), problems)
    if options.external:
        with stage("external"):
            check_external(external_links(outputs), problems)
    with stage("images"):
        process_images(config, images, outputs, options.jobs, problems, reporter)
    stop_on_errors(problems, options, reporter)
    output_dir = options.output or config.output_dir
    if options.write:
        with stage("write"):
            for name in chosen:
                write_group(output_dir / name, outputs[name], images, static_files)
                sources = {images.plan[out].source for out in outputs[name].images}
                reporter.group_built(GroupSummary(name, outputs[name].pages, len(sources),
                                                  time.perf_counter() - started))
        if not options.groups:
            images.prune()  # a partial build does not know what the other groups use
    return BuildResult(outputs, output_dir, images.processed)


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


def render_groups(config: SiteConfig, pages: list[Page], sites: dict[str, GroupSite],
                  chosen: list[str], layouts: Layouts, images: ImageStore, static: set[str],
                  problems: Problems) -> dict[str, GroupOutput]:
    """Render page by page, each in all its groups in turn, so shared work is done once."""
    all_pages = {p.content_path: p for p in pages}
    bodies = BodyRenderer(layouts.loader)
    renderers = {}
    for name in chosen:
        linker = Linker(config, sites[name], sites, all_pages)
        renderers[name] = GroupRenderer(config, sites[name], linker, bodies, layouts, images,
                                        static)
        renderers[name].begin(problems)
    for page, renderer in render_order(renderers):
        renderer.render_one(page)
    return {name: renderer.finish() for name, renderer in renderers.items()}


def render_order(renderers: dict[str, GroupRenderer]) -> list[tuple[Page, GroupRenderer]]:
    """Every (page, group) to render, the groups of one page next to each other."""
    order: dict[str, list[tuple[Page, GroupRenderer]]] = {}
    for renderer in renderers.values():
        for page in renderer.pages():
            key = page.content_path or f"{renderer.group.name}:{page.output}"
            order.setdefault(key, []).append((page, renderer))
    return [unit for key in sorted(order) for unit in order[key]]


def process_images(config: SiteConfig, images: ImageStore, outputs: dict[str, GroupOutput],
                   jobs: int, problems: Problems, reporter: Reporter) -> None:
    """Make the image variants every group asked for, once, in parallel."""
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


def write_group(target: Path, output: GroupOutput, images: ImageStore,
                static_files: dict[str, Path]) -> None:
    """Write the group beside its output folder, then swap it in."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.new")
    retired = target.with_name(f".{target.name}.old")
    for leftover in (staging, retired):
        if leftover.exists():
            shutil.rmtree(leftover)
    staging.mkdir()
    for rel, source in static_files.items():
        dest = staging / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
    for out in sorted(output.images):
        images.copy_into(out, staging)
    for rel, data in sorted(output.files.items()):
        dest = staging / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    if retired.exists():
        shutil.rmtree(retired)
