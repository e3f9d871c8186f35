"""Re-rendering a body-only edit in memory, for `build-site serve`.

After a full build, the server keeps what the build made: every page, each
group's renderer (its layouts, link checker and rendered units) and the build
cache. When an author saves a page and only its body changed — its header,
and so every listing, card, breadcrumb and link that shows the page, is the
same — only that page is rendered again in each of its groups (with any page
whose body shows other pages' bodies), its links and the links to its anchors
are checked again, and the new files are moved into the output. (The search
index is the caller's: `serve` makes it again once the tab has reloaded.)

Anything else — a changed header, a new or deleted file, a template, an image,
site.yaml — or any error is left to the incremental build: `rerender` then
returns None and changes nothing on disk.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from coursesite.build.pipeline import LiveSite
from coursesite.build.units import flush_bodies
from coursesite.content import Page
from coursesite.content.loader import content_path_of, load_page
from coursesite.content.page import page_outline
from coursesite.errors import ContentError, Problems
from coursesite.fsutil import leads_inside
from coursesite.render.group import GroupRenderer, UnitResult


def rerender(live: LiveSite, changed: list[Path],
             guard: Callable[[], AbstractContextManager[Any]]) -> dict[str, int] | None:
    """Bring the output up to date with body-only edits; the units rendered per group, or None.

    None means "not a body-only edit, or something is wrong": run a build. The
    pages and renderers may then be half updated, so `live` must not be used again.
    """
    fresh = reload_bodies(live, changed)
    if not fresh:
        return None
    for page in fresh.values():
        live.pages[page.content_path].__dict__.update(page.__dict__)  # same object, new body
        for renderer in live.renderers.values():  # a group's copy, at its URL there
            copy = renderer.site.by_content_path.get(page.content_path)
            if copy is not None and copy is not live.pages[page.content_path]:
                copy.__dict__.update({key: value for key, value in page.__dict__.items()
                                      if key not in ("url", "output")})
    for renderer in live.renderers.values():
        renderer.keys.__dict__.pop("listing_digest", None)  # it includes the pages' digests
    units = affected_units(live, set(fresh))
    scratch = live.output_dir / ".rerender"
    try:
        results = render_units(units, scratch)
        if results is None:
            return None
        with guard():
            for (page, renderer), _ in results:
                name = renderer.group.name
                dest = live.output_dir / name / page.output
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(scratch / name / page.output, dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    # The build cache on disk is left as it is: the next build sees these pages changed
    # since it was written, and renders them again.
    rendered: dict[str, int] = {}
    for (_page, renderer), _result in results:
        rendered[renderer.group.name] = rendered.get(renderer.group.name, 0) + 1
    return rendered


def reload_bodies(live: LiveSite, changed: list[Path]) -> dict[str, Page] | None:
    """The changed pages loaded again, or None unless each is a known page whose header
    is as it was and loads without a problem."""
    config = live.config
    fresh: dict[str, Page] = {}
    for path in changed:
        root = next((folder for folder, _ in config.content_roots()
                     if path.is_relative_to(folder)), None)
        if path.suffix != ".md" or root is None:
            return None
        if not leads_inside(path, root):
            return None  # now a link out of content/: the build reports it, never reads it
        content_path = content_path_of(path, config)
        old = live.pages.get(content_path) if content_path is not None else None
        if content_path is None or old is None or not path.is_file():
            return None  # a new, deleted or renamed page changes listings
        problems = Problems()
        try:
            page = load_page(config, path, problems)
        except (ContentError, OSError):
            return None
        if problems.items or page_outline(page) != page_outline(old):
            return None
        page.body  # read it now, while the file is as the author saved it  # noqa: B018
        fresh[content_path] = page
    return fresh


def affected_units(live: LiveSite, changed: set[str]) -> list[tuple[Page, GroupRenderer]]:
    """The units that show a changed body: the pages themselves, and listings of bodies."""
    units = []
    for renderer in live.renderers.values():
        for output, result in renderer.out.units.items():
            page = renderer.page_of.get(output)
            if page is not None and not untouched_result(page, result, changed):
                units.append((page, renderer))
    return units


def untouched_result(page: Page, result: UnitResult, changed: set[str]) -> bool:
    # A link to a changed page shows its URL and title, which are as they were; the
    # anchors it points to are checked again by `replace_unit`.
    if page.content_path in changed:
        return False
    return not any(dep[0] == "pages" for dep in result.deps)


def render_units(units: list[tuple[Page, GroupRenderer]],
                 scratch: Path) -> list[tuple[tuple[Page, GroupRenderer], UnitResult]] | None:
    """Render each unit into the scratch folder and check its links; None on any problem."""
    done = []
    for page, renderer in units:
        (scratch / renderer.group.name).mkdir(parents=True, exist_ok=True)  # see render_unit
        result = renderer.render_unit(page, scratch / renderer.group.name)
        problems = Problems()
        if not result.ok or result.problems or not renderer.replace_unit(page, result, problems):
            return None
        if problems.items:
            return None
        done.append(((page, renderer), result))
    flush_bodies(units)
    return done

