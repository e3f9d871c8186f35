"""Search: a Pagefind index per group, made from the group's written pages.

Pagefind (the `pagefind[bin]` package ships its binary) reads the HTML the
build wrote and indexes what the layouts mark `data-pagefind-body`: listed
pages only, never hidden pages, redirects or the 404 page. The index goes to
`output/<group>/pagefind/`, made beside the group's folder and swapped in, and is made again only
when the group's output changed. The theme's script loads it on first use, from
the site itself. Pagefind has `limits.search_seconds` per group: past that it is
stopped and the build fails, the old index left as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from coursesite.build.output import STAGING, mark, remove_staging, unmark
from coursesite.config.site import SiteConfig
from coursesite.errors import Problems
from coursesite.programs import Deadline, Ran, TimedOut, run

BUNDLE = "pagefind"


def index_group(folder: Path, config: SiteConfig, problems: Problems,
                guard: Callable[[], AbstractContextManager[Any]] = nullcontext,
                before_swap: Callable[[Path], bool] | None = None) -> bool:
    """Make the group's search index aside, then swap it in (holding `guard` for the swap);
    False, with a warning, when it cannot be made (an error when Pagefind ran out of
    time). `before_swap` is shown the new index before it goes live, and may refuse it."""
    # Beside the group's folder, not in it: a build stopped meanwhile leaves nothing that
    # would be published, and the next build removes what it left (remove_stale_staging).
    tag = f"{folder.name}-{os.getpid()}-{threading.get_ident()}"
    fresh = folder.parent / f"{STAGING}search-new-{tag}"
    old = folder.parent / f"{STAGING}search-old-{tag}"
    mark(fresh)
    mark(old)
    ran = pagefind(folder, fresh, config, problems)
    problem = None if ran is None else unusable(ran, fresh, before_swap)
    if ran is None or problem:
        remove_staging(fresh)
        unmark(old)
        if problem:  # else out of time: an error in `problems` says so
            problems.warning(config.rel(folder), None,
                             f"the search index could not be made: {problem}",
                             "free some space, reinstall coursesite (pagefind[bin]), or set "
                             "'search: false'; the old index is left as it was")
        return False
    target = folder / BUNDLE
    with guard():
        if target.exists():
            os.replace(target, old)
        os.replace(fresh, target)
    unmark(fresh)
    remove_staging(old)
    return True


def pagefind(folder: Path, fresh: Path, config: SiteConfig, problems: Problems) -> Ran | None:
    """Pagefind run on the group's folder, writing the index to `fresh`; None (an error
    in `problems`) when it took longer than limits.search_seconds."""
    language = config.language.split("-")[0]
    command = [sys.executable, "-m", "pagefind", "--site", str(folder), "--output-path",
               str(fresh), "--force-language", language, "--silent"]
    try:
        return run(command, Deadline(config.limits.search_seconds, "limits.search_seconds"),
                   site=config.root)
    except TimedOut as exc:
        problems.error(config.rel(folder), None,
                       exc.describe(f"Pagefind, indexing group {folder.name},"),
                       f"{exc.hint}; the old search index is left as it was")
        return None


def unusable(ran: Ran, fresh: Path, before_swap: Callable[[Path], bool] | None) -> str | None:
    """Why the index Pagefind made cannot go live, or None."""
    if ran.returncode != 0:
        return f"Pagefind exited with status {ran.returncode}{ran.stderr.indented()}"
    problem = unsound(fresh)
    if problem is None and before_swap and not before_swap(fresh):
        problem = "the build state cannot list its files"
    return problem


def unsound(index: Path) -> str | None:
    """Why a new index cannot be used (Pagefind ends well even when a write failed, on a
    full disk, leaving empty files), or None."""
    if not (index / "pagefind.js").is_file():
        return "Pagefind wrote no pagefind.js"
    for path in index.rglob("*"):
        if path.is_file() and path.stat().st_size == 0:
            return f"Pagefind left {path.relative_to(index).as_posix()} empty"
    try:
        json.loads((index / "pagefind-entry.json").read_bytes())
    except (OSError, ValueError):
        return "Pagefind's pagefind-entry.json cannot be read"
    return None


def remove_index(folder: Path) -> None:
    """`search: false`: an index left from earlier builds goes."""
    shutil.rmtree(folder / BUNDLE, ignore_errors=True)
