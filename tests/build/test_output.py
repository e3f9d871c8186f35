"""The output is verified, not trusted: whatever happened to it, the next build repairs it,
and no file that coursesite did not write is ever changed or deleted."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coursesite.build.output import (
    MARK,
    STAGING,
    _mark_text,
    mark,
    remove_stale_staging,
    staging_for,
)
from coursesite.fsutil import make_dirs_below
from tests.build.test_incremental import clean_build_of, course_site, edit
from tests.conftest import Site, snapshot


def built(site: Site) -> Site:
    course_site(site)
    result = site.build()
    assert result.code == 0, result.err
    return site


def assert_repaired(site: Site, tmp_path: Path) -> None:
    """The next plain build exits 0 and leaves exactly what a clean build writes."""
    result = site.build()
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)


# -- what happened to the output ---------------------------------------------------------


def test_a_deleted_output_folder_is_written_again(site: Site, tmp_path: Path) -> None:
    shutil.rmtree(built(site).root / "output")
    assert_repaired(site, tmp_path)


def test_a_deleted_group_folder_is_written_again(site: Site, tmp_path: Path) -> None:
    shutil.rmtree(built(site).root / "output/rtc")
    assert_repaired(site, tmp_path)


def test_a_page_deleted_by_hand_is_restored(site: Site, tmp_path: Path) -> None:
    (built(site).root / "output/aifh/course/lesson-3/index.html").unlink()
    assert_repaired(site, tmp_path)


def test_a_page_and_the_css_edited_by_hand_are_restored(site: Site, tmp_path: Path) -> None:
    built(site)
    page = site.root / "output/rtc/course/lesson-1/index.html"
    page.write_text(page.read_text().replace("Lesson 1", "Lesson one"))
    css = next((site.root / "output/rtc/css").glob("*.css"))
    css.write_text("body { color: red }")
    assert_repaired(site, tmp_path)


def test_a_deleted_cache_with_the_output_kept(site: Site, tmp_path: Path) -> None:
    shutil.rmtree(built(site).root / ".cache")
    assert_repaired(site, tmp_path)


# -- what is not coursesite's -------------------------------------------------------------


def test_a_file_coursesite_did_not_write_is_never_touched(site: Site) -> None:
    built(site)
    mine = site.root / "output/rtc/notes/mine.txt"
    mine.parent.mkdir()
    mine.write_text("my own notes")
    before = snapshot(site.root / "output")
    edit(site.root / "content/course/lesson-1.md", "Text of", "Other text of")
    result = site.build()
    assert result.code == 2
    assert "site.yaml:2: error: output/rtc holds files that coursesite did not write (or " \
           "that it no longer knows it wrote): notes/mine.txt" in result.err
    assert "hint:" in result.err
    assert snapshot(site.root / "output") == before  # nothing changed, in either group
    mine.unlink()
    assert site.build().code == 0


def test_a_file_where_a_new_page_goes_is_not_overwritten(site: Site) -> None:
    built(site)
    mine = site.root / "output/rtc/course/new/index.html"
    mine.parent.mkdir()
    mine.write_text("my own page")
    site.page("course/new.md", "title: New\ngroups: rtc\n\nNew page.\n")
    result = site.build()
    assert result.code == 2 and "course/new/index.html" in result.err
    assert mine.read_text() == "my own page"


def test_a_deleted_or_edited_search_index_is_made_again(site: Site, tmp_path: Path) -> None:
    built(site)
    shutil.rmtree(site.root / "output/rtc/pagefind")
    (site.root / "output/aifh/pagefind/pagefind-ui.js").write_text("junk")
    assert_repaired(site, tmp_path)


def test_a_page_in_the_search_index_folder_is_an_error(site: Site) -> None:
    course_site(site)
    site.page("pagefind.md", "title: Search help\ngroups: rtc\n\nHow to search.\n")
    result = site.build()
    assert result.code == 1
    assert "content/pagefind.md: error: the page would be written to pagefind/index.html" \
        in result.err


def test_hidden_files_in_the_output_are_left_alone(site: Site, tmp_path: Path) -> None:
    built(site)
    git = site.root / "output/rtc/.git/HEAD"
    git.parent.mkdir()
    git.write_text("ref: refs/heads/gh-pages\n")
    shutil.rmtree(site.root / "output/rtc/course")
    result = site.build()
    assert result.code == 0, result.err
    assert git.read_text() == "ref: refs/heads/gh-pages\n"
    git.unlink()
    git.parent.rmdir()
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)


def test_a_group_folder_that_is_a_link_is_refused(site: Site, tmp_path: Path) -> None:
    course_site(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    (site.root / "output").mkdir()
    (site.root / "output/rtc").symlink_to(elsewhere, target_is_directory=True)
    result = site.build()
    assert result.code == 2
    assert "output/rtc is a link to" in result.err and "Traceback" not in result.err
    assert [p.name for p in elsewhere.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("output", [".", ".."])
def test_an_output_folder_over_the_project_is_refused(site: Site, output: str) -> None:
    course_site(site)
    yaml = site.root / "site.yaml"
    name = site.root.name if output == ".." else "content"
    yaml.write_text(f"output: {output}\n" + yaml.read_text().replace("rtc:", f"{name}:", 1))
    before = project_files(site)
    result = site.build()
    assert result.code == 2, result.err
    assert "site.yaml:1: error: the output of group" in result.err
    assert "overlaps" in result.err and "Traceback" not in result.err
    assert project_files(site) == before


def project_files(site: Site) -> dict[Path, bytes]:
    """Every file of the project but the cache folder (where the build's lock lives)."""
    return {p: p.read_bytes() for p in site.root.rglob("*")
            if p.is_file() and ".cache" not in p.relative_to(site.root).parts}


# -- builds at once, builds stopped ----------------------------------------------------------


def start_build(site: Site, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "coursesite", *args], cwd=site.root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_builds_started_together_wait_for_each_other(site: Site, tmp_path: Path) -> None:
    course_site(site, lessons=60)
    first, second = start_build(site), start_build(site)
    results = [(proc.wait(timeout=300), *proc.communicate()) for proc in (first, second)]
    for code, _out, err in results:
        assert code == 0, err
        assert "Traceback" not in err
    assert any("another build of this site is running" in err for _, _, err in results)
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)


def killed_at(site: Site, seconds: float) -> None:
    proc = start_build(site, "--jobs", "2")
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()


def build_seconds(site: Site) -> float:
    start = time.perf_counter()
    assert site.build("--jobs", "2").code == 0
    return time.perf_counter() - start


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_a_build_killed_at_any_moment_is_repaired_by_the_next(site: Site, tmp_path: Path,
                                                               warm: bool) -> None:
    course_site(site, lessons=20)
    lesson = site.root / "content/course/lesson-3.md"
    texts = [lesson.read_text(), lesson.read_text().replace("## Part 3", "## Part three")]
    clean = []
    for text in texts:  # what a clean build writes, for each of the two texts of the lesson
        lesson.write_text(text)
        clean.append(clean_build_of(site, tmp_path))
    lesson.write_text(texts[0])
    length = build_seconds(site)  # its output and cache are those of a warm build now
    for moment in range(10):
        if warm:  # an edit, so that the build killed has something to write
            lesson.write_text(texts[(moment + 1) % 2])
        else:
            shutil.rmtree(site.root / "output", ignore_errors=True)
            shutil.rmtree(site.root / ".cache", ignore_errors=True)
        killed_at(site, length * (moment + 0.5) / 10)
        result = site.build("--jobs", "2")
        assert result.code == 0 and "Traceback" not in result.err, result.err
        expected = clean[(moment + 1) % 2 if warm else 0]
        # The groups' folders; a worker of the build killed may outlive it for a moment,
        # writing into its staging folder beside them, which the next build removes.
        assert groups_of(site) == expected, f"killed at moment {moment}"
    assert site.build().code == 0
    assert not list((site.root / "output").glob(".coursesite-staging-*"))


def test_only_staging_folders_coursesite_marked_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "output"
    ours = staging_for(out, "rtc")
    (ours / "page").mkdir()
    (ours / "page" / "index.html").write_text("half written")
    gone = out / f"{STAGING}search-old-rtc-1"  # marked, then stopped before it was made
    mark(gone)
    cut = out / f"{STAGING}search-new-rtc-2"  # stopped while its mark was being written
    (out / f"{cut.name}{MARK}").write_text(_mark_text(cut)[:9])
    (out / f"{STAGING}search-new-rtc-3{MARK}").write_text("")
    empty = out / f"{STAGING}aifh-7"  # unmarked (an older coursesite's), but empty
    empty.mkdir()
    theirs = out / f"{STAGING}notes"
    theirs.mkdir()
    (theirs / "mine.txt").write_text("keep")
    forged = out / f"{STAGING}other"
    forged.mkdir()
    (forged / "mine.txt").write_text("keep")
    (out / f"{STAGING}other{MARK}").write_text("not what coursesite writes")
    assert remove_stale_staging(out) == [theirs, forged]
    assert sorted(p.name for p in out.iterdir()) == [theirs.name, forged.name,
                                                    f"{forged.name}{MARK}"]
    assert (theirs / "mine.txt").read_text() == (forged / "mine.txt").read_text() == "keep"


def test_a_folder_named_like_a_staging_folder_is_kept_with_a_warning(site: Site) -> None:
    built(site)
    theirs = site.root / "output" / f"{STAGING}notes"
    theirs.mkdir()
    (theirs / "mine.txt").write_text("keep")
    result = site.build()
    assert result.code == 0, result.err
    assert (f"output/{STAGING}notes: warning: a folder named like coursesite's staging "
            "folders, but not marked as one of them, is left as it is") in result.err
    assert (theirs / "mine.txt").read_text() == "keep"


def test_pages_are_written_only_below_a_staging_folder_that_exists(tmp_path: Path) -> None:
    # A worker of a stopped build must not make again the folder the next build removed.
    with pytest.raises(FileNotFoundError):
        make_dirs_below(tmp_path / "gone", tmp_path / "gone" / "a" / "b")
    assert not (tmp_path / "gone").exists()
    make_dirs_below(tmp_path, tmp_path / "a" / "b")
    make_dirs_below(tmp_path, tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()


def groups_of(site: Site) -> dict[str, bytes]:
    return {rel: data for rel, data in snapshot(site.root / "output").items()
            if not rel.startswith(".")}


# -- the machine -------------------------------------------------------------------------


def test_two_clean_builds_on_different_machines_settings_are_identical(
        site: Site, tmp_path: Path) -> None:
    course_site(site, lessons=50)
    outputs = []
    for index, (seed, tz, lang, jobs) in enumerate([("1", "UTC", "C.UTF-8", "1"),
                                                    ("4242", "Asia/Kolkata", "de_DE.UTF-8", "2")]):
        folder = tmp_path / f"out{index}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz, "LANG": lang, "LC_ALL": lang}
        proc = subprocess.run([sys.executable, "-m", "coursesite", "--jobs", jobs, "--output",
                               str(folder)], cwd=site.root, env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        outputs.append(snapshot(folder))
        shutil.rmtree(site.root / ".cache")
    assert outputs[0] == outputs[1]


def full_disk(path: Path, megabytes: int) -> bool:
    """Mount a small file system at `path` (needs root, as on CI)."""
    path.mkdir(parents=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                           str(path)], capture_output=True, check=False)
    return proc.returncode == 0


def test_a_full_disk_leaves_the_live_output_as_it_was(site: Site, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    if not full_disk(disk, 8):
        if os.environ.get("CI"):
            pytest.fail("CI runs as root: a small tmpfs must be mountable")
        pytest.skip("mounting a tmpfs needs root")
    try:
        course_site(site)
        out = disk / "out"
        assert site.build("--output", str(out)).code == 0
        before = snapshot(out)
        filler = disk / "filler"
        with open(filler, "wb") as file:  # all but a few kB of the disk
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            file.write(b"\0" * (free - 16 * 1024))
        for n in range(1, 7):  # every page changes: far more than 16 kB to write
            edit(site.root / f"content/course/lesson-{n}.md", "Text of", "Changed text of")
        result = site.build("--output", str(out))
        assert result.code == 1 and "Traceback" not in result.err
        assert "no space left" in result.err.lower()
        assert snapshot(out) == before
        filler.unlink()
        assert site.build("--output", str(out)).code == 0
        # Pagefind's index depends on the order in which the file system lists files:
        # the clean build to compare with writes to the same kind of file system.
        clean = tmp_path / "clean"
        shutil.copytree(site.root, clean, ignore=shutil.ignore_patterns("output", ".cache"))
        assert Site(clean).build("--output", str(disk / "clean")).code == 0
        assert snapshot(out) == snapshot(disk / "clean")
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_published_images_are_copies_not_links_into_the_cache(site: Site, tmp_path: Path) -> None:
    built(site)
    variants = sorted((site.root / "output/rtc/images").glob("figure.*.webp"))
    assert variants
    shown = variants[0]
    other = site.root / "output/aifh/images" / shown.name
    cached = {p: p.read_bytes() for p in (site.root / ".cache/images").rglob("*") if p.is_file()}
    before = other.read_bytes()
    assert shown.stat().st_nlink == 1
    shown.write_bytes(b"edited by hand")
    assert other.read_bytes() == before  # the other group's copy is its own
    assert {p: p.read_bytes() for p in cached} == cached  # and so is the cache's
    assert_repaired(site, tmp_path)


def test_an_index_the_state_does_not_list_is_made_again(site: Site, tmp_path: Path) -> None:
    """As after `serve` indexed a group in the background: not someone's file."""
    built(site)
    (site.root / "output/rtc/pagefind/extra.pf_fragment").write_bytes(b"made by serve")
    edit(site.root / "content/course/lesson-1.md", "Text of", "Other text of")
    assert_repaired(site, tmp_path)
