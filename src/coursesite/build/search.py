"""Search: a Pagefind index per group, made from the group's written pages.

Pagefind (the `pagefind[bin]` package ships its binary) reads the HTML the
build wrote and indexes what the layouts mark `data-pagefind-body`: listed
pages only, never hidden pages, redirects or the 404 page. The index goes to
`output/<group>/pagefind/`, made beside the group's folder and swapped in. The
theme's script loads `pagefind/pagefind.js` on first use, from the site itself.

Pagefind indexes every page it is given again, about a millisecond each: a
group of more than SHARD_PAGES pages is indexed in parts (each page in the part
its path's hash gives), at `pagefind/1/`, `pagefind/2/`, ..., and
`pagefind/pagefind.js` is a small module of ours that loads the first part and
merges the others (Pagefind's `mergeIndex`). A part is made again only when one
of its pages changed: an edit costs one part's indexing, not the group's.

Pagefind has `limits.search_seconds` per group: past that it is stopped and
the build fails, the old index left as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursesite.build.output import SEARCH_PREFIX, STAGING, mark, remove_staging, unmark
from coursesite.config.site import SiteConfig
from coursesite.digest import digest_of
from coursesite.errors import Problems
from coursesite.programs import Deadline, Ran, TimedOut, run

BUNDLE = "pagefind"
# Pages of one part of an index: Pagefind makes a part again in about 0.3 s, and each
# part is one more small index for a search to load (two files, and one per word).
SHARD_PAGES = 250
MARKER = b"data-pagefind-body"
# What a layout marks so (listing.html: a listing's items, which have pages of their own)
# is also marked data-pagefind-ignore; a part's copy of the page leaves it out, for a
# 10,000-item listing takes Pagefind 0.2 s to read.
SKIPPED_FROM = b"<!--search:skip-->"
SKIPPED = re.compile(rb"<!--search:skip-->.*?<!--/search:skip-->", re.DOTALL)
Guard = Callable[[], AbstractContextManager[Any]]
Listing = Callable[[Path, str], bool]  # (new folder, its path in the group) -> listed?


@dataclass(frozen=True)
class SearchPlan:
    """Which pages are in which part of a group's index, and what each part is made of."""

    parts: tuple[tuple[str, ...], ...]  # the HTML files of each part, by output path
    digests: tuple[str, ...]  # of each part's files and their hashes

    @classmethod
    def of(cls, pages: dict[str, str]) -> SearchPlan:
        """The plan for the HTML files `pages` (output path -> sha256)."""
        count = max(1, -(-len(pages) // SHARD_PAGES))
        parts: list[list[tuple[str, str]]] = [[] for _ in range(count)]
        for rel in sorted(pages):
            parts[part_of(rel, count)].append((rel, pages[rel]))
        return cls(tuple(tuple(rel for rel, _ in part) for part in parts),
                   tuple(digest_of(part) for part in parts))

    def changed(self, previous: object) -> set[int] | None:
        """The parts whose pages changed since `previous` (the digests of the last index);
        None when every part is to be made (none before, or another count of parts)."""
        if not isinstance(previous, list) or len(previous) != len(self.digests) \
                or len(self.digests) == 1:
            return None
        return {n for n, digest in enumerate(self.digests) if previous[n] != digest}


def part_of(rel: str, count: int) -> int:
    """A page's part: its path's hash, so that it stays in it while the count does."""
    return int.from_bytes(hashlib.sha256(rel.encode()).digest()[:4], "big") % count


def plan_of_folder(folder: Path) -> SearchPlan:
    """The plan for the HTML files in a group's folder now (serve, which keeps no state)."""
    rels = (path.relative_to(folder).as_posix() for path in folder.rglob("*.html"))
    return SearchPlan.of({rel: "" for rel in rels if not rel.startswith(SEARCH_PREFIX)})


@dataclass
class Made:
    """What an update of a group's index replaced: output paths of folders (ending in
    "/": what was under them is gone) and files."""

    replaced: list[str]

    def covers(self, rel: str) -> bool:
        return any(rel == done or (done.endswith("/") and rel.startswith(done))
                   for done in self.replaced)


def index_group(folder: Path, config: SiteConfig, problems: Problems, plan: SearchPlan,
                redo: set[int] | None = None, jobs: int = 1, guard: Guard = nullcontext,
                listing: Listing | None = None) -> Made | None:
    """Make the parts `redo` of the group's index (None: all of it) aside, then swap
    them in (holding `guard` for each swap); None, with a warning, when they cannot be
    made (an error when Pagefind ran out of time). `listing` is shown each new folder
    before it goes live, and may refuse it."""
    deadline = Deadline(config.limits.search_seconds, "limits.search_seconds")
    swap = Swap(folder, config, problems, guard, listing)
    try:
        return update(swap, plan, redo, deadline, jobs)
    except SearchTimedOut as exc:
        problems.error(config.rel(folder), None,
                       exc.timed_out.describe(f"Pagefind, indexing group {folder.name},"),
                       f"{exc.timed_out.hint}; the old search index is left as it was")
        return None


def update(swap: Swap, plan: SearchPlan, redo: set[int] | None, deadline: Deadline,
           jobs: int) -> Made | None:
    folder, config = swap.folder, swap.config
    if len(plan.parts) == 1:
        whole_made = swap.into(BUNDLE, lambda fresh: whole(folder, fresh, config, deadline))
        return swap.result() if whole_made else None
    if redo is None:
        all_made = swap.into(BUNDLE, lambda fresh: all_parts(folder, fresh, plan, config,
                                                             deadline, jobs))
        return swap.result() if all_made else None
    parts = parts_aside(folder, sorted(redo), plan, config, deadline, jobs)
    for at, (n, (fresh, problem)) in enumerate(zip(sorted(redo), parts, strict=True)):
        if not swap.part(n, fresh, problem):
            for left, _ in parts[at + 1:]:
                if left is not None:
                    remove_staging(left)
            return None
    return swap.result() if swap.loader(len(plan.parts)) else None


class Swap:
    """New folders of a group's index, made aside and swapped in one at a time."""

    def __init__(self, folder: Path, config: SiteConfig, problems: Problems, guard: Guard,
                 listing: Listing | None):
        self.folder, self.config, self.problems = folder, config, problems
        self.guard, self.listing = guard, listing
        self.made = Made([])

    def aside(self, kind: str) -> Path:
        # Beside the group's folder, not in it: a build stopped meanwhile leaves nothing
        # that would be published, and the next build removes it (remove_stale_staging).
        tag = f"{self.folder.name}-{os.getpid()}-{threading.get_ident()}"
        path = self.folder.parent / f"{STAGING}search-{kind}-{tag}"
        mark(path)
        return path

    def into(self, rel: str, make: Callable[[Path], str | None]) -> bool:
        """Make `rel` (a folder of the group's index) aside with `make` (which returns
        what went wrong, or None), and swap it in."""
        fresh = self.aside("new")
        try:
            problem = make(fresh)
        except BaseException:
            remove_staging(fresh)
            raise
        return self.place(rel, fresh, problem)

    def part(self, number: int, fresh: Path | None, problem: str | None) -> bool:
        """Part `number` (from 0), made aside at `fresh` (None: it has no page to index)."""
        rel = f"{BUNDLE}/{number + 1}"
        if fresh is None and problem is None:  # nothing to index: no part
            with self.guard():
                shutil.rmtree(self.folder / rel, ignore_errors=True)
            self.made.replaced.append(rel + "/")
            return True
        return self.place(rel, fresh, problem)

    def place(self, rel: str, fresh: Path | None, problem: str | None) -> bool:
        if fresh is not None and problem is None:
            problem = unsound(fresh)
        if problem is None and fresh is not None and self.listing is not None \
                and not self.listing(fresh, rel + "/"):
            problem = "the build state cannot list its files"
        if problem is not None or fresh is None:
            if fresh is not None:
                remove_staging(fresh)
            self.refuse(problem)
            return False
        old = self.aside("old")
        target = self.folder / rel
        with self.guard():
            if target.exists():
                os.replace(target, old)
            os.replace(fresh, target)
        unmark(fresh)
        remove_staging(old)
        self.made.replaced.append(rel + "/")
        return True

    def loader(self, count: int) -> bool:
        """pagefind/pagefind.js, to load the parts there are now."""
        parts = [str(n) for n in range(1, count + 1)
                 if (self.folder / BUNDLE / str(n) / "pagefind.js").is_file()]
        fresh = self.aside("js")
        fresh.mkdir()
        (fresh / "pagefind.js").write_text(loader_js(parts), encoding="utf-8")
        rel = f"{BUNDLE}/pagefind.js"
        if self.listing is not None and not self.listing(fresh, f"{BUNDLE}/"):
            remove_staging(fresh)
            self.refuse("the build state cannot list its files")
            return False
        with self.guard():
            os.replace(fresh / "pagefind.js", self.folder / rel)
        remove_staging(fresh)
        self.made.replaced.append(rel)
        return True

    def refuse(self, problem: str | None) -> None:
        if problem:  # else out of time: an error in `problems` says so
            self.problems.warning(self.config.rel(self.folder), None,
                                  f"the search index could not be made: {problem}",
                                  "free some space, reinstall coursesite (pagefind[bin]), "
                                  "or set 'search: false'; the old index is left as it was")

    def result(self) -> Made:
        return self.made


def whole(folder: Path, fresh: Path, config: SiteConfig, deadline: Deadline) -> str | None:
    """The group's one index, of its whole folder, into `fresh`."""
    return failed(pagefind(folder, fresh, config, deadline))


def all_parts(folder: Path, fresh: Path, plan: SearchPlan, config: SiteConfig,
              deadline: Deadline, jobs: int) -> str | None:
    """Every part of the group's index, and the loader, into `fresh`."""
    fresh.mkdir()
    made = parts_aside(folder, list(range(len(plan.parts))), plan, config, deadline, jobs)
    problem = next((problem for _, problem in made if problem is not None), None)
    names = []
    for n, (part, _) in enumerate(made):
        if part is not None and problem is not None:
            remove_staging(part)
        elif part is not None:
            names.append(str(n + 1))
            os.replace(part, fresh / str(n + 1))
            unmark(part)
    (fresh / "pagefind.js").write_text(loader_js(names), encoding="utf-8")
    return problem


def parts_aside(folder: Path, numbers: list[int], plan: SearchPlan, config: SiteConfig,
                deadline: Deadline, jobs: int) -> list[tuple[Path | None, str | None]]:
    """The parts `numbers` made aside, `jobs` at a time (Pagefind runs, the threads wait);
    when one ran out of time, the others made are removed and that is raised."""
    # Here, not at the top: with logging, a twentieth of a build that changes nothing.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = [pool.submit(part_aside, folder, n, plan.parts[n], config, deadline)
                   for n in numbers]
    made: list[tuple[Path | None, str | None]] = []
    timed_out = None
    for future in futures:
        try:
            made.append(future.result())
        except SearchTimedOut as exc:
            timed_out = timed_out or exc
            made.append((None, ""))
    if timed_out is not None:
        for fresh, _ in made:
            if fresh is not None:
                remove_staging(fresh)
        raise timed_out
    return made


def part_aside(folder: Path, number: int, pages: Iterable[str], config: SiteConfig,
               deadline: Deadline) -> tuple[Path | None, str | None]:
    """One part of the index, made aside from a folder of links to its pages: the
    folder and None; (None, None) when none of the pages is one to index; (None, what
    went wrong) when it cannot be made ("" when out of time: an error says so)."""
    tag = f"{folder.name}-{os.getpid()}-{threading.get_ident()}-{number}"
    view = folder.parent / f"{STAGING}search-view-{tag}"
    fresh = folder.parent / f"{STAGING}search-part-{tag}"
    mark(view)
    mark(fresh)
    try:
        if not link_pages(folder, view, pages):
            unmark(fresh)
            return None, None
        problem = failed(pagefind(view, fresh, config, deadline))
    except BaseException:
        remove_staging(fresh)
        raise
    finally:
        remove_staging(view)
    if problem is not None:
        remove_staging(fresh)
        return None, problem
    return fresh, None


def link_pages(folder: Path, view: Path, pages: Iterable[str]) -> int:
    """The pages to index among `pages` (those the layouts mark), linked into `view`
    at their paths: Pagefind indexes a folder, and its URLs are the paths in it."""
    count = 0
    for rel in pages:
        source = folder / rel
        with open(source, "rb") as file:
            html = file.read()
        if MARKER not in html:
            continue
        target = view / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        count += 1
        if SKIPPED_FROM in html:  # a listing: what Pagefind would ignore, it need not read
            target.write_bytes(searched(html))
            continue
        try:
            os.link(source, target)
        except OSError:  # a file system without hard links
            shutil.copyfile(source, target)
    return count


def searched(html: bytes) -> bytes:
    """What a part's Pagefind reads of a page."""
    return SKIPPED.sub(b"", html) if SKIPPED_FROM in html else html


def searched_sha(path: Path) -> str:
    """The hash of what a part's Pagefind reads of the page at `path` ("" when unreadable:
    its part is made again, and Pagefind's run says what is wrong)."""
    try:
        return hashlib.sha256(searched(path.read_bytes())).hexdigest()
    except OSError:
        return ""


def pagefind(site: Path, fresh: Path, config: SiteConfig, deadline: Deadline) -> Ran:
    """Pagefind run on `site`, writing the index to `fresh` (SearchTimedOut when it took
    longer than limits.search_seconds)."""
    language = config.language.split("-")[0]
    command = [*pagefind_command(), "--site", str(site), "--output-path",
               str(fresh), "--force-language", language, "--silent"]
    try:
        return run(command, deadline, site=config.root, with_us=True)
    except TimedOut as exc:
        raise SearchTimedOut(exc) from None


def pagefind_command() -> list[str]:
    """The binary of `pagefind[bin]` itself: `python -m pagefind` finds the same one, but
    starts a Python first (0.08 s a part, most of a small part's time)."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]

        return [str(get_executable())]
    except (ImportError, FileNotFoundError):  # pagefind without its binary package
        return [sys.executable, "-m", "pagefind"]


class SearchTimedOut(Exception):
    """Pagefind out of time in a part: raised through the threads that wait on parts."""

    def __init__(self, timed_out: TimedOut):
        super().__init__(str(timed_out))
        self.timed_out = timed_out


def failed(ran: Ran) -> str | None:
    if ran.returncode != 0:
        return f"Pagefind exited with status {ran.returncode}{ran.stderr.indented()}"
    return None


def unsound(index: Path) -> str | None:
    """Why a new index (or one part) cannot be used (Pagefind ends well even when a
    write failed, on a full disk, leaving empty files), or None."""
    if not (index / "pagefind.js").is_file():
        return "Pagefind wrote no pagefind.js"
    for path in index.rglob("*"):
        if path.is_file() and path.stat().st_size == 0:
            return f"Pagefind left {path.relative_to(index).as_posix()} empty"
    parts = [path for path in index.iterdir() if path.is_dir() and path.name.isdigit()]
    if not parts and (index / "pagefind.js").read_text(errors="replace") == NO_PARTS:
        return None
    for entry in parts or [index]:  # the folder of the parts: each part has its own
        try:
            json.loads((entry / "pagefind-entry.json").read_bytes())
        except (OSError, ValueError):
            return "Pagefind's pagefind-entry.json cannot be read"
    return None


LOADER = """\
// Made by coursesite: this group's search index is in parts ({parts}), each a Pagefind
// index; this module loads the first and merges the others into every search.
const parts = {names};
const here = new URL(".", import.meta.url).href;
const first = await import(here + parts[0] + "/pagefind.js");
let merged = null;
export async function options(settings) {{
  await first.options(settings);
  // All at once: one after the other, a first search would wait for each in turn.
  if (!merged) merged = Promise.all(parts.slice(1).map((part) =>
    first.mergeIndex(here + part + "/", settings)));
  await merged;
}}
export const init = (...args) => first.init(...args);
export const search = (...args) => first.search(...args);
export const debouncedSearch = (...args) => first.debouncedSearch(...args);
export const preload = (...args) => first.preload(...args);
export const filters = (...args) => first.filters(...args);
export const mergeIndex = (...args) => first.mergeIndex(...args);
export const destroy = (...args) => first.destroy(...args);
"""


# A group of many pages none of which is to be indexed: every search finds nothing.
NO_PARTS = """\
// Made by coursesite: no page of this group is to be indexed.
export async function options() {}
export async function init() {}
export async function search() { return { results: [] }; }
export const debouncedSearch = search;
"""


def loader_js(parts: list[str]) -> str:
    return LOADER.format(parts=len(parts), names=json.dumps(parts)) if parts else NO_PARTS


def remove_index(folder: Path) -> None:
    """`search: false`: an index left from earlier builds goes."""
    shutil.rmtree(folder / BUNDLE, ignore_errors=True)
