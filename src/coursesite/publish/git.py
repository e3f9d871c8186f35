"""A git branch, the GitHub Pages way (`git+https://host/org/repo.git#gh-pages`).

The group's output becomes the whole tree of one new commit on the branch,
whose parent is the branch as it was (history is kept), with `.nojekyll` and a
`CNAME`. The commit is made in a scratch repository from a temporary index,
never in the author's checkout, and pushed; git sends only the objects the
remote lacks, and a push is all or nothing. Credentials are git's own
(credential helpers, ssh keys, GIT_SSH_COMMAND).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from coursesite.config.site import GroupConfig
from coursesite.programs import Deadline, TimedOut, run
from coursesite.publish.base import Progress, PublishError, PublishOptions, Summary, redact, scrub
from coursesite.publish.plan import LocalFile, RemoteFile, local_files, make_plan

KEPT_BY_HAND = ("CNAME",)  # files a maintainer may add to the branch, never deleted


class GitPublisher:
    def __init__(self, target: str, root: Path, seconds: int = 3600):
        self.target = target
        self.root = root  # the site: its commit is named in the message
        self.seconds = seconds  # limits.publish_seconds: every git run of one group's publish
        parts = urlsplit(target)
        self.branch = parts.fragment
        self.url = urlunsplit((parts.scheme[len("git+"):], parts.netloc, parts.path,
                               parts.query, ""))

    def publish(self, folder: Path, group: GroupConfig, options: PublishOptions,
                progress: Progress) -> Summary:
        git = Git(group.name, self.target, self.root,
                  Deadline(self.seconds, "limits.publish_seconds"))
        with tempfile.TemporaryDirectory(prefix="coursesite-publish-") as scratch:
            repo = Scratch(Path(scratch), git)
            parent = repo.fetch(self.url, self.branch)
            remote = repo.tree(parent) if parent else {}
            local = local_files(folder)
            local[".nojekyll"] = LocalFile(".nojekyll", data=b"")
            cname = self.cname(group, local, repo, parent)
            if cname is not None:
                local["CNAME"] = LocalFile("CNAME", data=cname)
            plan = make_plan(local, remote, "git")
            summary = Summary.of(group.name, redact(self.target), plan,
                                 PublishOptions(dry_run=options.dry_run, delete=True))
            summary.stale_kept = []  # a commit holds the output as it is: nothing stale stays
            if not plan.new and not plan.changed and not plan.stale:
                summary.note = f"branch {self.branch} already holds this output: no commit"
                return summary
            if options.dry_run:
                summary.note = f"would commit to {self.branch} and push"
                return summary
            tree = repo.write_tree(folder, [f for f in local.values() if f.source is None])
            commit = repo.commit(tree, parent, self.message(group, git))
            progress(1, 2)
            repo.push(self.url, commit, self.branch)
            progress(2, 2)
            summary.note = f"pushed commit {commit[:10]} to {self.branch}"
            return summary

    def cname(self, group: GroupConfig, local: dict[str, LocalFile], repo: Scratch,
              parent: str | None) -> bytes | None:
        """The output's own CNAME; else the group's host; else the one already on the branch."""
        if "CNAME" in local:
            return None
        host = urlsplit(group.url).hostname or ""
        if host and not host.endswith(".github.io"):
            return host.encode() + b"\n"
        if parent:
            return repo.blob(parent, "CNAME")
        return None

    def message(self, group: GroupConfig, git: Git) -> str:
        source = "a site outside git"
        try:
            head = git.run(["rev-parse", "--short=12", "HEAD"], cwd=self.root).strip()
            dirty = git.run(["status", "--porcelain"], cwd=self.root).strip()
            source = f"commit {head}" + (" with uncommitted changes" if dirty else "")
        except PublishError:
            pass
        return f"Publish {group.name} from {source}\n\nMade by coursesite's build-site publish.\n"


class Scratch:
    """A throw-away repository where the commit is made."""

    def __init__(self, path: Path, runner: Git):
        self.git_dir = path / "repo.git"
        self.runner = runner
        runner.run(["init", "--quiet", "--bare", str(self.git_dir)], cwd=path)

    def git(self, *args: str, env: dict[str, str] | None = None, data: bytes | None = None,
            what: str = "", cwd: Path | None = None) -> str:
        return self.runner.run(["--git-dir", str(self.git_dir), *args], cwd=cwd or self.git_dir,
                               env=env, data=data, what=what or args[0])

    def fetch(self, url: str, branch: str) -> str | None:
        """The branch's last commit, or None when the branch does not exist yet."""
        found = self.git("ls-remote", "--heads", url, f"refs/heads/{branch}",
                         what="reading the repository")
        if not found.strip():
            return None
        self.git("fetch", "--quiet", "--no-tags", url, f"refs/heads/{branch}",
                 what="fetching the branch")
        return self.git("rev-parse", "FETCH_HEAD").strip()

    def tree(self, commit: str) -> dict[str, RemoteFile]:
        listing = self.git("ls-tree", "-r", "-l", "-z", commit)
        files = {}
        for entry in filter(None, listing.split("\0")):
            info, path = entry.split("\t", 1)
            _mode, kind, sha, size = info.split()
            if kind == "blob":
                files[path] = RemoteFile(int(size), sha)
        return files

    def blob(self, commit: str, path: str) -> bytes | None:
        try:
            return self.git("cat-file", "blob", f"{commit}:{path}").encode(
                errors="surrogateescape")
        except PublishError:
            return None

    def write_tree(self, folder: Path, extra: list[LocalFile]) -> str:
        index = str(self.git_dir / "publish-index")
        env = {"GIT_INDEX_FILE": index, "GIT_WORK_TREE": str(folder)}
        self.git("add", "--all", "--force", ".", env=env, cwd=folder)
        for file in extra:
            sha = self.git("hash-object", "-w", "--stdin", data=file.read()).strip()
            self.git("update-index", "--add", "--cacheinfo", f"100644,{sha},{file.path}",
                     env=env)
        return self.git("write-tree", env=env).strip()

    def commit(self, tree: str, parent: str | None, message: str) -> str:
        parents = ["-p", parent] if parent else []
        return self.git("commit-tree", tree, *parents, "-F", "-",
                        env=identity(self.runner), data=message.encode()).strip()

    def push(self, url: str, commit: str, branch: str) -> None:
        self.git("push", "--quiet", url, f"{commit}:refs/heads/{branch}", what="push")


def identity(git: Git) -> dict[str, str]:
    """Git's own identity when it has one, else a stand-in (a CI runner often has none)."""
    try:
        git.run(["var", "GIT_AUTHOR_IDENT"], cwd=Path.cwd())
        return {}
    except PublishError:
        name, email = "coursesite", "coursesite@localhost"
        return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}


@dataclass(frozen=True)
class Git:
    """Runs git for one group's publish: all of it within one deadline, its errors whole."""

    group: str
    target: str  # its secrets are never shown
    site: Path  # the site's paths are shown relative to it
    deadline: Deadline

    def run(self, args: list[str], cwd: Path, env: dict[str, str] | None = None,
            data: bytes | None = None, what: str = "") -> str:
        doing = f"git {what or args[0]}"
        try:
            ran = run(["git", *args], self.deadline, cwd=cwd, data=data, site=self.site,
                      env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})})
        except OSError as exc:
            if shutil.which("git") is None:
                raise PublishError("'git' is not installed", "nothing was changed; install "
                                   "git and run the publish again") from None
            raise PublishError(f"cannot run {doing}: {exc.strerror or exc}") from None
        except TimedOut as exc:
            # A push is all or nothing: one stopped part-way changed nothing either.
            raise PublishError(exc.describe(f"{doing} for group {self.group}"),
                               hint=exc.hint) from None
        if ran.returncode != 0:
            raise PublishError(scrub(f"{doing} failed for group {self.group} (exit status "
                                     f"{ran.returncode}){ran.stderr.indented()}", self.target))
        return ran.stdout.decode(errors="surrogateescape")
