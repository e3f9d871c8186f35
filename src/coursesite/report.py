"""Reporters: the build core tells a reporter what happened and never prints."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TextIO

import click
from click._termui_impl import ProgressBar

from coursesite.errors import Diagnostic


@dataclass
class GroupSummary:
    group: str
    pages: int
    images: int
    seconds: float


class Reporter:
    """Receives diagnostics, stage timings and per-group summaries; keeps them."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.stages: list[tuple[str, float]] = []
        self.summaries: list[GroupSummary] = []
        self.notes: list[str] = []

    def diagnostic(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def stage(self, name: str, seconds: float) -> None:
        self.stages.append((name, seconds))

    def group_built(self, summary: GroupSummary) -> None:
        self.summaries.append(summary)

    def note(self, text: str) -> None:
        """Something the user should know that is no problem of the site (a wait, say)."""
        self.notes.append(text)

    def progress(self, done: int, total: int, label: str = "images") -> None:
        """Work done so far (images processed, files published); a bar on a terminal."""


@dataclass
class ConsoleReporter(Reporter):
    """Prints diagnostics to stderr and summaries to stdout, as the CLI wants."""

    quiet: bool = False
    verbose: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)

    def __post_init__(self) -> None:
        Reporter.__init__(self)
        self._bar: ProgressBar[int] | None = None

    def diagnostic(self, diagnostic: Diagnostic) -> None:
        super().diagnostic(diagnostic)
        print(diagnostic.format(), file=self.err)

    def stage(self, name: str, seconds: float) -> None:
        super().stage(name, seconds)
        if self.verbose:
            print(f"  {name:<10} {seconds:7.3f} s", file=self.err)

    def note(self, text: str) -> None:
        super().note(text)
        if not self.quiet:
            print(text, file=self.err)

    def progress(self, done: int, total: int, label: str = "images") -> None:
        if self.quiet or not self.err.isatty() or os.environ.get("CI"):
            return  # a bar belongs on a terminal, not in a CI log
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=label, file=self.err)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)
        if done >= total:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def group_built(self, summary: GroupSummary) -> None:
        super().group_built(summary)
        if not self.quiet:
            print(
                f"{summary.group}: {_count(summary.pages, 'page')},"
                f" {_count(summary.images, 'image')} in {summary.seconds:.2f} s",
                file=self.out,
            )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
