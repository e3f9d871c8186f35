"""`markdown_extensions:` of site.yaml: more Python-Markdown extensions, checked by
loading each one once, so that a misspelt name or option is a site.yaml error.

Written as MkDocs has it: a list of names, or of one-key mappings from a name to
its options (`- pymdownx.smartsymbols: {fractions: false}`).
"""

from __future__ import annotations

import importlib.metadata
import json
import pkgutil
from dataclasses import dataclass
from typing import Any

from coursesite.config.schema import KeyPath, Kind, Reader, Text, dotted, kind_of
from coursesite.errors import ConfigError, did_you_mean

# What every page gets already (markdown/extensions.py), with coursesite's own options:
# naming one is allowed (a list copied from mkdocs.yml), giving it options is not.
BUILT_IN = frozenset({
    "tables", "fenced_code", "codehilite", "footnotes", "attr_list", "def_list", "abbr",
    "admonition", "md_in_html", "toc", "pymdownx.details", "pymdownx.tasklist",
    "pymdownx.mark", "pymdownx.tilde", "pymdownx.caret", "pymdownx.keys", "pymdownx.tabbed",
})


# Extensions that would undo what coursesite guarantees.
REFUSED = {
    "meta": "coursesite reads the page's header itself; meta would take a body's first "
            "'Key: value' lines",
    "pymdownx.snippets": "it reads files from anywhere, which the build neither checks nor "
                         "follows for changes",
    "pymdownx.b64": "it reads images from anywhere, which the build neither checks nor "
                    "follows for changes",
}


@dataclass(frozen=True)
class MarkdownExtension:
    """One extension of `markdown_extensions:`; its options kept as JSON text, so that
    the settings stay hashable (they are part of every page's key)."""

    name: str
    options_json: str = "{}"

    @property
    def options(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.options_json)
        return loaded


@dataclass(frozen=True)
class MarkdownExtensions(Kind):
    def read(self, reader: Reader, value: Any, path: KeyPath) -> tuple[MarkdownExtension, ...]:
        if not isinstance(value, list):
            raise reader.fail(path, f"'{dotted(path)}' must be a list, not {kind_of(value)}")
        chosen: list[MarkdownExtension] = []
        for index, item in enumerate(value):  # every item's mistake, in one run
            try:
                extension = self._extension(reader, item, (*path, index))
                if extension is not None and extension.name in {e.name for e in chosen}:
                    raise reader.fail((*path, index), f"'{extension.name}' is listed twice",
                                      "keep one, with all its options")
            except ConfigError as error:
                reader.errors.append(error)
                continue
            if extension is not None:
                chosen.append(extension)
        return tuple(chosen)

    def _extension(self, reader: Reader, item: Any,
                   where: KeyPath) -> MarkdownExtension | None:
        name, options = self._item(reader, item, where)
        short = name.removeprefix("markdown.extensions.")
        if short in REFUSED:
            raise reader.fail(where, f"'{name}' cannot be used: {REFUSED[short]}",
                              "remove it from markdown_extensions")
        if short in BUILT_IN:
            if options:
                raise reader.fail(where, f"'{name}' is on already, with coursesite's "
                                  "own options", f"remove the options of '{name}'")
            return None
        problem = load_problem(name, options)
        if problem:
            raise reader.fail(where, problem[0], problem[1])
        return MarkdownExtension(name, json.dumps(options, sort_keys=True))

    @staticmethod
    def _item(reader: Reader, item: Any, where: KeyPath) -> tuple[str, dict[str, Any]]:
        if not isinstance(item, dict):
            return Text().read(reader, item, where), {}
        if len(item) != 1:
            raise reader.fail(where, "an extension with options is one name and its options",
                              "write '- pymdownx.smartsymbols: {fractions: false}'")
        name, options = next(iter(item.items()))
        options = {} if options is None else options
        if not isinstance(options, dict):
            raise reader.fail(where, f"the options of '{name}' must be a mapping, "
                              f"not {kind_of(options)}")
        try:
            json.dumps(options)
        except (TypeError, ValueError):
            raise reader.fail(where, f"the options of '{name}' must be plain values") from None
        return str(name), options

    def describe(self) -> str:
        return "a list of Python-Markdown extension names (or name: {options})"


def load_problem(name: str, options: dict[str, Any]) -> tuple[str, str] | None:
    """Why Python-Markdown cannot load the extension with these options (message, hint),
    or None when it can."""
    from markdown import Markdown  # only for a site that names extensions

    if not name.strip():
        return "an extension needs a name", "name a Python-Markdown extension, e.g. smarty"
    try:
        Markdown(extensions=[name], extension_configs={name: options})
    except ImportError:
        return (f"unknown Markdown extension '{name}'",
                did_you_mean(name, known_names())
                or "name a Python-Markdown extension (e.g. smarty, "
                   "pymdownx.smartsymbols) installed with coursesite")
    except AttributeError:
        return (f"'{name}' is no Markdown extension (it has no makeExtension)",
                "name a Python-Markdown extension, e.g. smarty or pymdownx.smartsymbols")
    except TypeError as exc:
        return (f"extension '{name}' does not take the options given: {exc}",
                "see the extension's documentation for its options")
    except KeyError as exc:
        return (f"extension '{name}' has no option {exc}",
                "see the extension's documentation for its options")
    except ValueError as exc:
        return (f"extension '{name}' does not take the options given: {exc}",
                "see the extension's documentation for its options")
    return None


def known_names() -> list[str]:
    """The extensions installed: Python-Markdown's own and pymdown-extensions'."""
    names = [entry.name for entry in importlib.metadata.entry_points(group="markdown.extensions")]
    import pymdownx  # a dependency of coursesite
    return names + [f"pymdownx.{module.name}" for module in pkgutil.iter_modules(pymdownx.__path__)]
