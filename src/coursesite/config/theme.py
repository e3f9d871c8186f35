"""The default theme and a site's overrides of it, file by file."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from coursesite.config.site import SiteConfig


def default_theme() -> Path:
    """The theme shipped in the package (a wheel), or the repository's own (a checkout)."""
    packaged = Path(str(resources.files("coursesite"))) / "theme"
    if (packaged / "templates").is_dir():
        return packaged
    # A source checkout or an editable install: the repository's templates/ and static/.
    return Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Theme:
    template_dirs: tuple[Path, ...]  # first wins
    static_dirs: tuple[Path, ...]  # first wins

    @classmethod
    def for_site(cls, config: SiteConfig) -> Theme:
        base = default_theme()
        templates = [config.templates_dir, base / "templates"]
        static = [config.static_dir, base / "static"]
        return cls(_unique(templates), _unique(static))

    def static_files(self) -> dict[str, Path]:
        """Output path -> source file, the site's files winning over the theme's."""
        files: dict[str, Path] = {}
        for folder in reversed(self.static_dirs):
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                rel = path.relative_to(folder)
                if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                    files[rel.as_posix()] = path
        return dict(sorted(files.items()))


def _unique(paths: list[Path]) -> tuple[Path, ...]:
    seen: list[Path] = []
    for path in paths:
        resolved = path.resolve()
        if resolved not in seen:
            seen.append(resolved)
    return tuple(seen)
