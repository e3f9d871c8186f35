"""The file-system helpers every stage shares: a scan of sizes and mtimes, a walk that
keeps to its folder, and the one atomic write."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from coursesite.errors import Problems

Stats = dict[str, tuple[int, int]]  # file path -> (size, mtime in ns)


def shown_path(path: Path, root: Path) -> str:
    """A path as messages show it: relative to the site's folder, with '..' when it is
    outside it, never absolute (a message names what the author finds from the site)."""
    return Path(os.path.relpath(path, root)).as_posix()


def scan(folders: list[Path], files: Sequence[Path] = ()) -> Stats:
    """Every file below these folders, and these files, with its size and mtime.

    A stat per file, no reading: this is what lets a rebuild of an unchanged
    tree of 10,000 pages finish in well under a second. The loader takes the
    pages' stats from here rather than asking again.
    """
    found: Stats = {}
    for folder in folders:
        _scan_folder(str(folder), found)
    for file in files:
        try:
            stat = file.stat()
            found[str(file)] = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            found[str(file)] = (-1, -1)
    return found


def _scan_folder(folder: str, found: Stats) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return
    subfolders = []
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            subfolders.append(entry.path)
            continue
        if entry.is_symlink():
            # A file replaced by a link to it (same size and mtime) is another input:
            # the link itself is noted too, under a key no real path can have.
            try:
                link = entry.stat(follow_symlinks=False)
                found[f"{entry.path}\0{os.readlink(entry.path)}"] = (link.st_size,
                                                                      link.st_mtime_ns)
            except OSError:
                continue
            if entry.is_dir():
                continue  # a link to a folder is not walked (see files_inside)
        if not entry.is_file():
            continue  # a pipe or a socket: no input (reading one could wait forever)
        try:
            stat = entry.stat()
        except OSError:
            continue
        found[entry.path] = (stat.st_size, stat.st_mtime_ns)
    for subfolder in subfolders:
        _scan_folder(subfolder, found)


@dataclass(frozen=True, order=True)
class Link:
    """A symbolic link that `files_inside` did not follow."""

    rel: str  # below the walked folder ("" for the folder itself)
    target: str  # inside: its path relative to the boundary; to nothing: what it says
    folder: bool
    outside: bool  # its target is outside the boundary
    missing: bool  # it points to nothing


def files_inside(top: str, boundary: str, skip_folder: Callable[[str], bool],
                 wanted: Callable[[str], bool]) -> tuple[list[tuple[str, str]], list[Link]]:
    """The wanted files below `top`, as (path relative to it, path), sorted; and the links
    left out: to anything outside `boundary`, to nothing, and to folders.

    A link to a file inside the boundary is a file like any other. Links to
    folders are never walked (as os.walk does): that could loop, or read the
    same file twice. Only links cost a realpath; DirEntry tells them apart
    without a system call, so a tree without links costs what os.walk does.
    """
    real_boundary = os.path.join(os.path.realpath(boundary), "")
    real_top = os.path.realpath(top)
    if not os.path.isdir(top):
        return [], []
    if not os.path.join(real_top, "").startswith(real_boundary):
        return [], [Link("", "", True, True, False)]
    files: list[tuple[str, str]] = []
    links: list[Link] = []
    pending = [("", top)]
    while pending:
        prefix, folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue  # unreadable: left out, as os.walk does
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir():
                if skip_folder(rel):
                    continue
                if entry.is_symlink():
                    links.append(_link(entry.path, rel, real_boundary, True))
                else:
                    pending.append((rel + "/", entry.path))
            elif wanted(entry.name) and (entry.is_file() or entry.is_symlink()):
                link = _link(entry.path, rel, real_boundary, False) if entry.is_symlink() \
                    else None
                if link is None or not (link.outside or link.missing):
                    files.append((rel, entry.path))
                else:
                    links.append(link)
    return sorted(files), sorted(links)


def files_in_scan(stats: Stats, top: str, skip_folder: Callable[[str], bool],
                  wanted: Callable[[str], bool]) -> tuple[list[tuple[str, str]], list[Link]]:
    """What `files_inside(top, top, ...)` finds, taken from a `scan` of a folder that holds
    `top` instead of a second walk (of 10,000 pages: a twentieth of a one-page rebuild).

    The scan notes each link under a key of its own (path NUL target), so links
    are told apart as the walk tells them: only they cost a system call here.
    """
    start = os.path.join(top, "")
    real_boundary = os.path.join(os.path.realpath(top), "")
    skipped: dict[str, bool] = {"": False}
    files: list[tuple[str, str]] = []
    links: list[Link] = []
    linked = {key.partition("\0")[0] for key in stats if "\0" in key}
    for key in stats:
        path = key.partition("\0")[0]
        if not path.startswith(start) or (path in linked and path == key):
            continue  # outside `top`, or the file a link leads to (seen at its link's key)
        rel = path[len(start):].replace(os.sep, "/")
        folder, _, name = rel.rpartition("/")
        if _skipped_folder(folder, skip_folder, skipped):
            continue
        if path != key and os.path.isdir(path):  # a link to a folder: never walked
            if not skip_folder(rel):
                links.append(_link(path, rel, real_boundary, True))
        elif wanted(name):
            link = _link(path, rel, real_boundary, False) if path != key else None
            if link is None or not (link.outside or link.missing):
                files.append((rel, path))
            else:
                links.append(link)
    return sorted(files), sorted(links)


def _skipped_folder(folder: str, skip_folder: Callable[[str], bool],
                    known: dict[str, bool]) -> bool:
    """Whether the walk would not enter `folder` or a folder above it (memoised in `known`)."""
    found = known.get(folder)
    if found is None:
        parent = folder.rpartition("/")[0]
        found = known[folder] = (_skipped_folder(parent, skip_folder, known)
                                 or skip_folder(folder))
    return found


def _link(path: str, rel: str, real_boundary: str, folder: bool) -> Link:
    real = os.path.realpath(path)
    if not os.path.join(real, "").startswith(real_boundary):
        return Link(rel, "", folder, True, False)  # where it leads is not for messages
    if not os.path.exists(path):
        return Link(rel, os.readlink(path), folder, False, True)
    return Link(rel, real[len(real_boundary):].replace(os.sep, "/"), folder, False, False)


def leads_inside(path: str | Path, folder: str | Path) -> bool:
    """Whether what `path` leads to, links followed, is in `folder` (a realpath each)."""
    return os.path.join(os.path.realpath(path), "").startswith(
        os.path.join(os.path.realpath(folder), ""))


def report_links(links: list[Link], shown_top: str, shown_boundary: str, noun: str,
                 problems: Problems) -> None:
    """Each link `files_inside` left out, at its path: outside or to nothing, an error."""
    for link in links:
        shown = f"{shown_top}/{link.rel}" if link.rel else shown_top
        kind = "folder" if link.folder else noun
        if link.outside:
            what = "folder" if link.folder else "file"
            problems.error(shown, None, f"the {kind} is a link to a {what} outside "
                           f"{shown_boundary}/",
                           f"{'move' if link.folder else 'copy'} the {what} into "
                           f"{shown_boundary}/ instead of linking to it: nothing outside "
                           f"{shown_boundary}/ is read or published")
        elif link.missing:
            problems.error(shown, None,
                           f"the {kind} is a link to '{link.target}', which does not exist")
        else:
            target = "/".join(part for part in (shown_boundary, link.target) if part)
            problems.warning(shown, None, f"the folder is a link to {target}/: "
                             "links to folders are not followed",
                             f"nothing in it is read here; link its {noun}s one by one, "
                             "or move the folder")


@contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """The one atomic write: a temporary file beside `path` to write, renamed over it when
    the block ends well (a reader, or another process, sees the old file or the new one,
    never half of one), and removed when it does not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".coursesite-{os.getpid()}-{path.name}")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def make_dirs_below(top: Path, folder: Path) -> None:
    """`folder` and the folders between it and `top`, which must exist (FileNotFoundError
    when it does not): `top` itself is never made."""
    current = top
    for part in folder.relative_to(top).parts:
        current = current / part
        with suppress(FileExistsError):
            current.mkdir()
