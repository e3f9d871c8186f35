"""Advice for a tree laid out the Pelican way: what to add to site.yaml (SPEC §7).

A Pelican multi-site tree keeps each site's own pages in `website-<site>/content/`
and its URL patterns in `website-<site>/pelicanconf.py`. Without the site.yaml keys
that say so, those pages would silently be no pages, and articles would land at
other URLs: each such gap is a warning that names the key that fixes it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from coursesite.config.site import SiteConfig
from coursesite.errors import Problems

SKIPPED = ("output", "node_modules")
# Where the pages of one folder go (the real tree's hierarchy plugin): PAGE_MEMBERS_URL.
PAGE_FOLDER_URL = re.compile(r"PAGE_([A-Z0-9_]+)_URL")
PELICANS_OWN = ("lang", "draft", "draft_lang")  # PAGE_LANG_URL etc. name no folder


def pelican_advice(config: SiteConfig, problems: Problems) -> None:
    """Warn about each gap between the tree's layout and site.yaml, with its fix."""
    _unclaimed_folders(config, problems)
    for name, group in config.groups.items():
        folder = group.content_dir.parent if group.content_dir else config.root / f"website-{name}"
        conf = folder / "pelicanconf.py"
        if conf.is_file():
            settings = _text_settings(conf)
            _url_patterns(config, name, conf, settings, problems)


def _unclaimed_folders(config: SiteConfig, problems: Problems) -> None:
    """`website-<site>/content/` folders that are no group's content folder."""
    claimed = {folder.resolve() for folder, _ in config.content_roots()}
    try:
        folders = sorted(p for p in config.root.iterdir() if p.is_dir()
                         and not p.name.startswith(".") and p.name not in SKIPPED)
    except OSError:
        return
    for folder in folders:
        content = folder / "content"
        if not content.is_dir() or content.resolve() in claimed or config.output_dir == folder:
            continue
        pages = sum(1 for _ in zip(range(10_000), content.rglob("*.md"), strict=False))
        if not pages:
            continue
        guess = folder.name.removeprefix("website-")
        shown = config.rel(content)
        if guess in config.groups:
            hint = f"add 'content: {shown}' to group {guess} in site.yaml"
        else:
            hint = f"add 'content: {shown}' to the group these pages belong to in site.yaml"
        problems.warning(shown, None, f"{pages} page{'s' if pages > 1 else ''} here "
                         f"{'are' if pages > 1 else 'is'} in no content folder: not built",
                         hint)


def _text_settings(conf: Path) -> list[tuple[str, int, str]]:
    """The settings of a pelicanconf.py given as plain text: (name, line, value)."""
    try:
        tree = ast.parse(conf.read_text(encoding="utf-8", errors="replace"))
    except (SyntaxError, ValueError, OSError):
        return []
    return [(node.targets[0].id, node.lineno, node.value.value) for node in tree.body
            if isinstance(node, ast.Assign) and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)]


def _url_patterns(config: SiteConfig, group: str, conf: Path,
                  settings: list[tuple[str, int, str]], problems: Problems) -> None:
    """Pelican's ARTICLE_URL (where a site's news went) and PAGE_<FOLDER>_URL (where a
    folder's pages went) as `urls:` entries, where they differ from coursesite's."""
    for name, line, value in settings:
        found = PAGE_FOLDER_URL.fullmatch(name)
        folder = "news" if name == "ARTICLE_URL" else found.group(1).lower() if found else None
        pattern, urls = value.lstrip("/"), config.groups[group].urls
        if (folder in (None, *PELICANS_OWN) or not pattern
                or {folder, f"pages/{folder}"} & set(urls)):
            continue
        if pattern != f"{folder}/{{slug}}/":
            what = "articles (the news folder)" if folder == "news" else f"pages of {folder}/"
            problems.warning(config.rel(conf), line,
                             f"{what} are at '{pattern}' on {group}'s Pelican site, at "
                             f"{folder}/{{slug}}/ here",
                             f"add to group {group} in site.yaml: urls: {{{folder}: "
                             f"'{pattern}'}}")
