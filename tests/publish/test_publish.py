"""`build-site publish` to real targets: a folder, a git repository, sshd + rsync, S3 (moto)."""

from __future__ import annotations

import getpass
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from coursesite.mediatypes import IMMUTABLE, PAGES, cache_control, content_type
from coursesite.publish.plan import LocalFile, RemoteFile, make_plan
from tests.conftest import Result, Site, snapshot

LESSON = "content/courses/deep-learning/training.md"
LESSON_HTML = "courses/deep-learning/training/index.html"


def need(*tools: str) -> None:
    """On CI every tool is installed by .ci/run: a missing one is a failure, not a skip."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"not installed: {', '.join(missing)}")
        pytest.skip(f"not installed: {', '.join(missing)}")


def edit_lesson(site: Site, words: str) -> None:
    path = site.root / LESSON
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## The training loop", f"{words}\n\n## The training loop"),
                    encoding="utf-8")


def sent(result: Result) -> list[str]:
    """The files a verbose publish says it sent, but the search index (made anew with any
    changed page: a few small files under pagefind/)."""
    return [path for path in re.findall(r"^  (?:new|changed) +(\S+) \(", result.out, re.MULTILINE)
            if not path.startswith("pagefind/")]


def deleted(result: Result) -> list[str]:
    """The files a verbose publish says it deleted (or would), but old search-index files."""
    return sorted(path for path in re.findall(r"^  deleted +(\S+)", result.out, re.MULTILINE)
                  if not path.startswith("pagefind/"))


def holds(target: dict[str, bytes], output: dict[str, bytes]) -> bool:
    """The target has every file of the output, and besides them only old index files
    (a changed page gets new index fragments; the old ones go with --delete)."""
    extra = [path for path in target if path not in output]
    return all(target.get(path) == data for path, data in output.items()) and all(
        path.startswith("pagefind/") for path in extra)


def publish(site: Site, *args: str) -> Result:
    result = site.build("publish", *args)
    assert result.code == 0, result.out + result.err
    return result


# -- a folder -----------------------------------------------------------------------


def test_folder_gets_the_output_then_only_what_changed(demo: Site, tmp_path: Path) -> None:
    www = tmp_path / "www"
    first = publish(demo, "--group", "rtc", str(www))
    assert snapshot(www) == snapshot(demo.root / "output/rtc")
    assert re.search(r"rtc -> .*www: sent \d+ new and 0 changed files", first.out)
    again = publish(demo, "--group", "rtc", f"file://{www}", "-v")
    assert "sent 0 new and 0 changed files (0 B), deleted 0" in again.out
    edit_lesson(demo, "One more paragraph.")
    changed = publish(demo, "--group", "rtc", str(www), "-v")
    assert sent(changed) == [LESSON_HTML]
    assert holds(snapshot(www), snapshot(demo.root / "output/rtc"))


def test_folder_delete_removes_exactly_the_stale_files(demo: Site, tmp_path: Path) -> None:
    www = tmp_path / "www"
    publish(demo, "--group", "rtc", str(www))
    (www / "old-page").mkdir()
    (www / "old-page/index.html").write_text("old")
    (www / "old.css").write_text("old")
    kept = publish(demo, "--group", "rtc", str(www))
    assert "2 files on the target are no longer in the output" in kept.out
    assert (www / "old.css").exists()
    removed = publish(demo, "--group", "rtc", str(www), "--delete", "-v")
    assert deleted(removed) == ["old-page/index.html", "old.css"]
    assert snapshot(www) == snapshot(demo.root / "output/rtc")
    assert not (www / "old-page").exists()


def test_dry_run_changes_nothing(demo: Site, tmp_path: Path) -> None:
    www = tmp_path / "www"
    publish(demo, "--group", "rtc", str(www))
    (www / "old.css").write_text("old")
    edit_lesson(demo, "Not yet published.")
    before = snapshot(www)
    result = publish(demo, "--group", "rtc", str(www), "--dry-run", "--delete", "-v")
    assert "(dry run: nothing was changed): would send" in result.out
    assert sent(result) == [LESSON_HTML] and deleted(result) == ["old.css"]
    assert snapshot(www) == before


def test_a_build_error_stops_the_publish(demo: Site, tmp_path: Path) -> None:
    www = tmp_path / "www"
    path = demo.root / LESSON
    path.write_text(path.read_text().replace("groups: rtc", "groups: rtc, aifx"))
    result = demo.build("publish", "--group", "rtc", str(www))
    assert result.code == 1
    assert re.search(rf"{LESSON}:\d+: error: .*aifx", result.err)
    assert "publish stopped" in result.err
    assert not www.exists()


@pytest.mark.parametrize("target,message", [
    ("ftp://host/x", "unknown kind of target 'ftp://'"),
    ("git+file:///tmp/repo.git", "a git target names its branch after '#'"),
    ("s3://", "'s3://' needs a host (or a bucket)"),
    ("file://public", "a file:// URL names no host"),
    ("git+file://host/srv/pages.git#gh-pages", "a file:// URL names no host"),
    ("file://", "'file://' needs a path"),
])
def test_a_wrong_target_is_one_message_and_exit_2(demo: Site, target: str,
                                                  message: str) -> None:
    result = demo.build("publish", "--group", "rtc", target)
    assert result.code == 2
    assert result.err.count("error:") == 1 and message in result.err
    assert not (demo.root / "output").exists()  # nothing built, nothing sent


def test_a_wrong_target_in_site_yaml_names_its_line(demo: Site) -> None:
    config = demo.root / "site.yaml"
    config.write_text(config.read_text().replace(
        "    title: RTC Deep Learning\n", "    title: RTC Deep Learning\n    publish: ftp://x/\n"))
    line = config.read_text().splitlines().index("    publish: ftp://x/") + 1
    result = demo.build("publish")
    assert result.code == 2
    assert result.err.startswith(f"site.yaml:{line}: error: publish target 'ftp://x/': unknown")


def test_target_on_the_command_line_needs_one_group(demo: Site, tmp_path: Path) -> None:
    result = demo.build("publish", str(tmp_path / "www"))
    assert result.code == 2 and "a TARGET on the command line is for one group" in result.err


def test_no_build_publishes_the_output_as_it_is(demo: Site, tmp_path: Path) -> None:
    result = demo.build("publish", "--group", "rtc", "--no-build", str(tmp_path / "www"))
    assert result.code == 1 and "group rtc has not been built" in result.err
    assert demo.build("--group", "rtc").code == 0
    edit_lesson(demo, "Edited after the build.")
    publish(demo, "--group", "rtc", "--no-build", str(tmp_path / "www"))
    assert b"Edited after the build." not in (tmp_path / "www" / LESSON_HTML).read_bytes()


# -- a command ----------------------------------------------------------------------


def test_command_target_runs_with_the_output_folder(demo: Site, tmp_path: Path) -> None:
    record = tmp_path / "ran.txt"
    command = (f"command:python3 -c 'import sys, pathlib; pathlib.Path(sys.argv[2])"
               f".write_text(sys.argv[1])' {{output}} {record}")
    dry = publish(demo, "--group", "aifh", command, "--dry-run")
    assert "would run: python3 -c" in dry.out and not record.exists()
    publish(demo, "--group", "aifh", command)
    assert record.read_text() == str(demo.root / "output" / "aifh")


# -- a git branch -------------------------------------------------------------------


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def checkout(bare: Path, branch: str, into: Path) -> dict[str, bytes]:
    shutil.rmtree(into, ignore_errors=True)
    git("clone", "--quiet", "--branch", branch, str(bare), str(into), cwd=bare.parent)
    files = snapshot(into)
    return {k: v for k, v in files.items() if not k.startswith(".git/")}


def test_git_branch_holds_the_output_with_history(demo: Site, tmp_path: Path) -> None:
    bare = tmp_path / "pages.git"
    git("init", "--quiet", "--bare", str(bare), cwd=tmp_path)
    git("init", "--quiet", cwd=demo.root)
    git("add", ".", cwd=demo.root)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "site",
        cwd=demo.root)
    source = git("rev-parse", "--short=12", "HEAD", cwd=demo.root)
    target = f"git+file://{bare}#gh-pages"
    publish(demo, "--group", "rtc", target)
    files = checkout(bare, "gh-pages", tmp_path / "co")
    expected = snapshot(demo.root / "output/rtc")
    assert {k: v for k, v in files.items() if k not in (".nojekyll", "CNAME")} == expected
    assert files[".nojekyll"] == b"" and files["CNAME"] == b"rtc.example.org\n"
    message = git("log", "-1", "--format=%B", "gh-pages", cwd=bare)
    assert f"Publish rtc from commit {source}" in message
    first = git("rev-parse", "gh-pages", cwd=bare)
    again = publish(demo, "--group", "rtc", target)
    assert "already holds this output: no commit" in again.out
    assert git("rev-parse", "gh-pages", cwd=bare) == first
    edit_lesson(demo, "Published by git.")
    changed = publish(demo, "--group", "rtc", target, "-v")
    assert sent(changed) == [LESSON_HTML]
    assert git("rev-parse", "gh-pages~1", cwd=bare) == first  # history kept
    changed_files = git("diff", "--name-only", "gh-pages~1", "gh-pages", cwd=bare).split()
    assert [f for f in changed_files if not f.startswith("pagefind/")] == [LESSON_HTML]


def test_git_keeps_a_hand_added_cname(demo: Site, tmp_path: Path) -> None:
    config = demo.root / "site.yaml"
    config.write_text(config.read_text().replace("https://rtc.example.org/",
                                                 "https://someone.github.io/rtc/"))
    bare = tmp_path / "pages.git"
    git("init", "--quiet", "--bare", str(bare), cwd=tmp_path)
    target = f"git+file://{bare}#gh-pages"
    publish(demo, "--group", "rtc", target)
    work = tmp_path / "hand"
    checkout(bare, "gh-pages", work)
    assert not (work / "CNAME").exists()  # a github.io address needs none
    (work / "CNAME").write_text("courses.example.edu\n")
    git("add", "CNAME", cwd=work)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "domain",
        cwd=work)
    git("push", "--quiet", "origin", "gh-pages", cwd=work)
    edit_lesson(demo, "After the domain.")
    publish(demo, "--group", "rtc", target)
    assert checkout(bare, "gh-pages", tmp_path / "co")["CNAME"] == b"courses.example.edu\n"


def test_git_dry_run_and_secrets(demo: Site, tmp_path: Path) -> None:
    bare = tmp_path / "pages.git"
    git("init", "--quiet", "--bare", str(bare), cwd=tmp_path)
    dry = publish(demo, "--group", "rtc", f"git+file://{bare}#gh-pages", "--dry-run")
    assert "would commit to gh-pages" in dry.out
    assert git("branch", "--list", cwd=bare) == ""
    port = free_port()  # nothing listens there: the push fails
    result = demo.build("publish", "--group", "rtc",
                        f"git+https://someone:s3cr3t-token@127.0.0.1:{port}/r.git#gh-pages")
    assert result.code == 1
    assert "s3cr3t-token" not in result.out + result.err
    assert "error: git reading the repository failed for group rtc (exit status 128)\n    | " \
        in result.err


# -- rsync over SSH -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """An sshd on 127.0.0.1 with its own host key, accepting one user key; (user@host:port, env)."""
    need("sshd", "ssh", "ssh-keygen", "rsync")
    folder = tmp_path / "sshd"
    folder.mkdir()
    for name in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        str(folder / name)], check=True)
    (folder / "authorized_keys").write_bytes((folder / "user_key.pub").read_bytes())
    port = free_port()
    (folder / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder}/host_key\n"
        f"AuthorizedKeysFile {folder}/authorized_keys\nPidFile {folder}/sshd.pid\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "StrictModes no\nPermitRootLogin prohibit-password\n")
    Path("/run/sshd").mkdir(exist_ok=True)  # the privilege separation folder
    sshd_path = shutil.which("sshd") or "/usr/sbin/sshd"
    proc = subprocess.Popen([sshd_path, "-D", "-e", "-f", str(folder / "sshd_config")],
                            stderr=subprocess.PIPE)
    host_key = (folder / "host_key.pub").read_text().split()
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    env = {"RSYNC_RSH": f"ssh -i {folder}/user_key -o UserKnownHostsFile={folder}/known_hosts "
                        "-o StrictHostKeyChecking=yes -o BatchMode=yes"}
    yield f"{getpass.getuser()}@127.0.0.1:{port}", env
    proc.terminate()
    proc.wait(timeout=10)


def test_rsync_over_ssh(demo: Site, tmp_path: Path, sshd: tuple[str, dict[str, str]],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    where, env = sshd
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    www = tmp_path / "remote-www"
    target = f"ssh://{where}{www}"
    first = publish(demo, "--group", "rtc", target)
    assert snapshot(www) == snapshot(demo.root / "output/rtc")
    assert re.search(r"sent [1-9]\d* new and 0 changed", first.out)
    again = publish(demo, "--group", "rtc", target)
    assert "sent 0 new and 0 changed files (0 B)" in again.out
    (www / "stale.html").write_text("old")
    edit_lesson(demo, "Sent by rsync.")
    dry = publish(demo, "--group", "rtc", target, "--dry-run", "--delete", "-v")
    assert sent(dry) == [LESSON_HTML] and deleted(dry) == ["stale.html"]
    assert b"Sent by rsync." not in (www / LESSON_HTML).read_bytes()
    changed = publish(demo, "--group", "rtc", target, "-v")
    assert sent(changed) == [LESSON_HTML]
    assert "stale    stale.html" in changed.out and (www / "stale.html").exists()
    removed = publish(demo, "--group", "rtc", target, "--delete", "-v")
    assert deleted(removed) == ["stale.html"]
    assert snapshot(www) == snapshot(demo.root / "output/rtc")


# -- S3 -----------------------------------------------------------------------------


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("moto[server] is not installed")
        pytest.skip("moto[server] is not installed")
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def bucket_objects(endpoint: str) -> dict[str, tuple[bytes, str, str]]:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket="sites", Prefix="rtc/"):
        for item in page.get("Contents", []):
            head = client.get_object(Bucket="sites", Key=item["Key"])
            found[item["Key"][len("rtc/"):]] = (head["Body"].read(), head["ContentType"],
                                                head.get("CacheControl", ""))
    return found


def test_s3_bucket_gets_objects_with_types(demo: Site, s3_endpoint: str) -> None:
    import boto3

    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket="sites")
    config = demo.root / "site.yaml"
    config.write_text(config.read_text().replace(
        "    title: RTC Deep Learning\n",
        "    title: RTC Deep Learning\n    publish:\n      target: s3://sites/rtc\n"
        f"      endpoint_url: {s3_endpoint}\n      region: us-east-1\n"))
    publish(demo, "--group", "rtc")
    objects = bucket_objects(s3_endpoint)
    built = snapshot(demo.root / "output/rtc")
    assert {key: data for key, (data, _, _) in objects.items()} == built
    for key, (_, kind, cache) in objects.items():
        assert (kind, cache) == (content_type(key), cache_control(key)), key
    assert objects[LESSON_HTML][2] == PAGES
    assert objects["sitemap.xml"][1] == "application/xml; charset=utf-8"
    hashed = [k for k in objects if re.search(r"\.[0-9a-f]{10}\.", k)]
    assert hashed and all(objects[k][2] == IMMUTABLE for k in hashed)
    assert any(k.endswith(".webp") and objects[k][1] == "image/webp" for k in objects)
    again = publish(demo, "--group", "rtc")
    assert "sent 0 new and 0 changed files (0 B)" in again.out
    edit_lesson(demo, "Sent to the bucket.")
    changed = publish(demo, "--group", "rtc", "-v")
    assert sent(changed) == [LESSON_HTML]
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").put_object(
        Bucket="sites", Key="rtc/stale/index.html", Body=b"old")
    dry = publish(demo, "--group", "rtc", "--delete", "--dry-run", "-v")
    assert deleted(dry) == ["stale/index.html"]
    assert "stale/index.html" in bucket_objects(s3_endpoint)
    publish(demo, "--group", "rtc", "--delete")
    assert {k: d for k, (d, _, _) in bucket_objects(s3_endpoint).items()} == snapshot(
        demo.root / "output/rtc")


# -- the plan -----------------------------------------------------------------------


def test_plan_sends_assets_before_pages_and_compares_by_content() -> None:
    local = {p: LocalFile(p, data=p.encode()) for p in
             ("index.html", "a/index.html", "css/site.css", "images/x.png", "same.txt")}
    remote = {"same.txt": RemoteFile(8, local["same.txt"].digest("md5")),
              "css/site.css": RemoteFile(12, "0" * 32), "gone.html": RemoteFile(1, None)}
    plan = make_plan(local, remote, "md5")
    assert [f.path for f in plan.uploads()] == [
        "css/site.css", "images/x.png", "a/index.html", "index.html"]
    assert [f.path for f in plan.changed] == ["css/site.css"]
    assert plan.stale == ["gone.html"] and plan.unchanged == 1


def test_a_failure_part_way_says_what_was_done_and_a_rerun_finishes(demo: Site,
                                                                     tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    (www / "courses").write_text("a file where the output has a folder")
    failed = demo.build("publish", "--group", "rtc", str(www))
    assert failed.code == 1
    assert re.search(r"error: .*\n    done: \d+ of \d+ files were copied or deleted; each is "
                     r"whole, and running the publish again finishes it", failed.err)
    assert "Traceback" not in failed.err
    assert not (www / "index.html").exists()  # pages go last: none went before their assets
    (www / "courses").unlink()
    publish(demo, "--group", "rtc", str(www), "--delete")
    assert snapshot(www) == snapshot(demo.root / "output/rtc")
