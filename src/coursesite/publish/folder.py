"""A local folder (`/srv/www/rtc` or `file:///srv/www/rtc`): copy what changed."""

from __future__ import annotations

import os
from pathlib import Path

from coursesite.config.site import GroupConfig
from coursesite.fsutil import replaced_atomically
from coursesite.publish.base import Progress, PublishError, PublishOptions, Summary
from coursesite.publish.overlap import local_path
from coursesite.publish.plan import LocalFile, RemoteFile, local_files, make_plan


class FolderPublisher:
    def __init__(self, target: str, root: Path):
        self.target = target
        dest = local_path(target, root)
        assert dest is not None  # publisher_for sends only folders and file:// here
        self.dest = dest

    def publish(self, folder: Path, group: GroupConfig, options: PublishOptions,
                progress: Progress) -> Summary:
        dest, source = self.dest.resolve(), folder.resolve()
        if dest == source or source in dest.parents or dest in source.parents:
            raise PublishError(f"the target {self.dest} overlaps the output folder {folder}")
        if self.dest.exists() and not self.dest.is_dir():
            raise PublishError(f"the target {self.dest} is a file, not a folder")
        plan = make_plan(local_files(folder), self.existing(), "md5")
        summary = Summary.of(group.name, self.target, plan, options)
        if options.dry_run:
            return summary
        uploads = plan.uploads()
        total = len(uploads) + (len(plan.stale) if options.delete else 0)
        done = 0
        try:
            for file in uploads:
                self.copy(file)
                done += 1
                progress(done, total)
            if options.delete:
                for path in plan.stale:
                    (self.dest / path).unlink(missing_ok=True)
                    done += 1
                    progress(done, total)
                remove_empty_folders(self.dest)
        except OSError as exc:
            raise PublishError(f"{exc.strerror or exc} ({exc.filename})",
                               f"{done} of {total} files were copied or deleted; "
                               "each is whole, and running the publish again finishes it") from None
        return summary

    def existing(self) -> dict[str, RemoteFile]:
        if not self.dest.is_dir():
            return {}
        found = local_files(self.dest)
        return {path: RemoteFile(file.size, file.digest("md5")) for path, file in found.items()
                if not file.path.rsplit("/", 1)[-1].startswith(".coursesite-")}

    def copy(self, file: LocalFile) -> None:
        """Write next to the file, then rename: a reader sees the old file or the new one."""
        with replaced_atomically(self.dest / file.path) as partial:
            partial.write_bytes(file.read())


def remove_empty_folders(root: Path) -> None:
    for folder, _dirs, _files in os.walk(root, topdown=False):
        if folder != str(root) and not os.listdir(folder):  # its subfolders may be gone now
            os.rmdir(folder)
