"""A command the user gives (`command: netlify deploy --dir {output} --prod`).

For hosts without a publisher of their own. `{output}` becomes the group's
output folder and `{group}` its name; without `{output}` the folder is added
as the last argument. The command is split like a shell would split it but
run without a shell, so a folder name cannot inject anything. What it prints
is shown as it comes; when it fails, its stderr is shown again under the error.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from coursesite.config.site import GroupConfig
from coursesite.programs import Deadline, TimedOut, run
from coursesite.publish.base import Progress, PublishError, PublishOptions, Summary

LEFT_TO_IT = "what the command did before it {} is up to it"


class CommandPublisher:
    def __init__(self, target: str, root: Path, seconds: int = 3600):
        self.template = target[len("command:"):].strip()
        self.root = root
        self.seconds = seconds  # limits.publish_seconds
        self.target = f"command: {self.template}"

    def arguments(self, folder: Path, group: GroupConfig) -> list[str]:
        try:
            words = shlex.split(self.template)
        except ValueError as exc:
            raise PublishError(f"cannot read the command '{self.template}': {exc}") from None
        if not any("{output}" in word for word in words):
            words.append("{output}")
        return [word.replace("{output}", str(folder)).replace("{group}", group.name)
                for word in words]

    def publish(self, folder: Path, group: GroupConfig, options: PublishOptions,
                progress: Progress) -> Summary:
        args = self.arguments(folder, group)
        summary = Summary(group.name, self.target, options.dry_run, counted=False)
        shown = shlex.join(arg.replace(f"{self.root}/", "") for arg in args)  # the site's paths
        if options.dry_run:
            summary.note = f"would run: {shown}"
            return summary
        try:
            ran = run(args, Deadline(self.seconds, "limits.publish_seconds"), cwd=self.root,
                      site=self.root, echo=sys.stderr)
        except TimedOut as exc:
            raise PublishError(exc.describe(f"the command for group {group.name}")
                               + f": {shown}", LEFT_TO_IT.format("was stopped"),
                               exc.hint) from None
        except OSError as exc:
            raise PublishError(f"cannot run '{args[0]}': {exc.strerror or exc}") from None
        if ran.returncode != 0:
            raise PublishError(f"the command for group {group.name} exited with status "
                               f"{ran.returncode}: {shown}{ran.stderr.indented()}",
                               LEFT_TO_IT.format("failed"))
        summary.note = f"ran: {shown}"
        return summary
