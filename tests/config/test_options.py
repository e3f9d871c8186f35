"""The tables of site.yaml's keys (config/options.py): each key declared once, the
models fed from them, and the README's site.yaml reference, which must show exactly
the declared keys and the default of each, so that the docs cannot drift."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from coursesite.config import options, yamltext
from coursesite.config.schema import Declared, Key, Reader, Table, dotted, key_paths
from coursesite.config.site import (
    GroupConfig,
    ImageSettings,
    Limits,
    NavItem,
    PublishSettings,
    SiteConfig,
    load_config,
)
from coursesite.errors import ConfigError
from tests.conftest import REPO

DECLARED: dict[Declared, Key | None] = dict(key_paths(options.SITE))

# Each table, the model it fills, the model's fields no key fills, the keys that fill
# no field (the code folds `command` into `target`).
MODELS: list[tuple[Table, type, set[str], set[str]]] = [
    (options.SITE, SiteConfig, {"config_path", "root", "lines"}, set()),
    (options.GROUP, GroupConfig, {"name"}, set()),
    (options.NAV, NavItem, set(), set()),
    (options.IMAGES, ImageSettings, set(), set()),
    (options.LIMITS, Limits, set(), set()),
    (options.PUBLISH, PublishSettings, {"line"}, {"command"}),
]


@pytest.mark.parametrize(("table", "model", "own", "folded"), MODELS)
def test_every_key_fills_a_field_of_its_model(table: Table, model: type, own: set[str],
                                              folded: set[str]) -> None:
    filled = {key.field or key.name for key in table.keys} - folded
    assert filled == {f.name for f in dataclasses.fields(model)} - own


def test_every_key_has_a_one_line_description() -> None:
    for path, key in DECLARED.items():
        if key is not None:
            assert key.doc.strip() and "\n" not in key.doc, ".".join(path)


def test_every_default_is_a_valid_value(tmp_path: Path) -> None:
    reader = Reader("site.yaml", {(): 1}, tmp_path)
    for path, key in DECLARED.items():
        if key is not None and not key.required and key.default is not None:
            key.kind.read(reader, key.default, path)


# --- the README's reference: the ```yaml blocks of its `## site.yaml` section


def reference() -> list[tuple[Any, dict[yamltext.KeyPath, int], list[str]]]:
    """Each block of the reference: its value, the line of each key, its lines."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## site.yaml\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert blocks, "no ```yaml block in the README's site.yaml section"
    return [(*yamltext.load(block), block.splitlines()) for block in blocks]


def matches(path: yamltext.KeyPath, declared: Declared) -> bool:
    """Whether a key of the README is a declared one; "*" is any group name or position."""
    return len(path) == len(declared) and all(
        part == "*" or str(given) == part for given, part in zip(path, declared, strict=True))


def shown_keys() -> list[yamltext.KeyPath]:
    """The README's keys: the lines also hold the items of lists, which are values."""
    return [path for _, lines, _ in reference() for path in lines
            if path and isinstance(path[-1], str)]


def suggestion(path: Declared, key: Key) -> str:
    """A line for the README, in a failure's message."""
    default = "(required)" if key.required else yaml.safe_dump(key.default).strip()
    return f"{'.'.join(path)}: {default}  # {key.doc} ({key.kind.describe()})"


def test_the_readme_shows_every_declared_key() -> None:
    shown = shown_keys()
    # A group's name or a list's entry (no key) is shown by the keys inside it.
    missing = [suggestion(path, key) for path, key in DECLARED.items()
               if key is not None and not any(matches(given, path) for given in shown)]
    assert not missing, "the README's site.yaml reference lacks:\n" + "\n".join(missing)


def test_the_readme_shows_no_undeclared_key() -> None:
    undeclared = [dotted(given) for given in shown_keys()
                  if not any(matches(given, path) for path in DECLARED)]
    assert not undeclared, f"the README shows keys options.py does not declare: {undeclared}"


def value_at(data: Any, path: yamltext.KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


def is_default(key: Key, value: Any, path: Declared, tmp_path: Path) -> bool:
    """Whether a value reads as the key's default (a mapping of defaults is the default)."""
    reader = Reader("site.yaml", {(): 1}, tmp_path)
    try:
        return bool(key.kind.read(reader, value, path) == key.kind.read(reader, key.default, path))
    except ConfigError:
        return False


def comment(line: str) -> str:
    """A line's comment; a '#' inside a value (`repo.git#gh-pages`) has no space before it."""
    return re.split(r"\s#\s", line + " # ", maxsplit=1)[1]


def documents_default(key: Key, value: Any, comment: str, path: Declared,
                      tmp_path: Path) -> bool:
    if key.required:
        return "required" in comment
    same = key.default is not None and is_default(key, value, path, tmp_path)
    if "defaults shown" in comment:
        return same
    return same or "optional" in comment or "default" in comment


def test_the_readme_shows_the_default_of_every_key(tmp_path: Path) -> None:
    """Its value is the default, or its comment says required, optional or the default."""
    undocumented = []
    for path, key in DECLARED.items():
        if key is None:
            continue
        shown = [(value_at(data, given), text[lines[given] - 1])
                 for data, lines, text in reference() for given in lines
                 if given and matches(given, path)]
        if not any(documents_default(key, value, comment(line),
                                     path, tmp_path) for value, line in shown):
            undocumented.append(suggestion(path, key))
    assert not undocumented, "the README does not show these defaults:\n" + "\n".join(
        undocumented)


def merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


def test_the_readme_reference_is_a_valid_site_yaml(tmp_path: Path) -> None:
    whole: dict[str, Any] = {}
    for data, _, _ in reference():
        merge(whole, data)
    for group in whole["groups"].values():  # a group's own content folder must exist
        if group.get("content"):
            (tmp_path / group["content"]).mkdir(parents=True)
    (tmp_path / "site.yaml").write_text(yaml.safe_dump(whole), encoding="utf-8")
    config = load_config(tmp_path / "site.yaml")
    assert len(config.groups) >= 2
