"""What every publisher shares: its options, its summary, its errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from coursesite.config.site import GroupConfig
from coursesite.publish.plan import Plan, human_bytes

Progress = Callable[[int, int], None]  # (files done, files in all)


@dataclass(frozen=True)
class PublishOptions:
    groups: tuple[str, ...] = ()  # empty: every group
    target: str | None = None  # None: each group's `publish:` of site.yaml
    dry_run: bool = False
    delete: bool = False
    build: bool = True
    jobs: int = 1


class PublishError(Exception):
    """A publish that failed part-way: what went wrong, and what was done before.

    The message may go on over several lines: what the program that failed printed."""

    def __init__(self, message: str, done: str = "nothing was changed",
                 hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.done = done
        self.hint = hint


@dataclass
class Summary:
    """What a publish sent (or, in a dry run, would send) to one target."""

    group: str
    target: str  # as shown: without any password or token
    dry_run: bool
    new: list[tuple[str, int]] = field(default_factory=list)
    changed: list[tuple[str, int]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    stale_kept: list[str] = field(default_factory=list)  # without --delete
    unchanged: int = 0
    note: str = ""  # e.g. the commit made, the command run
    counted: bool = True  # False: the target does its own comparing (a command)

    @classmethod
    def of(cls, group: str, target: str, plan: Plan, options: PublishOptions) -> Summary:
        return cls(group, target, options.dry_run,
                   new=[(f.path, f.size) for f in plan.new],
                   changed=[(f.path, f.size) for f in plan.changed],
                   deleted=plan.stale if options.delete else [],
                   stale_kept=[] if options.delete else plan.stale,
                   unchanged=plan.unchanged)

    def lines(self, verbose: bool = False) -> list[str]:
        send, delete = ("would send", "would delete") if self.dry_run else ("sent", "deleted")
        sent = sum(size for _, size in self.new + self.changed)
        head = f"{self.group} -> {self.target}"
        if self.dry_run:
            head += " (dry run: nothing was changed)"
        if not self.counted:
            return [f"{head}: {self.note}"]
        parts = [f"{send} {len(self.new)} new and {len(self.changed)} changed files "
                 f"({human_bytes(sent)})",
                 f"{delete} {len(self.deleted)}", f"{self.unchanged} unchanged"]
        lines = [f"{head}: {', '.join(parts)}"]
        if self.stale_kept:
            lines.append(f"  {len(self.stale_kept)} files on the target are no longer in the "
                         "output; --delete removes them")
        if self.note:
            lines.append(f"  {self.note}")
        if verbose:
            lines += [f"  new      {path} ({human_bytes(size)})" for path, size in self.new]
            lines += [f"  changed  {path} ({human_bytes(size)})" for path, size in self.changed]
            lines += [f"  deleted  {path}" for path in self.deleted]
            lines += [f"  stale    {path}" for path in self.stale_kept]
        return lines


class Publisher(Protocol):
    def publish(self, folder: Path, group: GroupConfig, options: PublishOptions,
                progress: Progress) -> Summary: ...


def redact(url: str) -> str:
    """A target as it may be shown: any password or token in it replaced by ***."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.password is None and not (parts.username and parts.scheme.endswith("https")):
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = parts.username or ""
    # https://TOKEN@github.com: a user name alone is a token in https URLs
    shown = f"{user}:***@{host}" if parts.password is not None else f"***@{host}"
    return urlunsplit((parts.scheme, shown, parts.path, parts.query, parts.fragment))


def scrub(text: str, url: str) -> str:
    """Text from a tool, with the target's secrets taken out."""
    parts = urlsplit(url) if "://" in url else None
    for secret in (parts.password, parts.username if parts.scheme.endswith("https") else None) \
            if parts else ():
        if secret:
            text = text.replace(secret, "***")
    return text
