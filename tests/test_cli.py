"""The command line as a user meets it: exit codes, messages, untouched output."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, Site, run_cli, snapshot

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def previous_output(root: Path) -> dict[str, bytes]:
    """An output folder from an earlier build, which a failed build must not touch."""
    for group in ("rtc", "aifh"):
        folder = root / "output" / group
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(f"<p>the {group} site as published</p>")
        (folder / "courses").mkdir()
        (folder / "courses" / "index.html").write_text("<p>courses</p>")
    return snapshot(root / "output")


def assert_each_error_once(err: str, expected: list[str]) -> None:
    """Every error is one that expect.txt lists (it may list the start of a message), and
    each is reported once: not again in other words, nor once per group."""
    errors = [line for line in err.splitlines() if ": error:" in line]
    for message in errors:
        assert any(message.startswith(line) for line in expected), \
            f"{message!r} is not in expect.txt:\n{err}"
    for line in expected:
        found = [message for message in errors if message.startswith(line)]
        assert len(found) == 1, f"{line!r} reported {len(found)} times:\n{err}"


def assert_no_absolute_path(said: str, tmp_path: Path) -> None:
    """Messages name paths from the site's folder, and no raw OS error (acceptance 3)."""
    assert "[Errno" not in said, said
    for absolute in {str(tmp_path), str(tmp_path.resolve()), str(REPO), sys.prefix,
                     sys.base_prefix, "/tmp/", "/home/", "/usr/"}:
        assert absolute not in said, f"{absolute!r} in:\n{said}"


@pytest.mark.parametrize("case", CASES)
def test_broken_site(case: str, tmp_path: Path) -> None:
    root = tmp_path / case
    shutil.copytree(BROKEN / case, root)
    code, *expected = (root / "expect.txt").read_text().splitlines()
    before = previous_output(root)
    result = run_cli(cwd=root)
    assert result.code == int(code), result.err
    for line in expected:
        assert line in result.err, f"missing {line!r} in:\n{result.err}"
    assert_each_error_once(result.err, [line for line in expected if ": error:" in line])
    assert "Traceback" not in result.err + result.out
    assert_no_absolute_path(result.err + result.out, tmp_path)
    for message in result.err.splitlines():
        if ": error:" in message:
            path, line_number, _ = message.split(":", 2)
            assert (root / path).is_file() and line_number.isdigit(), message
    assert snapshot(root / "output") == before
    assert not (root / "ESCAPED").exists()
    assert sorted(p.name for p in (root / "output").iterdir()) == ["aifh", "rtc"]


def test_check_reports_the_same_errors_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(BROKEN / "many-errors", root)
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert "content/a.md:2: error: unknown group 'rtx'" in result.err
    assert re.search(r"^found \d+ errors$", result.err, re.MULTILINE), result.err
    assert "build failed" not in result.err
    assert not (root / "output").exists()
    assert not (root / ".cache").exists()


def test_check_decodes_images_but_makes_no_variant_and_no_cache(site: Site) -> None:
    site.image("photo.png", (900, 600))
    damaged = site.image("damaged.png", (900, 600))
    damaged.write_bytes(damaged.read_bytes()[:300])
    site.page("p.md", "title: P\ngroups: rtc\n\n![a](/images/photo.png)\n\n"
              "![b](/images/damaged.png)\n")
    before = sorted(p.relative_to(site.root) for p in site.root.rglob("*"))
    result = site.build("check")
    assert result.code == 1
    assert "content/p.md:6: error: 'content/images/damaged.png' is damaged" in result.err
    assert "found 1 error\n" in result.err
    assert sorted(p.relative_to(site.root) for p in site.root.rglob("*")) == before


def test_check_on_a_good_site(site: Site) -> None:
    site.page("p.md", "title: P\ngroups: rtc\n\nText\n")
    result = site.build("check")
    assert result.code == 0, result.err
    assert "no errors found" in result.out
    assert not (site.root / "output").exists()


def test_group_option_builds_only_that_group(site: Site) -> None:
    site.page("p.md", "title: P\ngroups: all\n\nText\n")
    result = site.build("--group", "aifh")
    assert result.code == 0, result.err
    assert result.out.startswith("aifh: 1 page, 0 images in ")
    assert sorted(p.name for p in (site.root / "output").iterdir()) == ["aifh"]


def test_usage_mistakes_exit_2(site: Site) -> None:
    site.page("p.md", "title: P\ngroups: rtc\n\nText\n")
    unknown = site.build("--group", "rtcc")
    assert unknown.code == 2
    assert "error: --group rtcc: no such group" in unknown.err
    assert "did you mean 'rtc'?" in unknown.err
    assert site.build("--jobs", "0").code == 2
    assert site.build("--bogus").code == 2
    missing = run_cli(cwd=site.root / "content")
    assert missing.code == 2
    assert "site.yaml: error: no such file" in missing.err


def test_config_and_output_options(site: Site, tmp_path: Path) -> None:
    site.page("p.md", "title: P\ngroups: rtc\n\nText\n")
    target = tmp_path / "elsewhere"
    result = run_cli("--config", str(site.root / "site.yaml"), "--output", str(target),
                     "--quiet", cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out == ""
    assert (target / "rtc" / "p" / "index.html").is_file()


def test_warnings_are_shown_and_fatal_with_strict(site: Site) -> None:
    site.page("p.md", "title: P\ngroups: rtc\ntags: a\ntags: b\n\nText\n")
    relaxed = site.build()
    assert relaxed.code == 0
    assert "content/p.md:4: warning: 'tags' is repeated" in relaxed.err
    strict = site.build("--strict")
    assert strict.code == 1
    assert "content/p.md:4: warning: 'tags' is repeated" in strict.err


def test_drafts_option(site: Site) -> None:
    site.page("d.md", "title: D\ngroups: rtc\nstatus: draft\n\nText\n")
    site.page("p.md", "title: P\ngroups: rtc\n\nText\n")
    assert site.build().code == 0
    assert not (site.root / "output/rtc/d").exists()
    assert site.build("--drafts").code == 0
    assert (site.root / "output/rtc/d/index.html").is_file()


def test_a_site_without_its_content_folder_is_refused(tmp_path: Path) -> None:
    # An empty site would be built, and publishing it would empty the live one.
    (tmp_path / "site.yaml").write_text("groups:\n  rtc:\n    title: RTC\n"
                                        "    url: https://rtc.example.org/\n")
    for command in ([], ["check"]):
        result = run_cli(*command, cwd=tmp_path)
        assert result.code == 2, result.err
        assert "site.yaml: error: the content folder content does not exist" in result.err
        assert "create content/ beside site.yaml" in result.err
    assert not (tmp_path / "output").exists()
