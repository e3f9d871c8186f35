"""The output folders: verified against the build state, written only where they differ.

A group's folder is read (a stat per file) at the start of every build and
compared with the files the state says coursesite wrote there: a file that is
missing, or whose size or mtime is not what was recorded at write time, is
written again, whatever the rest of the build believes. Files that
coursesite did not write are never changed or deleted: a folder that holds
any (outside hidden names such as `.git`) is refused before anything is
touched, and so is a folder that is a link or overlaps the project's sources.

Writing is atomic for each group's live folder: every file that must change
is first complete in a staging folder beside it (a full disk fails there),
the state lists the files about to be written, and only then are they moved
in, one rename each (a whole folder when the group had none).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coursesite.config.site import SiteConfig
from coursesite.errors import ConfigError, ContentError, SiteError
from coursesite.state.records import FileRecord
from coursesite.state.store import BuildState

SEARCH_PREFIX = "pagefind/"  # the search stage's own folder in each group (see search.py)
STAGING = ".coursesite-staging-"  # output/.coursesite-staging-<group>-<pid>/


@dataclass
class GroupFolder:
    """What a group's output folder holds now: every file, with its size and mtime (but
    the search index's, which the search stage checks: stages.index_as_written)."""

    path: Path
    on_disk: dict[str, tuple[int, int]] = field(default_factory=dict)
    odd: list[str] = field(default_factory=list)  # links and other entries not ours to touch

    @classmethod
    def read(cls, path: Path) -> GroupFolder:
        folder = cls(path)
        if path.is_dir() and not path.is_symlink():
            folder._walk(str(path), "")
        return folder

    def _walk(self, at: str, prefix: str) -> None:
        with os.scandir(at) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.name.startswith("."):
                    continue  # hidden names (.git, .DS_Store): never coursesite's
                if entry.is_symlink():
                    self.odd.append(rel)
                elif entry.is_dir():
                    if rel + "/" == SEARCH_PREFIX:
                        continue  # the search stage's, which checks its own files (a stat each)
                    self._walk(entry.path, rel + "/")
                elif entry.is_file():
                    stat = entry.stat()
                    self.on_disk[rel] = (stat.st_size, stat.st_mtime_ns)
                else:
                    self.odd.append(rel)

    @staticmethod
    def as_written(path: Path, files: Iterable[tuple[str, int, int]]) -> bool:
        """Whether every file written into the folder (`files`: each one's path in it,
        size and mtime as written) is still there as it was written: a stat of each, no
        walk (a build that changes nothing needs no more).

        Each stat is of the path below the folder (`dir_fd`), not of the whole path
        from the root: a fifth less time for 15,000 files.
        """
        try:  # a link, or not a folder: not as written
            folder = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            return False
        try:
            for rel, size, mtime in files:
                try:
                    stat = os.stat(rel, dir_fd=folder)
                except OSError:
                    return False
                if stat.st_size != size or stat.st_mtime_ns != mtime:
                    return False
        finally:
            os.close(folder)
        return True

    def verified(self, files: dict[str, FileRecord]) -> set[str]:
        """The files that are exactly as coursesite wrote them."""
        on_disk = self.on_disk
        return {rel for rel, record in files.items()
                if rel in on_disk and record.matches(*on_disk[rel])}

    def foreign(self, files: dict[str, FileRecord], wanted: dict[str, Wanted]) -> list[str]:
        """Files that the state does not say coursesite wrote, and that the build must
        not replace.

        A file at a path the build is about to write counts as coursesite's when it holds
        the very bytes the build would write, or when the state knows nothing of the
        group (a first build over an old output, or a deleted cache folder): a folder
        that coursesite is known to write cannot get someone's file replaced unseen.
        """
        found = [*self.odd]
        for rel in self.on_disk:
            if rel in files:
                continue
            want = wanted.get(rel)
            if want is None and rel.startswith(SEARCH_PREFIX):
                # The search stage's own folder, replaced whole when the index is made:
                # an index the state does not list (serve's, made after a quick edit, or
                # one the state forgot) is not someone's file.
                continue
            if want is None or (files and file_sha(self.path / rel) != want.sha):
                found.append(rel)
        return sorted(found)


@dataclass(frozen=True)
class Wanted:
    """A file the group's output must hold: its hash, and where its bytes come from."""

    sha: str
    data: bytes | None = None  # made by the build (sitemap.xml, ...)
    source: Path | None = None  # copied (static files, images)
    # Neither: a page rendered into the staging folder (or kept, when verified).


@dataclass
class Plan:
    """What writing one group changes."""

    group: str
    target: Path
    staging: Path
    place: dict[str, str] = field(default_factory=dict)  # rel -> sha
    remove: list[str] = field(default_factory=list)  # files coursesite wrote, no longer wanted
    forget: list[str] = field(default_factory=list)  # rows of files already gone

    @property
    def changes(self) -> int:
        return len(self.place) + len(self.remove)


def file_sha(path: Path) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def plan_group(group: str, folder: GroupFolder, staging: Path, wanted: dict[str, Wanted],
               state: BuildState) -> Plan:
    """Decide what changes; complete the staging folder with every file to be placed."""
    files = state.files.of(group)
    verified = folder.verified(files)
    plan = Plan(group, folder.path, staging)
    for rel, want in wanted.items():
        if rel in verified and files[rel].sha == want.sha:
            continue
        plan.place[rel] = want.sha
        dest = staging / rel
        if want.data is not None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(want.data)
        elif want.source is not None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(want.source, dest)  # a copy: a published file is no cache file
        elif not dest.is_file():
            raise AssertionError(f"{rel} was neither kept nor rendered")
    for rel in files:
        if rel not in wanted and not rel.startswith(SEARCH_PREFIX):  # the search stage's
            (plan.remove if rel in folder.on_disk else plan.forget).append(rel)
    return plan


def apply_plan(plan: Plan, state: BuildState) -> None:
    """Move the staged files into the live folder and remove those no longer wanted."""
    if not plan.changes:
        state.files.wrote(plan.group, {}, plan.forget)
        return
    if not state.files.writing(plan.group, plan.place):
        shown = os.path.relpath(state.db.path) if state.db.path.is_absolute() else state.db.path
        raise ContentError(str(shown), None, "the build state cannot be written, so no file "
                           "of the output may change", "check that the cache folder is "
                           "writable (site.yaml 'cache:'), or delete it; the output was left "
                           "as it was")
    target = plan.target
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(plan.staging, target)
        unmark(plan.staging)
    else:
        for rel in plan.place:
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(plan.staging / rel, dest)
        for rel in plan.remove:
            (target / rel).unlink(missing_ok=True)
            remove_empty_parents(target, rel)
    state.files.wrote(plan.group, stat_files(target, plan.place), [*plan.remove, *plan.forget])


def stat_files(folder: Path, shas: dict[str, str]) -> dict[str, FileRecord]:
    """The files just written, as the state keeps them: size and mtime now, and hash."""
    written = {}
    for rel, sha in shas.items():
        stat = os.stat(folder / rel)
        written[rel] = FileRecord(stat.st_size, stat.st_mtime_ns, sha)
    return written


def remove_empty_parents(target: Path, rel: str) -> None:
    parent = (target / rel).parent
    while parent != target:
        try:
            parent.rmdir()  # only when empty: a folder holding anything else stays
        except OSError:
            return
        parent = parent.parent


def staging_for(output_dir: Path, group: str) -> Path:
    """A new staging folder for this process, beside the group's output, marked as ours."""
    staging = output_dir / f"{STAGING}{group}-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.parent.mkdir(parents=True, exist_ok=True)
    mark(staging)
    staging.mkdir()
    return staging


# A folder coursesite makes beside the groups' folders has a file beside it that says so,
# written before the folder is made and removed once it is gone. Beside it, not in it:
# a staging folder becomes a group's folder, and Pagefind writes into its own.
MARK = ".made-by-coursesite"


def mark(folder: Path) -> None:
    folder.with_name(folder.name + MARK).write_text(_mark_text(folder), encoding="utf-8")


def unmark(folder: Path) -> None:
    folder.with_name(folder.name + MARK).unlink(missing_ok=True)


def remove_staging(folder: Path) -> None:
    """A folder coursesite made beside the groups' folders, and its mark."""
    shutil.rmtree(folder, ignore_errors=True)
    unmark(folder)


def _mark_text(folder: Path) -> str:
    return f"coursesite made {folder.name} beside this file, and removes both\n"


def _marked(folder: Path, partly: bool = False) -> bool:
    """Whether the folder's mark is coursesite's; `partly`: or the start of one, as a
    build killed while writing it leaves it (possibly empty)."""
    mark_file = folder.with_name(folder.name + MARK)
    try:
        if mark_file.is_symlink():
            return False
        text = mark_file.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        return False
    return text == _mark_text(folder) or (partly and _mark_text(folder).startswith(text))


def remove_stale_staging(output_dir: Path) -> list[Path]:
    """The folders left by builds that were stopped (the caller holds the site's lock):
    those marked as coursesite's are removed, and empty ones; returns the others, which
    coursesite cannot tell it made, left as they are."""
    if not output_dir.is_dir():
        return []
    left = []
    for entry in sorted(output_dir.iterdir()):
        if not entry.name.startswith(STAGING):
            continue
        if entry.name.endswith(MARK):
            folder = entry.with_name(entry.name.removesuffix(MARK))
            if _marked(folder, partly=True) and not os.path.lexists(folder):
                entry.unlink()  # its folder is gone already, or was never made
        elif entry.is_dir() and not entry.is_symlink():
            if _marked(entry):
                remove_staging(entry)
                continue
            try:
                entry.rmdir()  # empty: nothing in it can be anyone's
            except OSError:
                left.append(entry)
    return left


# -- folders that must not be written -------------------------------------------------


def check_folders(config: SiteConfig, output_dir: Path, groups: list[str],
                  preview: bool = False) -> None:
    """Refuse output folders that are links or overlap the project's own folders
    (`preview`: the output is serve's own folder in the cache)."""
    outputs = {name: output_dir / name for name in config.groups}
    if output_dir.parent == output_dir:  # `output: /`: a group named etc would write /etc
        raise _refusal(config, ("output",), f"the output folder is the root of the file "
                       f"system ({output_dir})", "choose a folder of its own, e.g. 'output: "
                       "output' or 'output: /srv/www'")
    for name in groups:
        target = outputs[name]
        where = ("output",) if ("output",) in config.lines else ("groups", name)
        for folder in (output_dir, target):
            if os.path.lexists(folder) and not folder.is_dir():  # the disk's state, not site.yaml's
                raise SiteError(config.rel(folder), None, "a file stands where coursesite "
                                "writes a folder", "move the file away, or choose another "
                                "'output:' in site.yaml")
        if target.is_symlink():
            raise _refusal(config, where, f"output/{name} is a link to {os.readlink(target)}; "
                           "coursesite writes only into real folders",
                           "replace the link by a folder, or choose another 'output:'")
        clash = _clash(config, target.resolve(), {other: path.resolve() for other, path
                                                  in outputs.items() if other != name}, preview)
        if clash is not None:
            raise _refusal(config, where, f"the output of group '{name}' "
                           f"({config.rel(target.resolve())}) overlaps {clash}",
                           "give the site an 'output:' folder of its own, e.g. 'output: output'")


def check_cache(config: SiteConfig) -> None:
    """A cache folder that cannot be one is site.yaml's mistake, said before anything fails."""
    cache = config.cache_dir
    blocked = next((p for p in (cache, *cache.parents) if os.path.lexists(p)), None)
    if blocked is not None and not blocked.is_dir():
        raise SiteError(config.rel(blocked), None, "a file stands where coursesite keeps its "
                        "cache folder", "move the file away, or choose another 'cache:' "
                        "in site.yaml")


def _clash(config: SiteConfig, folder: Path, others: dict[str, Path],
           preview: bool) -> str | None:
    """What of the project a group's output folder would write over, or None."""
    sources = {"content": config.content_dir, "templates": config.templates_dir,
               "static": config.static_dir}
    if not preview:
        sources["cache"] = config.cache_dir
    for label, source in sources.items():
        real = source.resolve()
        if folder.is_relative_to(real) or real.is_relative_to(folder):
            return f"the {label} folder ({config.rel(real)})"
    if config.root.resolve().is_relative_to(folder):
        return "the site's own folder, which holds site.yaml"
    for other, path in others.items():
        if folder.is_relative_to(path) or path.is_relative_to(folder):
            return f"the output of group '{other}'"
    return None


def foreign_files_error(config: SiteConfig, folder: Path, found: list[str]) -> ConfigError:
    shown = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
    return _refusal(config, ("groups", folder.name), f"{config.rel(folder)} holds files that "
                    f"coursesite did not write (or that it no longer knows it wrote): {shown}; "
                    "it changes nothing there", "move them away (files to publish belong in "
                    "static/); if coursesite wrote them, delete the folder: the next build "
                    "writes it anew")


def _refusal(config: SiteConfig, key_path: tuple[str, ...], message: str,
             hint: str) -> ConfigError:
    return ConfigError(config.rel(config.config_path), config.line_of(*key_path), message, hint)
