"""Incremental builds write exactly what a clean build writes, after every kind of change."""

from __future__ import annotations

import importlib.metadata
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import markdown
import pytest

from coursesite import digest
from coursesite.build import fresh, pipeline, units
from coursesite.content import loader
from coursesite.render.group import GroupRenderer
from coursesite.state import bodies
from tests.conftest import Site, api_build, clean_build_of, snapshot


def course_site(site: Site, lessons: int = 6) -> None:
    site.image("cover.png", (800, 450))
    site.image("figure.png", (900, 600))
    site.page("index.md", "title: Home\ngroups: all\n\nWelcome\n")
    site.page("course/index.md", "title: Course\ngroups: all\npicture: cover.png\n\nThe course\n")
    for n in range(1, lessons + 1):
        groups = "all" if n % 2 else "rtc"
        date = f"2026-{1 + n // 28:02d}-{1 + n % 28:02d}"
        site.page(f"course/lesson-{n}.md",
                  f"title: Lesson {n}\ngroups: {groups}\norder: {n}\ndate: {date}\n\n"
                  f"## Part {n}\n\nText of lesson {n} (c) the authors. "
                  "See [the first](lesson-1.md#part-1).\n\n"
                  "![figure]({{ IMGURL }}/images/figure.png)\n")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


CHANGES: dict[str, Callable[[Site], None]] = {
    "page text": lambda s: edit(s.root / "content/course/lesson-3.md", "Text of", "New text of"),
    "page text, one group": lambda s: edit(s.root / "content/course/lesson-2.md", "Text of",
                                           "New text of"),
    "page title": lambda s: edit(s.root / "content/course/lesson-2.md", "title: Lesson 2",
                                 "title: Lesson two"),
    "page order": lambda s: edit(s.root / "content/course/lesson-5.md", "order: 5", "order: 0"),
    "template": lambda s: s.write("templates/page.html", '{% extends "base.html" %}'
                                  '{% block content %}<div class="mine">{{ content }}</div>'
                                  "{% endblock %}"),
    "site.yaml": lambda s: edit(s.root / "site.yaml", "title: RTC", "title: RTC Lab"),
    # (c) in each lesson becomes a copyright sign: every page is converted again.
    "markdown extension": lambda s: (s.root / "site.yaml").write_text(
        (s.root / "site.yaml").read_text() + "markdown_extensions: [pymdownx.smartsymbols]\n"),
    "image": lambda s: s.image("figure.png", (600, 900)),
    "page added": lambda s: s.page("course/lesson-9.md",
                                   "title: Lesson 9\ngroups: rtc\norder: 9\n\nNew\n"),
    "page deleted": lambda s: (s.root / "content/course/lesson-4.md").unlink(),
    "page moved to another group": lambda s: edit(s.root / "content/course/lesson-6.md",
                                                  "groups: rtc", "groups: aifh"),
}


@pytest.fixture(params=["default", "smallest"])
def thresholds(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The build's size thresholds as they are, or each at its smallest value, so that
    every path they choose between is taken (worker processes for loading and rendering,
    one unit per piece of work, bodies stored one at a time, the walk over each record's
    questions, pruning); returns the jobs to build with."""
    if request.param == "default":
        return 1
    monkeypatch.setattr(loader, "PARALLEL_FROM", 1)
    monkeypatch.setattr(units, "PARALLEL_FROM", 1)
    monkeypatch.setattr(units, "CHUNK", 1)
    monkeypatch.setattr(bodies, "BATCH", 1)
    monkeypatch.setattr(fresh, "FEW_BODIES", 0)
    monkeypatch.setattr(pipeline, "PRUNE_FROM", 0)
    return 2


@pytest.mark.parametrize("change", list(CHANGES))
def test_incremental_build_equals_clean_build(site: Site, tmp_path: Path, change: str,
                                              thresholds: int) -> None:
    course_site(site)
    first = api_build(site, jobs=thresholds)
    assert first.rendered > 0
    assert api_build(site, jobs=thresholds).rendered == 0  # nothing changed: nothing rendered
    CHANGES[change](site)
    again = api_build(site, jobs=thresholds)
    assert again.rendered > 0
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)


def test_one_page_edit_rerenders_only_what_shows_it(site: Site) -> None:
    course_site(site, lessons=8)
    api_build(site)
    edit(site.root / "content/course/lesson-4.md", "Text of", "Changed text of")
    assert api_build(site).rendered == 1  # the text shows on its own page only
    edit(site.root / "content/course/lesson-4.md", "title: Lesson 4", "title: Lesson four")
    # Its title shows in its own page, its neighbours' prev/next, every sidebar of the
    # course in its group (rtc), the course page and the feed: not in the other group.
    rendered = api_build(site).rendered
    assert 1 < rendered < 20


def test_a_body_edit_in_one_group_leaves_the_other_groups_alone(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    course_site(site)
    first = site.build()
    accepted: list[str] = []
    take_in = GroupRenderer.accept

    def spy(renderer: GroupRenderer, *args: Any) -> None:
        accepted.append(renderer.group.name)
        take_in(renderer, *args)

    monkeypatch.setattr(GroupRenderer, "accept", spy)
    edit(site.root / "content/course/lesson-2.md", "Text of", "Changed text of")  # rtc only
    assert api_build(site).rendered == 1
    assert set(accepted) == {"rtc"}  # aifh was not looked at: its output stays as it was
    edit(site.root / "content/course/lesson-2.md", "Changed text of", "Text of")
    again = site.build()
    assert again.code == 0
    assert summary_lines(again.out) == summary_lines(first.out)  # every group is reported


def summary_lines(out: str) -> list[str]:
    """'rtc: 8 pages, 2 images' for each group, in order, without the time."""
    return [line.split(" in ")[0] for line in out.splitlines() if " pages, " in line]


def test_an_unchanged_tree_is_not_even_read(site: Site,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    course_site(site)
    api_build(site)

    def no_loading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pages were loaded")
    monkeypatch.setattr(pipeline, "load_pages", no_loading)
    assert api_build(site).rendered == 0
    result = site.build()
    assert result.code == 0 and result.err == ""
    assert "rtc: 8 pages, 2 images" in result.out


def test_unchanged_files_keep_their_inode(site: Site) -> None:
    course_site(site)
    api_build(site)
    lesson = site.root / "output/rtc/course/lesson-1/index.html"
    other = site.root / "output/rtc/course/lesson-3/index.html"
    before = lesson.stat().st_ino
    edit(site.root / "content/course/lesson-3.md", "Text of", "Other text of")
    api_build(site)
    assert lesson.stat().st_ino == before
    assert "Other text of" in other.read_text()


def test_jobs_do_not_change_the_output(site: Site, tmp_path: Path) -> None:
    course_site(site, lessons=60)  # enough pages for worker processes to be used
    serial = api_build(site, jobs=1, output=tmp_path / "serial")
    parallel = api_build(site, jobs=2, output=tmp_path / "parallel")
    assert serial.rendered == parallel.rendered > 48
    assert snapshot(tmp_path / "serial") == snapshot(tmp_path / "parallel")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_layout_edit_converts_no_markdown_again(site: Site, tmp_path: Path, jobs: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # With workers, each stores its own bodies; neither may be shut out by the other.
    course_site(site, lessons=60 if jobs > 1 else 6)
    api_build(site, jobs=jobs)
    CHANGES["template"](site)

    def no_markdown(self: markdown.Markdown, source: str) -> str:
        raise AssertionError(f"converted again: {source[:40]!r}")
    monkeypatch.setattr(markdown.Markdown, "convert", no_markdown)
    assert api_build(site).rendered > 8  # every page of both groups, in the new layout
    monkeypatch.undo()
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)


def state_db(site: Site) -> sqlite3.Connection:
    return sqlite3.connect(site.root / ".cache/state.sqlite", isolation_level=None)


def test_a_damaged_body_in_the_state_is_converted_again(site: Site, tmp_path: Path) -> None:
    course_site(site)
    api_build(site)
    with state_db(site) as db:
        for key, value in db.execute("SELECT key, value FROM bodies").fetchall():
            db.execute("UPDATE bodies SET value = ? WHERE key = ?",
                       (value.replace(b"Text of lesson", b"Text of lessen"), key))
    CHANGES["template"](site)
    api_build(site)
    assert not any(b"lessen" in data for data in snapshot(site.root / "output").values())
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)


def test_a_state_file_that_is_no_database_is_made_anew_with_a_warning(site: Site) -> None:
    course_site(site)
    assert site.build().code == 0
    (site.root / ".cache/state.sqlite").write_bytes(b"not a database" * 500)
    for suffix in ("-wal", "-shm"):
        (site.root / f".cache/state.sqlite{suffix}").unlink(missing_ok=True)
    edit(site.root / "content/course/lesson-1.md", "Text of", "Some text of")
    result = site.build()
    assert result.code == 0
    assert ".cache/state.sqlite: warning: the build state is not a database; it is made " \
           "anew" in result.err
    assert "Some text of" in site.out("rtc/course/lesson-1/index.html")
    assert site.build().err == ""  # made anew, trusted again


def test_a_one_page_edit_rewrites_only_that_pages_rows(site: Site) -> None:
    course_site(site)
    api_build(site)
    with state_db(site) as db:
        before = dict(db.execute("SELECT grp || ' ' || output, record FROM units"))
    edit(site.root / "content/course/lesson-3.md", "Text of", "Changed text of")
    assert api_build(site).rendered == 2  # lesson 3 is in both groups
    with state_db(site) as db:
        after = dict(db.execute("SELECT grp || ' ' || output, record FROM units"))
    assert set(after) == set(before)
    assert {unit for unit in after if after[unit] != before[unit]} == {
        "rtc course/lesson-3/index.html", "aifh course/lesson-3/index.html"}


def test_a_damaged_row_of_a_page_renders_it_again(site: Site, tmp_path: Path) -> None:
    course_site(site)
    assert site.build().code == 0
    with state_db(site) as db:
        db.execute("UPDATE units SET record = ? WHERE output = 'course/lesson-1/index.html'",
                   (b"[1, 2",))
    edit(site.root / "content/course/lesson-1.md", "Text of", "Some text of")
    assert api_build(site).rendered == 2
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)


def test_a_state_of_another_version_is_not_trusted(site: Site, tmp_path: Path) -> None:
    course_site(site)
    assert site.build().code == 0
    with state_db(site) as db:
        db.execute("PRAGMA user_version = 99")
    result = site.build()
    assert result.code == 0 and "written by another version of coursesite" in result.err
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)


def test_other_versions_of_the_libraries_make_everything_again(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    course_site(site)
    everything = api_build(site).rendered
    assert api_build(site).rendered == 0
    # What an upgrade of Markdown leaves on sys.path: another version's metadata folder.
    upgraded = tmp_path / "site-packages"
    (upgraded / "Markdown-99.0.dist-info").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(upgraded))
    digest.code_fingerprint.cache_clear()
    try:
        assert api_build(site).rendered == everything  # a stale page is impossible
        assert api_build(site).rendered == 0
    finally:
        monkeypatch.undo()
        digest.code_fingerprint.cache_clear()


def test_the_fingerprint_names_each_library_once_with_its_version() -> None:
    found = digest.installed(digest.LIBRARIES)
    versions = {name: importlib.metadata.version(name) for name in digest.LIBRARIES}
    for name, version in versions.items():
        assert any(digest.normalized(folder.split("-", 1)[0]) == digest.normalized(name)
                   and f"-{version}." in folder for folder in found), (name, found)


def test_failed_incremental_build_leaves_output(site: Site) -> None:
    course_site(site)
    assert site.build().code == 0
    before = snapshot(site.root / "output")
    edit(site.root / "content/course/lesson-2.md", "Text of", "{{ nope }}")
    assert site.build().code == 1
    assert snapshot(site.root / "output") == before
    edit(site.root / "content/course/lesson-2.md", "{{ nope }}", "Fixed")
    assert site.build().code == 0
    assert "Fixed" in site.out("rtc/course/lesson-2/index.html")


def test_a_body_edit_that_removes_an_anchor_fails_the_pages_linking_to_it(site: Site) -> None:
    course_site(site)
    assert site.build().code == 0
    before = snapshot(site.root / "output")
    edit(site.root / "content/course/lesson-1.md", "## Part 1", "## Section 1")
    result = site.build()
    assert result.code == 1
    assert "content/course/lesson-2.md:8: error: link 'lesson-1.md#part-1': there is no " \
           "'#part-1' on that page" in result.err
    assert snapshot(site.root / "output") == before


def test_an_image_a_kept_page_links_to_stays_published(site: Site, tmp_path: Path) -> None:
    # A link to a content image (not an <img>) plans the image with its page: a rebuild
    # that keeps the page used to leave the image out, and delete it from the output.
    course_site(site)
    edit(site.root / "content/course/lesson-1.md", "Text of lesson 1",
         "The [full figure](/images/figure.png) and text of lesson 1")
    site.image("only-linked.png", (300, 200))
    edit(site.root / "content/course/lesson-3.md", "Text of lesson 3",
         "A [diagram](/images/only-linked.png). Text of lesson 3")
    api_build(site)
    assert (site.root / "output/rtc/images/only-linked.png").is_file()
    edit(site.root / "content/course/lesson-5.md", "Text of", "New text of")
    assert api_build(site).rendered > 0
    assert (site.root / "output/rtc/images/only-linked.png").is_file()
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)
