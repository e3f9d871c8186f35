"""`build-site publish` refuses a local target that is, is inside or contains the site's own
folders, before it builds or touches anything; a folder of its own (public/, a sibling) is fine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Site, snapshot
from tests.publish.test_publish import git, publish

REFUSED = [
    ("content", "is the site's content folder (content/)"),
    ("content/courses", "is inside the site's content folder (content/)"),
    ("static/../content", "is the site's content folder (content/)"),
    ("templates", "is the site's templates folder (templates/)"),
    ("static", "is the site's static folder (static/)"),
    (".cache", "is the site's cache folder (.cache/)"),
    ("output", "is the site's output folder (output/)"),
    ("output/rtc", "is the output folder of group rtc (output/rtc/)"),
    ("output/aifh/x", "is inside the output folder of group aifh (output/aifh/)"),
    (".", "is the site folder (the one holding site.yaml)"),
    ("..", "contains the site folder (the one holding site.yaml)"),
    ("/", "contains the site folder (the one holding site.yaml)"),
]


def refused(site: Site, *args: str) -> str:
    """Publish with --delete, expect the refusal, and check that nothing was built or changed."""
    before = snapshot(site.root)
    result = site.build("publish", "--group", "rtc", "--delete", *args)
    assert result.code == 2, result.out + result.err
    assert result.err.count("error:") == 1 and "\n    hint: " in result.err
    assert snapshot(site.root) == before
    return result.err


@pytest.mark.parametrize("target,overlap", REFUSED)
def test_a_target_overlapping_the_site_is_refused_before_anything(demo: Site, target: str,
                                                                  overlap: str) -> None:
    # '/' also with --dry-run: were the refusal ever lost, nothing there would be at risk
    err = refused(demo, *(["--dry-run"] if target == "/" else []), target)
    assert err.startswith(f"build-site publish: error: target '{target}' {overlap}")
    assert not (demo.root / "output").exists() and not (demo.root / ".cache").exists()


def test_built_folders_are_refused_as_they_are_on_disk(demo: Site) -> None:
    assert demo.build("--group", "rtc", "--quiet").code == 0
    for target, overlap in [
            ("output", "is the site's output folder"),
            (f"file://{demo.root}/output/rtc/", "is the output folder of group rtc"),
            (f"{demo.root}/.cache/images", "is inside the site's cache folder")]:
        assert f"target '{target}' {overlap}" in refused(demo, target)


def test_a_symlink_to_content_is_content(demo: Site, tmp_path: Path) -> None:
    link = tmp_path / "www"
    link.symlink_to(demo.root / "content", target_is_directory=True)
    pages = snapshot(demo.root / "content")
    err = refused(demo, str(link))
    assert f"target '{link}' is the site's content folder (content/)" in err
    assert snapshot(demo.root / "content") == pages


def test_a_git_repository_in_the_site_is_refused(demo: Site) -> None:
    git("init", "--quiet", cwd=demo.root)
    err = refused(demo, f"git+file://{demo.root}#gh-pages")
    assert "is the site folder" in err
    assert git("for-each-ref", cwd=demo.root) == ""  # no branch was pushed into it


@pytest.mark.parametrize("entry", ["    publish: {target: content}\n",
                                   "    publish:\n      target: ./content/\n"])
def test_a_site_yaml_target_in_the_site_names_its_line(demo: Site, entry: str) -> None:
    config = demo.root / "site.yaml"
    text = config.read_text().replace("    title: RTC Deep Learning\n",
                                      "    title: RTC Deep Learning\n" + entry)
    config.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "target:" in row)
    target = entry.split("target: ")[1].strip(" }\n")
    err = refused(demo)
    assert err.startswith(f"site.yaml:{line}: error: publish target '{target}' of group rtc "
                          "is the site's content folder (content/)")


def test_public_in_the_site_and_a_sibling_folder_are_fine(demo: Site, tmp_path: Path) -> None:
    pages = snapshot(demo.root / "content")
    publish(demo, "--group", "rtc", "--delete", "public")
    output = snapshot(demo.root / "output/rtc")
    assert snapshot(demo.root / "public") == output
    publish(demo, "--group", "rtc", "--delete", "../www")  # next to the site folder
    assert snapshot(tmp_path / "www") == output
    again = publish(demo, "--group", "rtc", "--delete", "./public/")
    assert "sent 0 new and 0 changed files (0 B), deleted 0" in again.out
    assert snapshot(demo.root / "content") == pages
