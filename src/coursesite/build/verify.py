"""The output is verified, not trusted: what each group's folder holds now.

Two questions, each answered ahead of the stage that needs it, by a forked
process where the build has a core to spare (parallel.Ahead):
- at the scan: is each group's folder as the last good build left it (a stat
  of each file it wrote)? If so, and nothing else changed, the build is a no-op;
- at the render: what does each folder about to be written hold (a walk)? The
  write stage refuses files coursesite did not write and restores changed ones.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coursesite.build import output, stages
from coursesite.build.output import GroupFolder
from coursesite.config.site import SiteConfig
from coursesite.parallel import Ahead
from coursesite.state.store import BuildState


class OutputCheck:
    """What the output folders of one build's groups hold, found ahead."""

    def __init__(self, config: SiteConfig, state: BuildState, output_dir: Path,
                 chosen: Sequence[str], *, forks: bool, trusts_survey: bool):
        self.config, self.state, self.output_dir, self.chosen = config, state, output_dir, chosen
        self.forks = forks
        # BUILD holds the site lock from the scan to the write: no one else writes.
        self.trusts_survey = trusts_survey
        self.survey: Ahead | None = None  # the output folders' files, stat'ed (scan)
        self.walks: Ahead | None = None  # the folders to be written, walked (render)
        self.walked: list[str] = []  # their groups, in the order of the walks

    def start_survey(self) -> None:
        def as_written() -> dict[str, bool]:
            found = {}
            for name in self.chosen:
                summary = self.state.summary(name)
                found[name] = summary is not None and self.left_as_written(name, summary)
            return found

        self.survey = Ahead([as_written], self.forks)

    def start_walks(self, names: list[str]) -> None:
        self.walked = names
        self.walks = Ahead([functools.partial(GroupFolder.read, self.output_dir / name)
                            for name in names], self.forks)

    def as_written(self) -> dict[str, bool]:
        """Whether each group's folder, its search index too, is as last written."""
        assert self.survey is not None, "started by the scan"
        found: dict[str, bool] = self.survey.get(0)
        return found

    def written_shas(self, name: str) -> dict[str, str]:
        """The hash of each file of the group's output that is on disk as written."""
        files = self.state.files.of(name)
        if self.trusts_survey and self.as_written()[name]:
            # All as written at the scan (the lock keeps others out since): no walk
            # needed until the write stage, which the walk's fork does meanwhile.
            return {rel: record.sha for rel, record in files.items()
                    if not rel.startswith(output.SEARCH_PREFIX)}  # as the walk leaves them
        return stages.written_shas(self.folder(name), files)

    def folder(self, name: str) -> GroupFolder:
        """Everything the group's output folder holds (a walk)."""
        assert self.walks is not None, "started by the render stage"
        found: GroupFolder = self.walks.get(self.walked.index(name))
        return found

    def left_as_written(self, name: str, summary: dict[str, Any]) -> bool:
        folder, files = self.output_dir / name, self.state.files.stats(name)
        return GroupFolder.as_written(folder, files) and stages.search_was_made(
            self.config, folder, summary, (rel for rel, _, _ in files))

    def close(self) -> None:
        for ahead in (self.survey, self.walks):
            if ahead is not None:
                ahead.close()
