"""Rendering every unit (one page in one group): kept from the last build, or made anew.

Units whose cache key is unchanged keep their file from the previous output.
The rest are rendered, in worker processes when there are enough of them:
the workers are forked after the site is loaded, so they start with every
page, layout and setting in memory and send back only small results. Results
are taken in a fixed order whatever the number of workers, so the output is
the same byte for byte with --jobs 1 or --jobs 8.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import orjson

from coursesite.build.fresh import stale_test, unit_is_fresh
from coursesite.config.site import SiteConfig
from coursesite.content import GroupSite, Page
from coursesite.errors import Problems, once_for_all_groups
from coursesite.images.process import Variant
from coursesite.images.store import ImageStore, Planned
from coursesite.parallel import forked_map, out_of_collectors_sight
from coursesite.render.body import BodyCache, BodyRenderer
from coursesite.render.external import check_external
from coursesite.render.group import GroupOutput, GroupRenderer, UnitResult
from coursesite.render.layouts import Layouts
from coursesite.render.linkcheck import PageLinks
from coursesite.render.links import Linker
from coursesite.state.records import UnitRecord

PARALLEL_FROM = 48  # fewer units than this are rendered faster without workers
# Units per piece of work handed to a worker: small enough that the workers finish
# together (with the work cut in 12 pieces, one worker could sit idle for a piece's
# length at the end: seconds, at 10,000 pages), large enough that handing them out
# costs little beside rendering them.
CHUNK = 40
Unit = tuple[Page, GroupRenderer]


def group_renderers(config: SiteConfig, pages: list[Page], sites: dict[str, GroupSite],
                    chosen: list[str], layouts: Layouts, images: ImageStore, static: set[str],
                    store: BodyCache, problems: Problems) -> dict[str, GroupRenderer]:
    all_pages = {p.content_path: p for p in pages}
    # One for all groups: it shares Markdown work.
    bodies = BodyRenderer(layouts.loader, config.limits, store, config.markdown_extensions)
    renderers = {}
    for name in chosen:
        linker = Linker(config, sites[name], sites, all_pages)
        renderers[name] = GroupRenderer(config, sites[name], linker, bodies, layouts, images,
                                        static)
        renderers[name].begin(problems)
    return renderers


def check_external_links(outputs: dict[str, GroupOutput], problems: Problems) -> None:
    """One request per external URL of every group, each failure at every place using it."""
    merged: dict[str, list[tuple[str, int]]] = {}
    for out in outputs.values():
        for url, places in out.external.items():
            merged.setdefault(url, [])
            merged[url].extend(p for p in places if p not in merged[url])
    check_external(merged, problems)


def report_once(renderers: dict[str, GroupRenderer], problems: Problems) -> None:
    """Each mistake found while rendering once, naming the groups it was found in when
    that is not all of its page's (errors.once_for_all_groups)."""
    if not any(item.groups for item in problems.items):
        return
    groups_of: dict[str, list[str]] = {}
    for name, renderer in renderers.items():
        for page in renderer.pages():
            groups_of.setdefault(page.path, []).append(name)
    problems.items[:] = once_for_all_groups(problems.items, groups_of)


def render_order(renderers: dict[str, GroupRenderer]) -> list[Unit]:
    """Every unit, the groups of one page next to each other (they share Markdown work)."""
    order: dict[str, list[Unit]] = {}
    for renderer in renderers.values():
        for page in renderer.pages():
            key = page.content_path or f"~{renderer.group.name}:{page.output}"
            order.setdefault(key, []).append((page, renderer))
    return [unit for key in sorted(order) for unit in order[key]]


def render_all(renderers: dict[str, GroupRenderer], records: dict[str, dict[str, UnitRecord]],
               written: dict[str, dict[str, str]], stagings: dict[str, Path], jobs: int,
               bodies: set[str] | None = None) -> dict[str, dict[str, UnitRecord]]:
    """Render or keep every unit and hand each to its group; returns the new records
    (group -> output path -> record).

    `records`: per group, the state's records of its units (none: every unit is
    rendered). `written`: per group, the hash of each file that is on disk
    exactly as the state says it was written. `bodies`, when known, names
    the only pages that changed, and in their bodies alone (see fresh.py).
    """
    units = render_order(renderers)
    results: list[UnitResult | None] = []
    todo: list[int] = []
    plans: dict[str, tuple[str, Planned]] = {}  # this build's image plans of kept pages
    changed = bodies or set()
    stale = stale_test(changed, any(page.entry and page.content_path in changed
                                     for page, _ in units))
    with out_of_collectors_sight():  # what is kept lives as long as the build
        for index, (page, renderer) in enumerate(units):
            name = renderer.group.name
            record = records[name].get(page.output)
            kept = None
            if record is not None and unit_is_fresh(
                    record, written[name].get(page.output), page,
                    functools.partial(renderer.unit_key, page, record.deps), bodies, stale):
                kept = from_record(record, page, renderer, plans)
            results.append(kept)
            if kept is None:
                todo.append(index)
    for index, made in zip(todo, render(units, todo, stagings, jobs), strict=True):
        results[index] = made
    # Only bodies changed: the pages and files of every group are those of the last good
    # build, so a kept page's links still resolve; only anchors into changed pages may not.
    changed_outputs = None if bodies is None else {
        page.output for page, _ in units if page.content_path in bodies}
    fresh: dict[str, dict[str, UnitRecord]] = {name: {} for name in renderers}
    with out_of_collectors_sight():  # taken in, for the rest of the build
        for (page, renderer), result in zip(units, results, strict=True):
            assert result is not None, "every unit was kept or rendered"
            renderer.accept(page, result, changed_outputs)
            if result.record is not None:
                fresh[renderer.group.name][page.output] = result.record
    return fresh


def from_record(record: UnitRecord, page: Page, renderer: GroupRenderer,
                plans: dict[str, tuple[str, Planned]]) -> UnitResult:
    """A unit kept as the last build wrote it. `plans`: this build's image plans so far,
    by output and variant file (thousands of kept pages show the same few images)."""
    plan = [plan_from(renderer, entry, plans) for entry in record.plan]
    return UnitResult(
        renderer.group.name, page.output, bool(page.content_path), True, record.digest,
        record.size, PageLinks.stored(record.ids, record.anchored, record.links),  # type: ignore[arg-type]
        plan, [(rel, where, line) for rel, where, line in record.uses] if record.uses else [],
        [], record.deps, reused=True)


def plan_from(renderer: GroupRenderer, entry: list[Any],
              plans: dict[str, tuple[str, Planned]]) -> tuple[str, Planned]:
    out, source, variant = entry
    key = f"{out}\0{variant[-1] if variant else ''}"  # the variant's file names its settings
    found = plans.get(key)
    if found is None:
        found = plans[key] = (out, Planned(
            source, renderer.images.variant_from(variant) if variant else None))
    return found


def to_record(key: str, result: UnitResult) -> UnitRecord:
    # External links are left out: the build that checks them renders every unit.
    records = [r for r in result.links.records if r[1] is not None]
    return UnitRecord(
        key=key, digest=result.digest, size=result.size, ids=result.links.ids,
        anchored=[list(r) for r in records if "#" in r[0]],
        links=orjson.dumps(records),
        plan=[[out, planned.source, variant_to_json(planned.variant)]
              for out, planned in result.plan],
        uses=[list(use) for use in result.uses], deps=[list(dep) for dep in result.deps])


def variant_to_json(variant: Variant | None) -> list[object] | None:
    if variant is None:
        return None
    return [variant.kind, variant.width, variant.height, variant.format, variant.quality,
            os.path.basename(variant.dest)]


def render(units: list[Unit], todo: list[int], stagings: dict[str, Path],
           jobs: int) -> list[UnitResult]:
    if jobs <= 1 or len(todo) < PARALLEL_FROM:
        return render_chunk(units, todo, stagings)
    pieces = split(units, todo, max(jobs * 6, len(todo) // CHUNK))
    chunks = forked_map(lambda indices: render_chunk(units, indices, stagings), pieces, jobs)
    return [result for chunk in chunks for result in chunk]


def split(units: list[Unit], todo: list[int], count: int) -> list[list[int]]:
    """About `count` chunks of work, never splitting the groups of one page apart."""
    size = max(1, len(todo) // count)
    chunks: list[list[int]] = [[]]
    for position, index in enumerate(todo):
        same_page = position > 0 and units[todo[position - 1]][0] is units[index][0]
        if len(chunks[-1]) >= size and not same_page:
            chunks.append([])
        chunks[-1].append(index)
    return chunks


def render_chunk(units: list[Unit], indices: list[int],
                 stagings: dict[str, Path]) -> list[UnitResult]:
    results = [render_one(*units[i], stagings) for i in indices]
    # A worker is not told when it has had its last piece of work: each piece stores its own.
    flush_bodies([units[i] for i in indices])
    return results


def flush_bodies(units: list[Unit]) -> None:
    """Write the bodies these units converted to the body store."""
    for store in {id(renderer.bodies.store): renderer.bodies.store
                  for _, renderer in units}.values():
        store.flush()


def render_one(page: Page, renderer: GroupRenderer, stagings: dict[str, Path]) -> UnitResult:
    """A unit rendered, with its cache record (made here: in a worker, when parallel)."""
    result = renderer.render_unit(page, stagings[renderer.group.name])
    if result.ok:
        result.record = to_record(renderer.unit_key(page, result.deps), result)
    return result
