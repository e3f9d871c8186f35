"""rsync over SSH (`ssh://user@host[:port]/path`) or to an rsync daemon (`rsync://host/module`).

The system's rsync and ssh do the work, with their own keys, agent and
~/.ssh/config (and RSYNC_RSH, if set). rsync compares by checksum, compresses,
and writes each file under a temporary name before renaming it into place. It
runs twice: assets first, then the pages with any deletions, so that pages
never point at images that have not arrived yet.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

from coursesite.config.site import GroupConfig
from coursesite.programs import Deadline, TimedOut, run
from coursesite.publish.base import Progress, PublishError, PublishOptions, Summary, scrub
from coursesite.publish.plan import local_files

OUT_FORMAT = "%i %l %n"


class RsyncPublisher:
    def __init__(self, target: str, root: Path, seconds: int = 3600):
        self.target = target
        self.root = root  # the site: its paths are shown relative to it
        self.seconds = seconds  # limits.publish_seconds: every rsync run of one group
        self.group = ""
        self.deadline = Deadline(seconds, "limits.publish_seconds")  # made anew by publish()
        parts = urlsplit(target)
        self.port = parts.port
        if parts.scheme == "rsync":
            self.dest = target.rstrip("/") + "/"
        else:
            user = f"{parts.username}@" if parts.username else ""
            self.dest = f"{user}{parts.hostname}:{unquote(parts.path).rstrip('/') or '.'}/"

    def publish(self, folder: Path, group: GroupConfig, options: PublishOptions,
                progress: Progress) -> Summary:
        for tool in ("rsync", "ssh") if self.target.startswith("ssh:") else ("rsync",):
            if shutil.which(tool) is None:
                raise PublishError(f"'{tool}' is not installed",
                                   "nothing was changed; install it (Debian: apt-get install "
                                   "rsync openssh-client) and run the publish again")
        summary = Summary(group.name, self.target, options.dry_run)
        self.group = group.name
        self.deadline = Deadline(self.seconds, "limits.publish_seconds")
        if options.dry_run:
            self.absorb(summary, self.run(folder, options, pages=True))
        else:
            self.absorb(summary, self.run(folder, options, pages=False))
            progress(1, 2)
            self.absorb(summary, self.run(folder, options, pages=True))
            progress(2, 2)
        summary.unchanged = len(local_files(folder)) - len(summary.new) - len(summary.changed)
        if not options.delete:
            # A second dry look for what --delete would remove, so the summary can say so.
            summary.stale_kept = self.stale(folder, options)
        return summary

    def command(self, folder: Path, options: PublishOptions, pages: bool,
                delete: bool) -> list[str]:
        command = ["rsync", "--recursive", "--links", "--times", "--omit-dir-times",
                   "--checksum", "--compress", "--perms", "--chmod=D755,F644",
                   f"--out-format={OUT_FORMAT}"]
        if self.target.startswith("ssh:"):
            shell = os.environ.get("RSYNC_RSH", "ssh")
            if self.port:
                shell += f" -p {self.port}"
            command.append(f"--rsh={shell}")
        if options.dry_run:
            command.append("--dry-run")
        if not pages:
            command.append("--exclude=*.html")
        elif delete:
            command.append("--delete-after")
        return [*command, f"{folder}/", self.dest]

    def run(self, folder: Path, options: PublishOptions, pages: bool,
            delete: bool | None = None) -> list[str]:
        delete = options.delete if delete is None else delete
        command = self.command(folder, options, pages, delete)
        done = ("nothing was changed" if options.dry_run or not pages else
                "the assets were sent, the pages not yet; running the publish again "
                "finishes it")
        doing = f"rsync to {self.target} for group {self.group}"
        try:
            ran = run(command, self.deadline, site=self.root)
        except TimedOut as exc:
            # rsync writes each file aside and renames it: a stop leaves every file whole.
            raise PublishError(scrub(exc.describe(doing), self.target), done,
                               exc.hint) from None
        except OSError as exc:
            raise PublishError(f"cannot run rsync: {exc.strerror or exc}") from None
        if ran.returncode != 0:
            raise PublishError(scrub(f"{doing} failed (exit status {ran.returncode})"
                                     f"{ran.stderr.indented()}", self.target), done)
        return ran.stdout.decode(errors="surrogateescape").splitlines()

    def stale(self, folder: Path, options: PublishOptions) -> list[str]:
        look = PublishOptions(dry_run=True, delete=True)
        lines = self.run(folder, look, pages=True, delete=True)
        return [deleted_path(line) for line in lines
                if line.startswith("*deleting") and not line.endswith("/")]

    @staticmethod
    def absorb(summary: Summary, lines: list[str]) -> None:
        """Read rsync's itemized changes: '<f+++++++++ 1234 path' is a new file."""
        for line in lines:
            fields = line.split(" ", 2)
            if line.startswith("*deleting"):
                if not line.endswith("/"):  # a folder goes with its files
                    summary.deleted.append(deleted_path(line))
            elif len(fields) == 3 and fields[0][1:2] == "f" and fields[0][0] in "<>c":
                entry = (fields[2], int(fields[1]) if fields[1].isdigit() else 0)
                (summary.new if "+++++++" in fields[0] else summary.changed).append(entry)


def deleted_path(line: str) -> str:
    """The path of '*deleting   0 old/page.html' (the format gives a length of 0)."""
    rest = line[len("*deleting"):].lstrip()
    length, _, path = rest.partition(" ")
    return path if length.isdigit() else rest
