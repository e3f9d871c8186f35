"""Writing a group into output/<group>/, once every check of the build has passed.

Pages are rendered into a staging folder beside the output. A first build, or
one that changes many files, completes the staging folder (unchanged files as
hard links to the previous output or the image cache, so they keep their
bytes, inode and mtime) and swaps it in with two renames. A rebuild that
changes a few files moves those into place one atomic rename each. Either way
nothing under output/<group>/ is touched before the whole build has succeeded.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from coursesite.digest import digest_of
from coursesite.images.store import ImageStore
from coursesite.render.group import GroupOutput
from coursesite.state.cache import BuildCache

IN_PLACE_LIMIT = 200  # changed files; more than this, and the group is swapped in whole


def write_group(staging: Path, target: Path, output: GroupOutput, images: ImageStore,
                static_files: dict[str, Path], previous: BuildCache) -> str:
    """Bring output/<group>/ up to date; returns how ('swapped' or 'updated N files').

    A first build, or one that changes many files, assembles the staging folder
    and swaps it in. A rebuild that changes a few files moves just those into
    place, each with an atomic rename, and removes what is gone: a one-page
    edit then costs a few renames instead of relinking thousands of files.
    """
    changed = [rel for rel, result in output.units.items() if not (
        result.reused or previous_digest(previous, target.name, rel) == result.digest)]
    wanted = set(output.units) | set(output.files) | set(static_files) | set(output.images)
    wanted_digest = digest_of(sorted(wanted))
    same_files = previous.wanted.get(target.name) == wanted_digest and target.is_dir()
    previous.wanted[target.name] = wanted_digest
    if not target.is_dir() or len(changed) > IN_PLACE_LIMIT:
        assemble(staging, target, output, images, static_files, previous)
        swap(staging, target)
        return "swapped"
    for rel in changed:
        replace_into(staging / rel, target / rel)
    for rel, source in static_files.items():
        place_in_target(target / rel, source.read_bytes())
    for rel, data in output.files.items():
        place_in_target(target / rel, data)
    for out in sorted(output.images):
        if not (target / out).exists() or images.plan[out].variant is None:
            place_in_target(target / out, images.file_for(out).read_bytes())
    # The same set of files as the last build: nothing can be stale (a walk of the
    # whole output costs a third of a second at 10,000 pages).
    removed = 0 if same_files else remove_others(target, wanted)
    shutil.rmtree(staging, ignore_errors=True)
    return f"updated {len(changed)} pages, removed {removed} files"


def replace_into(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, dest)


def place_in_target(dest: Path, data: bytes) -> None:
    """Replace a file of the live output atomically, and only when its bytes differ."""
    try:
        if dest.stat().st_size == len(data) and dest.read_bytes() == data:
            return
    except OSError:
        pass
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, dest)


def remove_others(target: Path, wanted: set[str]) -> int:
    """Delete the files of the live output that the new build does not have.

    The search index (pagefind/) is left for the search stage, which replaces it whole.
    """
    removed = 0
    for folder, _dirs, files in os.walk(target, topdown=False):
        rel_folder = os.path.relpath(folder, target).replace(os.sep, "/")
        prefix = "" if rel_folder == "." else rel_folder + "/"
        if prefix.startswith(("pagefind/", ".pagefind-")):
            continue
        for name in files:
            if prefix + name not in wanted:
                os.unlink(os.path.join(folder, name))
                removed += 1
        if prefix and not os.listdir(folder):
            os.rmdir(folder)
    return removed


def staging_for(target: Path) -> Path:
    """A clean folder beside the group's output for the new build of it."""
    staging = target.with_name(f".{target.name}.new")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def assemble(staging: Path, target: Path, output: GroupOutput, images: ImageStore,
             static_files: dict[str, Path], previous: BuildCache) -> None:
    """Put every file of the group into its staging folder."""
    for rel, result in output.units.items():
        old = target / rel
        if result.reused or previous_digest(previous, target.name, rel) == result.digest:
            link_or_copy(old, staging / rel)
    for rel, source in static_files.items():
        place(staging / rel, target / rel, source.read_bytes())
    for rel, data in output.files.items():
        place(staging / rel, target / rel, data)
    for out in sorted(output.images):
        planned = images.plan[out]
        if planned.variant is None:  # the author's file: copied, never linked to
            place(staging / out, target / out, images.file_for(out).read_bytes())
        else:  # cache files are written once and never changed: safe to link
            link_or_copy(images.file_for(out), staging / out)


def fingerprint(output: GroupOutput, images: ImageStore, static_files: dict[str, Path]) -> str:
    """A hash of every file the group is about to have: equal to the last one, nothing to do."""
    files = {rel: result.digest for rel, result in output.units.items()}
    files.update({rel: digest_of(data.decode("utf-8", "replace"))
                  for rel, data in output.files.items()})
    files.update({rel: f"{path.stat().st_size}:{path.stat().st_mtime_ns}"
                  for rel, path in static_files.items()})
    files.update({out: str(images.file_for(out)) for out in output.images})
    return digest_of(sorted(files.items()))


def previous_digest(cache: BuildCache, group: str, rel: str) -> str | None:
    record = cache.units.of(group).get(rel)
    return record.digest if record else None


def place(dest: Path, old: Path, data: bytes) -> None:
    """Write `data`, or link the previous output's file when it holds the same bytes."""
    try:
        if old.stat().st_size == len(data) and old.read_bytes() == data:
            link_or_copy(old, dest)
            return
    except OSError:
        pass
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)


def link_or_copy(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        dest.unlink()
    try:
        os.link(source, dest)
    except OSError:  # another file system, or links not allowed: copy instead
        shutil.copyfile(source, dest)


def swap(staging: Path, target: Path) -> None:
    """Replace output/<group>/ with its staging folder in two renames."""
    retired = target.with_name(f".{target.name}.old")
    if retired.exists():
        shutil.rmtree(retired)
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    if retired.exists():
        shutil.rmtree(retired)
