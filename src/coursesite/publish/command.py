"""A command the user gives (`command: netlify deploy --dir {output} --prod`).

For hosts without a publisher of their own. `{output}` becomes the group's
output folder and `{group}` its name; without `{output}` the folder is added
as the last argument. The command is split like a shell would split it but
run without a shell, so a folder name cannot inject anything.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from coursesite.config.site import GroupConfig
from coursesite.publish.base import Progress, PublishError, PublishOptions, Summary


class CommandPublisher:
    def __init__(self, target: str, root: Path):
        self.template = target[len("command:"):].strip()
        self.root = root
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
        shown = shlex.join(args)
        if options.dry_run:
            summary.note = f"would run: {shown}"
            return summary
        try:
            proc = subprocess.run(args, cwd=self.root, check=False)
        except OSError as exc:
            raise PublishError(f"cannot run '{args[0]}': {exc.strerror or exc}") from None
        if proc.returncode != 0:
            raise PublishError(f"the command exited with status {proc.returncode}: {shown}",
                               "what the command did before it failed is up to it")
        summary.note = f"ran: {shown}"
        return summary
