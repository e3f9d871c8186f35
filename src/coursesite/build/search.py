"""Search: a Pagefind index per group, made from the group's written pages.

Pagefind (the `pagefind[bin]` package ships its binary) reads the HTML the
build wrote and indexes what the layouts mark `data-pagefind-body`: listed
pages only, never hidden pages, redirects or the 404 page. The index goes to
`output/<group>/pagefind/`, made beside the group's folder and swapped in, and is made again only
when the group's output changed. The theme's script loads it on first use, from
the site itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from coursesite.build.output import STAGING
from coursesite.errors import Problems

BUNDLE = "pagefind"


def index_group(folder: Path, language: str, problems: Problems,
                guard: Callable[[], AbstractContextManager[Any]] = nullcontext,
                before_swap: Callable[[Path], bool] | None = None) -> bool:
    """Make the group's search index aside, then swap it in (holding `guard` for the swap);
    False, with a warning, when it cannot be made. `before_swap` is shown the new index
    before it goes live, and may refuse it."""
    # Beside the group's folder, not in it: a build stopped meanwhile leaves nothing that
    # would be published, and the next build removes what it left (remove_stale_staging).
    tag = f"{folder.name}-{os.getpid()}-{threading.get_ident()}"
    fresh = folder.parent / f"{STAGING}search-new-{tag}"
    old = folder.parent / f"{STAGING}search-old-{tag}"
    command = [sys.executable, "-m", "pagefind", "--site", str(folder), "--output-path",
               str(fresh), "--force-language", language.split("-")[0], "--silent"]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    problem = unsound(fresh) if proc.returncode == 0 else None
    if proc.returncode != 0 or problem or (before_swap and not before_swap(fresh)):
        shutil.rmtree(fresh, ignore_errors=True)
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        problems.warning(str(folder), None, "the search index could not be made: "
                         f"{problem or (detail[-1] if detail else '?')}",
                         "free some space, reinstall coursesite (pagefind[bin]), or set "
                         "'search: false'; the old index is left as it was")
        return False
    target = folder / BUNDLE
    with guard():
        if target.exists():
            os.replace(target, old)
        os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)
    return True


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
