"""What rendering one unit (one page in one group) gathers as it goes.

A `UnitContext` is made for each unit and handed down every call that asks
something for it or reports into it: the link resolver, the image store, the
layout context's functions, the Markdown hooks. The objects that serve every
unit (the group's renderer, the image store, the linker, the body renderer)
keep nothing of the unit they are serving, so the unit's result is whatever
its context gathered, and a unit cannot leave anything behind for the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coursesite.config.site import GroupConfig
from coursesite.content import Page
from coursesite.errors import Problems
from coursesite.render.sourcelines import SourceLines


@dataclass(eq=False, slots=True)
class UnitContext:
    """One page in one group while it renders (an images.store.ImageRecorder too)."""

    page: Page
    group: GroupConfig
    problems: Problems = field(default_factory=Problems)
    # The questions asked of the linker, for the unit's cache key (build/fresh.py).
    deps: list[tuple[str, ...]] = field(default_factory=list)
    recorded: set[str] = field(default_factory=set)  # image outputs ("images/...") planned
    uses: list[tuple[str, str, int]] = field(default_factory=list)  # (image, page, line)
    # href in the output -> what the author wrote (each spelling once, in the order
    # written): the body line and words of a link's mistake.
    written: dict[str, list[str]] = field(default_factory=dict)
    # What the author wrote that could not be resolved: reported once, when it was resolved.
    failed: set[str] = field(default_factory=set)
    # Where the mistakes found while converting the body are (the n-th of a text at its
    # n-th place); the written page's links are placed afresh (`extract_links`).
    lines: SourceLines = field(init=False)

    def __post_init__(self) -> None:
        self.lines = SourceLines(self.page)
