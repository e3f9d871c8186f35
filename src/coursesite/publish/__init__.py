"""`build-site publish`: send built groups to static hosting.

The publisher is chosen by the target's scheme: a folder (`/srv/www/rtc`,
`file://`), rsync (`ssh://`, `rsync://`), a git branch (`git+https://`,
`git+ssh://`, `git+file://`), an S3 bucket (`s3://`) or a command
(`command:`). Each group is built first (unless --no-build), and a group
whose build has errors is not published. A target on this machine that would
overwrite the site's own folders is refused before anything is built or sent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from coursesite.build.pipeline import BuildOptions, build
from coursesite.build.stages import select_groups
from coursesite.config.site import PUBLISH_HINT, PublishSettings, SiteConfig, publish_problem
from coursesite.errors import ConfigError, SiteError
from coursesite.publish.base import (
    Progress,
    Publisher,
    PublishError,
    PublishOptions,
    Summary,
    redact,
)
from coursesite.publish.command import CommandPublisher
from coursesite.publish.folder import FolderPublisher
from coursesite.publish.git import GitPublisher
from coursesite.publish.overlap import OVERLAP_HINT, overlap
from coursesite.publish.rsync import RsyncPublisher
from coursesite.publish.s3 import S3Publisher
from coursesite.report import Reporter

__all__ = ["PublishError", "PublishOptions", "Summary", "publish_site", "publisher_for"]


def publisher_for(target: str, settings: PublishSettings | None, root: Path,
                  seconds: int = 3600) -> Publisher:
    """The publisher for a target, by its scheme (the target is already validated).

    `seconds` (limits.publish_seconds) is the time the programs a publisher runs
    (git, rsync, a command) may take for one group, all of them together."""
    scheme = urlsplit(target).scheme if "://" in target else ""
    if target.startswith("command:"):
        return CommandPublisher(target, root, seconds)
    if scheme.startswith("git+"):
        return GitPublisher(target, root, seconds)
    if scheme in ("ssh", "rsync"):
        return RsyncPublisher(target, root, seconds)
    if scheme == "s3":
        return S3Publisher(target, settings)
    return FolderPublisher(target, root)


def targets_of(config: SiteConfig, chosen: list[str],
               target: str | None) -> dict[str, tuple[str, PublishSettings | None]]:
    """Each chosen group's target: the command line's, or its `publish:` in site.yaml."""
    if target is not None:
        if len(chosen) != 1:
            raise ConfigError("build-site publish", None,
                              "a TARGET on the command line is for one group",
                              f"add --group, one of: {', '.join(chosen)}")
        problem = publish_problem(target)
        if problem:
            raise ConfigError("build-site publish", None,
                              f"target '{redact(target)}': {problem}", PUBLISH_HINT)
        refuse_overlap(config, target, "build-site publish", None, f"target '{redact(target)}'")
        return {chosen[0]: (target, config.groups[chosen[0]].publish)}
    missing = [name for name in chosen if config.groups[name].publish is None]
    if missing:
        raise ConfigError(config.rel(config.config_path), None,
                          f"no publish target for {', '.join(missing)}",
                          "add 'publish: TARGET' to the group in site.yaml, or give TARGET "
                          "with --group")
    targets: dict[str, tuple[str, PublishSettings | None]] = {}
    for name in chosen:
        settings = config.groups[name].publish
        assert settings is not None
        refuse_overlap(config, settings.target, config.rel(config.config_path), settings.line,
                       f"publish target '{redact(settings.target)}' of group {name}")
        targets[name] = (settings.target, settings)
    return targets


def refuse_overlap(config: SiteConfig, target: str, where: str, line: int | None,
                   shown: str) -> None:
    """A usage error when a local target would overwrite the site's own folders.

    Called for every target before anything is built, listed or sent.
    """
    problem = overlap(target, config)
    if problem:
        raise ConfigError(where, line, f"{shown} {problem}", OVERLAP_HINT)


def publish_site(config: SiteConfig, options: PublishOptions, reporter: Reporter,
                 report: Callable[[Summary], None], progress: Progress) -> None:
    """Build (unless told not to), then publish each group; `report` hears each summary."""
    chosen = select_groups(config, options.groups)
    targets = targets_of(config, chosen, options.target)
    if options.build:
        build(config, BuildOptions(groups=tuple(chosen), jobs=options.jobs), reporter)
    for name, (target, settings) in targets.items():
        folder = config.output_dir / name
        if not folder.is_dir():
            raise SiteError(config.rel(folder), None, f"group {name} has not been built",
                            "run build-site first, or publish without --no-build")
        publisher = publisher_for(target, settings, config.root, config.limits.publish_seconds)
        report(publisher.publish(folder, config.groups[name], options, progress))
