"""Nothing a page or layout prints may change from one build of the same input to the next.

Jinja2's defaults that make up random output (lipsum's words, random's choice) are
taken out of the bodies' and the layouts' environments, since the same input must
give the same bytes; anything printed with a memory address is refused as well.
"""

from __future__ import annotations

import re
from typing import Any

import jinja2

UNREPRODUCIBLE = {
    "lipsum": "write the placeholder text out",
    "random": "choose one yourself, e.g. with |first, |last or [n]",
}
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")

UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined")
NO_FILTER = re.compile(r"No filter named '([^']+)'")


class NotReproducible(Exception):
    """A value whose text holds a memory address, different in every build."""

    hint = ("turn it into text: |list or |join(', ') for what a filter such as map gives, "
            "'()' to call a function")

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def message(self) -> str:
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"this prints as '{shown}', which changes from build to build"


def reproducible(value: Any) -> Any:
    """The finalize of both environments: what `{{ }}` prints, unless it has an address."""
    if isinstance(value, str | int | float | jinja2.Undefined) or value is None:
        return value  # nearly every value: no need to make it into text twice
    if not hasattr(value, "__html__") and ADDRESS.search(text := str(value)):
        raise NotReproducible(text)
    return value


def make_reproducible(env: jinja2.Environment) -> None:
    for name in UNREPRODUCIBLE:
        env.globals.pop(name, None)
        env.filters.pop(name, None)
    env.finalize = reproducible


def unreproducible(message: str) -> str | None:
    """The default taken out (see UNREPRODUCIBLE) that a Jinja2 error is about, if any."""
    found = UNDEFINED_NAME.search(message) or NO_FILTER.search(message)
    return found.group(1) if found and found.group(1) in UNREPRODUCIBLE else None


def not_available(name: str, where: str) -> str:
    return f"'{name}' is not available in a {where}: its output changes from build to build"
