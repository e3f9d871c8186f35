"""YAML with line numbers, so that a wrong key can be reported at its line."""

from __future__ import annotations

from typing import Any

import yaml

KeyPath = tuple[str | int, ...]


class YamlSyntaxError(Exception):
    def __init__(self, line: int, message: str, hint: str | None = None):
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint  # None: the caller's hint for its kind of file


def load(text: str, first_line: int = 1) -> tuple[Any, dict[KeyPath, int]]:
    """Parse YAML text; return the value and the line of every mapping key.

    `first_line` is the file line on which `text` starts, so that lines of a
    YAML header inside a page count from the top of the page.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlSyntaxError(line, f"invalid YAML: {problem}") from None
    lines: dict[KeyPath, int] = {(): first_line}
    if node is not None:
        _collect(node, (), first_line, lines)
    return value, lines


def _collect(node: yaml.Node, path: KeyPath, first_line: int, lines: dict[KeyPath, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = first_line + key_node.start_mark.line
            if key in seen and key != "<<":
                # YAML lets the last one win, silently: one of the two is a mistake.
                raise YamlSyntaxError(line, f"the key '{key}' is given twice (also on line "
                                      f"{seen[key]})", "keep one of the two")
            seen[key] = line
            lines[(*path, key)] = line
            _collect(value_node, (*path, key), first_line, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = first_line + item.start_mark.line
            _collect(item, (*path, index), first_line, lines)


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int:
    """The line of `path`, or of its nearest ancestor that has one."""
    while path not in lines:
        path = path[:-1]
    return lines[path]
