"""The error hierarchy and the diagnostics a build reports.

Every user mistake becomes a `Diagnostic` (path, line, message, hint). Stages
collect them instead of stopping at the first one, so one build reports every
problem; `BuildFailed` carries them all to the command line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int | None
    message: str
    hint: str | None = None
    severity: Severity = "error"
    # The groups it was found in, when that is not every group the page is built in
    # (see `once_for_all_groups`); () for a mistake that is no group's.
    groups: tuple[str, ...] = ()

    def format(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        text = f"{where}: {self.severity}: {self.message}"
        if self.groups:
            text += f" in group{'s' if len(self.groups) > 1 else ''} {', '.join(self.groups)}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class SiteError(Exception):
    """A problem the user can fix; never shown with a traceback."""

    exit_code = 1

    def __init__(self, path: str, line: int | None, message: str, hint: str | None = None):
        super().__init__(message)
        self.diagnostic = Diagnostic(path, line, message, hint)

    def __str__(self) -> str:
        return self.diagnostic.format()

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [self.diagnostic]


class ConfigError(SiteError):
    """site.yaml or the command line is wrong: exit status 2."""

    exit_code = 2


class ConfigErrors(ConfigError):
    """Every mistake found in site.yaml in one reading: the first, and the others."""

    def __init__(self, errors: list[ConfigError]):
        first = errors[0].diagnostic
        super().__init__(first.path, first.line, first.message, first.hint)
        self.all = sorted({error.diagnostic for error in errors},
                          key=lambda d: (d.line or 0, d.message))

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.all


class ContentError(SiteError):
    """A page (or something it refers to) is wrong: exit status 1."""


class TemplateError(SiteError):
    """A layout in templates/ is wrong: exit status 1."""


class BuildFailed(Exception):
    """Raised once the gather phase has found errors; carries all of them.

    `outcome` says what became of the output when that is not "left as it was"
    (an error of the search stage comes after the pages were written)."""

    def __init__(self, diagnostics: Iterable[Diagnostic], exit_code: int = 1,
                 outcome: str | None = None):
        self.diagnostics = sorted(set(diagnostics))
        self.exit_code = exit_code
        self.outcome = outcome
        super().__init__(f"{len(self.diagnostics)} error(s)")


class Problems:
    """Collects the diagnostics of one stage or a whole build."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, error: SiteError) -> None:
        self.items.append(error.diagnostic)

    def error(self, path: str, line: int | None, message: str, hint: str | None = None) -> None:
        self.items.append(Diagnostic(path, line, message, hint))

    def warning(self, path: str, line: int | None, message: str, hint: str | None = None) -> None:
        self.items.append(Diagnostic(path, line, message, hint, "warning"))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]


def once_for_all_groups(items: Iterable[Diagnostic],
                        groups_of: Mapping[str, Sequence[str]]) -> list[Diagnostic]:
    """Each diagnostic once, in the order first found. One found in some groups (its
    `groups`) names them, unless it is found in every group its path is built in
    (`groups_of`), or as no group's: then it is the same everywhere and names none."""
    order: list[Diagnostic] = []
    found_in: dict[Diagnostic, list[str] | None] = {}  # None: found as no group's
    for item in items:
        key = replace(item, groups=()) if item.groups else item
        if key not in found_in:
            order.append(key)
            found_in[key] = []
        names = found_in[key]
        if names is not None:
            found_in[key] = [*names, *(g for g in item.groups if g not in names)] \
                if item.groups else None
    merged = []
    for key in order:
        names, every = found_in[key], list(groups_of.get(key.path, ()))
        if not names or set(every) <= set(names):
            merged.append(key)
        else:
            names.sort(key=lambda name: every.index(name) if name in every else len(every))
            merged.append(replace(key, groups=tuple(names)))
    return merged


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to `word`, or None when nothing is close."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choice, or None when nothing is close."""
    match = closest(word, choices)
    return f"did you mean '{match}'?" if match is not None else None
