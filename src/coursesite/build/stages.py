"""The work of the build's stages that pipeline.Build calls, one function each."""

from __future__ import annotations

import functools
import hashlib
import tempfile
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursesite.build import output
from coursesite.build.output import SEARCH_PREFIX, GroupFolder, Wanted, file_sha
from coursesite.build.search import SearchPlan, index_group, remove_index, searched_sha
from coursesite.config.site import SiteConfig
from coursesite.content import Page
from coursesite.content.bibliography import Bibliography, read_bibliography
from coursesite.content.meta import THEME_ALIASES
from coursesite.content.publications import bib_files, check_bibkeys, publication_pages
from coursesite.errors import BuildFailed, ConfigError, Diagnostic, Problems, did_you_mean
from coursesite.fsutil import Stats
from coursesite.images.store import ImageStore
from coursesite.report import Reporter
from coursesite.state.bibliography import BibRows
from coursesite.state.records import FileRecord
from coursesite.state.store import BuildState

if TYPE_CHECKING:  # the render stage's modules are units.py's to import (see pipeline.py)
    from coursesite.render.group import GroupOutput
    from coursesite.render.layouts import Layouts

Guard = Callable[[], AbstractContextManager[Any]]


def select_groups(config: SiteConfig, wanted: tuple[str, ...]) -> list[str]:
    for name in wanted:
        if name not in config.groups:
            raise ConfigError(config.rel(config.config_path), None,
                              f"--group {name}: no such group",
                              did_you_mean(name, config.groups)
                              or f"groups are: {', '.join(config.groups)}")
    return [name for name in config.groups if not wanted or name in wanted]


def check_content(config: SiteConfig) -> None:
    """A content folder that is not there (`content: contnet`) is a mistake in site.yaml:
    building it would make empty sites, and publishing them would empty the live ones."""
    if not config.content_dir.is_dir():
        what = "is not a folder" if config.content_dir.exists() else "does not exist"
        message = f"the content folder {config.rel(config.content_dir)} {what}"
        if ("content",) in config.lines:
            raise ConfigError(config.rel(config.config_path), config.line_of("content"),
                              message, "set 'content:' to the folder of your pages "
                              "(relative to site.yaml)")
        raise ConfigError(config.rel(config.config_path), None, message,  # the default
                          "create content/ beside site.yaml, or set 'content:' to the folder "
                          "of your pages")


def read_publications(config: SiteConfig, scanned: Stats, pages: list[Page],
                      problems: Problems, jobs: int, kept: BibRows) -> Bibliography:
    """Every .bib file read (an entry whose text is unchanged taken from `kept`),
    `bibkeys:` checked, and a page added to `pages` for each entry a group lists
    (content/publications.py)."""
    files = [Path(p) for p in bib_files(config, scanned)]
    bibliography = read_bibliography(files, config.root, problems,
                                     cache=kept.entries() if files else None, jobs=jobs)
    kept.save(bibliography.cache)
    check_bibkeys(pages, bibliography, problems)
    pages += publication_pages(config, pages, bibliography)
    return bibliography


def choose_layouts(pages: list[Page], layouts: Layouts, problems: Problems) -> list[Page]:
    """The pages, each naming a layout that exists: one of the real tree's theme that
    this one lacks becomes its stand-in (THEME_ALIASES); any other is an error."""
    chosen = []
    for page in pages:
        name = (page.template or "").removesuffix(".html")
        stand_in = THEME_ALIASES.get(name)
        if page.template and stand_in and not layouts.exists(name + ".html"):
            page = replace(page, template=stand_in)
            name = stand_in
        chosen.append(page)
        if not page.template:
            continue
        if name == "publication" and not page.entry and not page.meta.get("bibkey"):
            problems.error(page.path, page.line_of("template"),
                           "the layout 'publication' shows a BibTeX entry",
                           "put the entry in a .bib file under content/: its page is made "
                           "for you; use another layout here")
        elif not layouts.exists(name + ".html"):
            problems.error(page.path, page.line_of("template"),
                           f"template '{page.template}' does not exist",
                           f"add templates/{name}.html, or use one of the theme's layouts")
    return chosen


def check_reserved(config: SiteConfig, pages: list[Page], static: dict[str, Path],
                   problems: Problems) -> None:
    """The search index's folder is the search stage's: no page or static file goes there."""
    hint = "rename it, or give the page another 'slug:'; pagefind/ holds the search index"
    for page in pages:
        if page.output.startswith(SEARCH_PREFIX):
            problems.error(page.path, None, f"the page would be written to {page.output}", hint)
    for rel, path in static.items():
        if rel.startswith(SEARCH_PREFIX):
            problems.error(config.rel(path), None, f"the static file would be written to {rel}",
                           "move it out of static/pagefind/: that folder holds the search index")


def written_shas(folder: GroupFolder, files: dict[str, FileRecord]) -> dict[str, str]:
    """The hash of each file that is on disk exactly as the state says it was written."""
    return {rel: files[rel].sha for rel in folder.verified(files)}


def process_images(config: SiteConfig, images: ImageStore, outputs: dict[str, GroupOutput],
                   jobs: int, problems: Problems, reporter: Reporter, make: bool) -> None:
    """Make the image variants every group asked for, once, in parallel (with `make`
    False, only decode their sources: `check` writes nothing)."""
    images.report_links(problems)  # used or not, a link out of content/ is an error
    used = set().union(*(out.images for out in outputs.values()))
    failures = images.process(used, jobs, reporter.progress, make)
    for rel, failure in sorted(failures.items()):
        page, line = images.uses.get(rel, (config.rel(config.content_dir / "images" / rel), None))
        problems.error(page, line, f"image 'content/images/{rel}' {failure.reason}", failure.hint)


def stop_on_errors(config: SiteConfig, problems: Problems, strict: bool,
                   reporter: Reporter) -> None:
    """Report warnings; raise with every error found so far (warnings too, when strict).

    The exit status is 2 when one of them is site.yaml's (a nav entry to no page)."""
    fatal = problems.items if strict else problems.errors
    for warning in problems.warnings:
        if not strict:
            reporter.diagnostic(warning)
    if fatal:
        in_config = any(d.path == config.rel(config.config_path) for d in fatal)
        raise BuildFailed(fatal, exit_code=2 if in_config else 1)
    problems.items.clear()


def remove_stale_staging(config: SiteConfig, output_dir: Path, problems: Problems) -> None:
    """The staging folders of builds that were stopped, removed when marked as ours."""
    for left in output.remove_stale_staging(output_dir):
        problems.warning(config.rel(left), None, "a folder named like coursesite's staging "
                         "folders, but not marked as one of them, is left as it is",
                         "delete it if it is not yours")


def make_stagings(output_dir: Path, rendering: list[str], writes: bool,
                  cleanup: ExitStack) -> dict[str, Path]:
    """A staging folder per group rendered, removed again once the build is done."""
    if not writes:  # `check`: render into a temporary folder that is thrown away
        scratch = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="coursesite-")))
        return {name: made(scratch / name) for name in rendering}
    found = {name: output.staging_for(output_dir, name) for name in rendering}
    for staging in found.values():
        cleanup.callback(output.remove_staging, staging)
    return found


def check_external(outputs: dict[str, GroupOutput], problems: Problems) -> None:
    """`check --external`: every external link of the rendered pages, fetched."""
    from coursesite.build import units  # imported by the builds that render (pipeline.py)

    units.check_external_links(outputs, problems)


def made(folder: Path) -> Path:
    """A scratch folder to render into, made: pages are written only below one that
    exists (see GroupRenderer.render_unit)."""
    folder.mkdir()
    return folder


# -- writing ------------------------------------------------------------------------------


def write_groups(config: SiteConfig, outputs: dict[str, GroupOutput],
                 folders: dict[str, GroupFolder], stagings: dict[str, Path],
                 images: ImageStore, static_files: dict[str, Path],
                 state: BuildState) -> set[str]:
    """Bring each rendered group's folder to exactly what the build made; returns the
    groups whose files changed.

    Every folder is checked before any is touched, and every staging folder is
    complete before any file moves in: a refusal or a full disk changes nothing.
    """
    statics = {rel: Wanted(file_sha(path), source=path) for rel, path in static_files.items()}
    wanted = {name: wanted_files(out, images, statics) for name, out in outputs.items()}
    for name in outputs:
        foreign = folders[name].foreign(state.files.of(name), wanted[name])
        if foreign:
            raise output.foreign_files_error(config, folders[name].path, foreign)
    plans = [output.plan_group(name, folders[name], stagings[name], wanted[name], state)
             for name in outputs]
    for plan in plans:
        output.apply_plan(plan, state)
    return {plan.group for plan in plans if plan.changes}


def wanted_files(out: GroupOutput, images: ImageStore,
                 statics: dict[str, Wanted]) -> dict[str, Wanted]:
    """Every file the group's output must hold, with its hash and where its bytes are."""
    wanted = {rel: Wanted(result.digest) for rel, result in out.units.items()}
    wanted.update(statics)
    wanted.update((rel, Wanted(hashlib.sha256(data).hexdigest(), data=data))
                  for rel, data in out.files.items())
    for rel in sorted(out.images):
        wanted[rel] = Wanted(images.sha_of(rel), source=images.file_for(rel))
    return wanted


# -- search --------------------------------------------------------------------------------


def search_plan(folder: Path, files: dict[str, FileRecord], listings: set[str]) -> SearchPlan:
    """Which pages go into which part of a group's index: the HTML files written, each
    by its hash; a listing's (`listings`) by what search reads of it, so that its part is
    not made again when only its items changed (they have pages of their own)."""
    return SearchPlan.of({rel: searched_sha(folder / rel) if rel in listings else record.sha
                          for rel, record in files.items()
                          if rel.endswith(".html") and not rel.startswith(SEARCH_PREFIX)})


def index_as_written(folder: Path, index: dict[str, FileRecord]) -> bool:
    return f"{SEARCH_PREFIX}pagefind.js" in index and GroupFolder.as_written(
        folder, ((rel, record.size, record.mtime) for rel, record in index.items()))


def search_was_made(config: SiteConfig, folder: Path, summary: dict[str, Any],
                    files: Iterable[str]) -> bool:
    """Whether the last good build left the group the index it should, for files that are
    exactly as that build left them (its rows and the index's were saved together, so
    the index is of these very files: nothing to hash or stat again). `files`: the
    paths of the files it wrote into the group."""
    indexed = {rel for rel in files if rel.startswith(SEARCH_PREFIX)}
    if not config.search:
        return not indexed and not (folder / "pagefind").exists()
    return bool(summary.get("search")) and f"{SEARCH_PREFIX}pagefind.js" in indexed


def update_search(config: SiteConfig, output_dir: Path, outputs: dict[str, GroupOutput],
                  state: BuildState, reporter: Reporter, guard: Guard = nullcontext,
                  jobs: int = 1) -> tuple[dict[str, list[str]], list[Diagnostic]]:
    """Index each group whose files changed since its index was made (or whose index is
    not as it was written): only the parts of a large group's index whose pages changed
    (search.py); returns, per group, what its index now is of, and the errors (Pagefind
    out of time) that fail the build once the rest is saved."""
    problems = Problems()
    made: dict[str, list[str]] = {}
    for name in outputs:
        folder = output_dir / name
        files = state.files.of(name)
        old = [rel for rel in files if rel.startswith(SEARCH_PREFIX)]
        if not config.search:
            with guard():
                remove_index(folder)
            state.files.wrote(name, {}, old)
            continue
        plan = search_plan(folder, files, outputs[name].listings)
        previous = (state.summary(name) or {}).get("search")
        # The index as it was written (a stat of each of its files, once) and made of
        # the group's pages now: nothing to do; as written: only the parts that changed.
        current = index_as_written(folder, {rel: files[rel] for rel in old})
        if current and previous == list(plan.digests):
            made[name] = list(plan.digests)
            continue
        redo = plan.changed(previous) if current else None
        listed: dict[str, str] = {}
        done = index_group(folder, config, problems, plan, redo, jobs, guard,
                           functools.partial(list_index, state, name, listed=listed))
        if done is not None:
            written = output.stat_files(folder, listed)
            state.files.wrote(name, written, [rel for rel in old
                                              if done.covers(rel) and rel not in written])
            made[name] = list(plan.digests)
    for warning in problems.warnings:
        reporter.diagnostic(warning)
    return made, problems.errors


def stop_on_search_errors(errors: list[Diagnostic]) -> None:
    """Fail the build (exit 1) when the search stage found errors: Pagefind out of time."""
    if errors:
        raise BuildFailed(errors, outcome="the pages were written, the search index left "
                          "as it was")


def list_index(state: BuildState, group: str, fresh: Path, prefix: str,
               listed: dict[str, str]) -> bool:
    """The files of a new folder of the index (at `prefix` in the group), listed in the
    state before it goes live (a build stopped right after leaves no file the state
    does not know)."""
    new = {prefix + path.relative_to(fresh).as_posix(): file_sha(path)
           for path in sorted(fresh.rglob("*")) if path.is_file()}
    listed.update(new)
    return state.files.writing(group, new)
