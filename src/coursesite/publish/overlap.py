"""Targets on this machine that would overwrite the site itself.

A folder target is a mirror: with --delete, whatever in it is not in the
output goes. `publish --delete content` once removed every page and image of
the source tree, so a local target (a folder, file://, or a git+file://
repository) may not be, be inside, or contain the site folder or any folder
the site reads or writes. A folder of its own inside the site (public/ next to
site.yaml, as Hugo and MkDocs users keep it) is fine.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from coursesite.config.site import SiteConfig

OVERLAP_HINT = ("publishing there would overwrite the site's own files, and --delete would "
                "remove them; publish to a folder of its own, such as public/ next to "
                "site.yaml or a folder outside the site")
SITE = "the site folder (the one holding site.yaml)"


def local_path(target: str, root: Path) -> Path | None:
    """Where on this machine a target writes (a relative folder is the site's), or None."""
    if target.startswith("command:"):
        return None
    if "://" not in target:
        path = Path(target).expanduser()
    elif urlsplit(target).scheme in ("file", "git+file"):
        path = Path(unquote(urlsplit(target).path))
    else:
        return None
    return path if path.is_absolute() else root / path


def site_folders(config: SiteConfig) -> list[tuple[str, Path]]:
    """The folders a build reads or writes, named for messages; the most specific first."""
    def shown(path: Path) -> str:
        return config.rel(path).rstrip("/") + "/"

    groups = [(f"the output folder of group {name} ({shown(config.output_dir / name)})",
               config.output_dir / name) for name in config.groups]
    return groups + [(f"the site's {kind} folder ({shown(path)})", path) for kind, path in (
        ("output", config.output_dir), ("content", config.content_dir),
        ("templates", config.templates_dir), ("static", config.static_dir),
        ("cache", config.cache_dir))]


def overlap(target: str, config: SiteConfig) -> str | None:
    """How a local target overlaps the site ('is inside ...'), or None when it does not."""
    path = local_path(target, config.root)
    if path is None:
        return None
    here = chain(path)
    for name, folder in site_folders(config):
        if identity(folder) in here:
            return f"is {name}" if identity(folder) == here[0] else f"is inside {name}"
    # Inside the site folder but none of its own is fine (public/); the site folder itself,
    # or anything above one of the site's folders, is not.
    for name, folder in [(SITE, config.root), *site_folders(config)]:
        if here[0] in chain(folder):
            return f"is {name}" if here[0] == identity(folder) else f"contains {name}"
    return None


def chain(path: Path) -> list[object]:
    """The identities of a folder and of each one above it, the folder first."""
    path = path.resolve()  # '..' and symlinks: a link to content/ is content/
    return [identity(folder) for folder in (path, *path.parents)]


def identity(path: Path) -> object:
    """What a folder is: its device and inode when it exists (so that a bind mount or a
    case-insensitive file system cannot hide a match), else its resolved path."""
    path = path.resolve()
    try:
        stat = path.stat()
    except OSError:
        return str(path)
    return (stat.st_dev, stat.st_ino)
