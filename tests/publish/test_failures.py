"""`build-site publish` when git, rsync or a command fails or runs past limits.publish_seconds.

Real programs: git refusing a repository, rsync finding no daemon, and fakes on PATH
that sleep (each starts a helper, which must be stopped with it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import Result, Site, stopped
from tests.publish.test_publish import free_port, need

SLOW = """#!/bin/sh
sleep 300 &
echo $! > {pid_file}
sleep 300
"""


def small_site(site: Site, seconds: int | None = None) -> Site:
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome.\n")
    site.page("open.md", "title: Open\ngroups: rtc\n\nA lesson.\n")
    if seconds is not None:
        config = site.root / "site.yaml"
        config.write_text(config.read_text() + f"limits:\n  publish_seconds: {seconds}\n")
    assert site.build("--group", "rtc").code == 0
    return site


def on_path(folder: Path, name: str, script: str) -> dict[str, str]:
    """A program `name` ahead of the system's; the environment that finds it first."""
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text(script)
    program.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}



def timed_publish(site: Site, *args: str, env: dict[str, str]) -> tuple[Result, float]:
    started = time.monotonic()
    result = site.build("publish", "--no-build", "--group", "rtc", *args, env=env)
    return result, time.monotonic() - started


def clean(result: Result) -> bool:
    """No traceback and no raw errno."""
    return "Traceback" not in result.err and "[Errno" not in result.err


# -- time limits ------------------------------------------------------------------------


def test_a_git_push_past_the_limit_is_stopped_and_changes_nothing(site: Site,
                                                                  tmp_path: Path) -> None:
    need("git")
    small_site(site, seconds=2)
    bare = tmp_path / "pages.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    pid_file = tmp_path / "helper.pid"
    real_git = shutil.which("git")
    # Every git command runs, but the push hangs (a network that never answers).
    env = on_path(tmp_path / "bin", "git", f"""#!/bin/sh
for word in "$@"; do
  if [ "$word" = push ]; then
    sleep 300 & echo $! > {pid_file}; sleep 300
  fi
done
exec {real_git} "$@"
""")
    result, seconds = timed_publish(site, f"git+file://{bare}#gh-pages", env=env)
    assert seconds < 20 and result.code == 1 and clean(result)
    assert result.err == (
        "error: git push for group rtc took longer than limits.publish_seconds (2 s) and "
        "was stopped\n"
        "    done: nothing was changed\n"
        "    hint: raise limits.publish_seconds in site.yaml\n")
    branches = subprocess.run(["git", "branch", "--list"], cwd=bare, capture_output=True,
                              text=True, check=True).stdout
    assert branches == ""
    assert stopped(int(pid_file.read_text()))


def test_rsync_past_the_limit_is_stopped(site: Site, tmp_path: Path) -> None:
    small_site(site, seconds=1)
    pid_file = tmp_path / "helper.pid"
    env = on_path(tmp_path / "bin", "rsync", SLOW.format(pid_file=pid_file))
    result, seconds = timed_publish(site, "rsync://127.0.0.1/courses/rtc", env=env)
    assert seconds < 20 and result.code == 1 and clean(result)
    assert result.err == (
        "error: rsync to rsync://127.0.0.1/courses/rtc for group rtc took longer than "
        "limits.publish_seconds (1 s) and was stopped\n"
        "    done: nothing was changed\n"
        "    hint: raise limits.publish_seconds in site.yaml\n")
    assert stopped(int(pid_file.read_text()))


def test_a_command_past_the_limit_is_stopped(site: Site, tmp_path: Path) -> None:
    small_site(site, seconds=1)
    pid_file = tmp_path / "helper.pid"
    env = on_path(tmp_path / "bin", "deploy-site", SLOW.format(pid_file=pid_file))
    result, seconds = timed_publish(site, "command:deploy-site --dir {output}", env=env)
    assert seconds < 20 and result.code == 1 and clean(result)
    assert result.err == (
        "error: the command for group rtc took longer than limits.publish_seconds (1 s) and "
        "was stopped: deploy-site --dir output/rtc\n"
        "    done: what the command did before it was stopped is up to it\n"
        "    hint: raise limits.publish_seconds in site.yaml\n")
    assert stopped(int(pid_file.read_text()))


# -- the whole error ----------------------------------------------------------------------


def test_git_refusing_the_repository_says_why(site: Site, tmp_path: Path) -> None:
    """The repository belongs to someone else: git's first line says so, its last did not."""
    need("git")
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("CI runs as root: the repository must be given to another user")
        pytest.skip("giving a repository to another user needs root")
    small_site(site)
    bare = tmp_path / "pages.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    subprocess.run(["chown", "-R", "nobody", str(bare)], check=True)
    result, _ = timed_publish(site, f"git+file://{bare}#gh-pages", env={})
    assert result.code == 1 and clean(result)
    lines = result.err.splitlines()
    assert lines[0] == ("error: git reading the repository failed for group rtc "
                        "(exit status 128)")
    assert lines[1] == f"    | fatal: detected dubious ownership in repository at '{bare}'"
    assert f"    |     git config --global --add safe.directory {bare}" in lines
    assert lines[-2:] == ["    | and the repository exists.", "    done: nothing was changed"]


def test_a_long_git_error_is_cut_in_the_middle(site: Site, tmp_path: Path) -> None:
    small_site(site)
    env = on_path(tmp_path / "bin", "git", f"""#!/bin/sh
for i in $(seq 1 40); do echo "fatal: reason $i in {site.root}/output/rtc" >&2; echo >&2; done
exit 128
""")
    result, _ = timed_publish(site, f"git+file://{tmp_path}/pages.git#gh-pages", env=env)
    assert result.code == 1 and clean(result) and str(site.root) not in result.err
    lines = result.err.splitlines()
    assert lines[0] == "error: git init failed for group rtc (exit status 128)"
    assert lines[1] == "    | fatal: reason 1 in output/rtc"
    assert lines[11] == "    | [... 20 more lines ...]"
    assert lines[12:22] == [f"    | fatal: reason {i} in output/rtc" for i in range(31, 41)]
    assert lines[22:] == ["    done: nothing was changed"]


def test_rsync_without_a_daemon_shows_all_it_said(site: Site) -> None:
    need("rsync")
    small_site(site)
    target = f"rsync://127.0.0.1:{free_port()}/courses/rtc"
    result, _ = timed_publish(site, target, env={})
    assert result.code == 1 and clean(result)
    lines = result.err.splitlines()
    assert lines[0] == f"error: rsync to {target} for group rtc failed (exit status 10)"
    assert re.fullmatch(r"    \| rsync: .*failed to connect to 127\.0\.0\.1 .*Connection refused.*",
                        lines[1])
    assert lines[-2].startswith("    | rsync error: error in socket IO (code 10)")
    assert lines[-1] == "    done: nothing was changed"


def test_a_failing_command_shows_its_stderr_under_the_error(site: Site,
                                                            tmp_path: Path) -> None:
    small_site(site)
    env = on_path(tmp_path / "bin", "deploy-site", """#!/bin/sh
echo "uploading $1"
echo "Error: no site for $1" >&2
echo "  check the name of the site" >&2
exit 5
""")
    result, _ = timed_publish(site, "command:deploy-site {output}", env=env)
    assert result.code == 1 and clean(result)
    assert result.out.endswith(f"uploading {site.root}/output/rtc\n")  # its own output, as is
    assert result.err.endswith(
        "error: the command for group rtc exited with status 5: deploy-site output/rtc\n"
        "    | Error: no site for output/rtc\n"
        "    |   check the name of the site\n"
        "    done: what the command did before it failed is up to it\n")
