"""Search: a Pagefind index per group, made from the group's written pages.

Pagefind (the `pagefind[bin]` package ships its binary) reads the HTML the
build wrote and indexes what the layouts mark `data-pagefind-body`: listed
pages only, never hidden pages, redirects or the 404 page. The index goes to
`output/<group>/pagefind/`, made beside the group's folder and swapped in, and is made again only
when the group's output changed. The theme's script loads it on first use, from
the site itself.
"""

from __future__ import annotations

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
                guard: Callable[[], AbstractContextManager[Any]] = nullcontext) -> bool:
    """Make the group's search index aside, then swap it in (holding `guard` for the swap);
    False, with a warning, when it cannot be made."""
    # Beside the group's folder, not in it: a build stopped meanwhile leaves nothing that
    # would be published, and the next build removes what it left (remove_stale_staging).
    tag = f"{folder.name}-{os.getpid()}-{threading.get_ident()}"
    fresh = folder.parent / f"{STAGING}search-new-{tag}"
    old = folder.parent / f"{STAGING}search-old-{tag}"
    command = [sys.executable, "-m", "pagefind", "--site", str(folder), "--output-path",
               str(fresh), "--force-language", language.split("-")[0], "--silent"]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not (fresh / "pagefind.js").is_file():
        shutil.rmtree(fresh, ignore_errors=True)
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        problems.warning(str(folder), None,
                         f"the search index could not be made: {detail[-1] if detail else '?'}",
                         "reinstall coursesite (pagefind[bin]), or set 'search: false'")
        return False
    target = folder / BUNDLE
    with guard():
        if target.exists():
            os.replace(target, old)
        os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)
    return True


def remove_index(folder: Path) -> None:
    """`search: false`: an index left from earlier builds goes."""
    shutil.rmtree(folder / BUNDLE, ignore_errors=True)
