"""`build-site new`: a site that builds from nothing, courses and lessons added, nothing
written over."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import BASIC_SITE_YAML, run_cli


def test_a_new_site_builds_at_once_with_its_course_lessons_and_picture(tmp_path: Path) -> None:
    made = run_cli("new", "Deep-learning_course", cwd=tmp_path)
    assert made.code == 0, made.err
    assert "next: cd Deep-learning_course && build-site serve" in made.out
    site = tmp_path / "Deep-learning_course"
    assert "  deep-learning-course:\n    title: Deep learning course\n" in (
        site / "site.yaml").read_text()
    built = run_cli(cwd=site)
    assert built.code == 0, built.err
    assert built.err == ""  # not a warning
    out = site / "output" / "deep-learning-course"
    course = (out / "courses" / "first-steps" / "index.html").read_text()
    assert "Getting started" in course and "Going further" in course
    assert list((out / "images" / "courses").glob("first-steps.*.640x360.webp"))  # its card
    first = (out / "courses" / "first-steps" / "getting-started" / "index.html").read_text()
    assert "/courses/first-steps/going-further/" in first  # the next lesson is linked
    assert "<math" in first  # the lesson's formula is typeset


def test_courses_and_lessons_are_added_in_the_groups_asked_for(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(BASIC_SITE_YAML)
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "index.md").write_text("title: Home\ngroups: all\n\nHi\n")
    several = run_cli("new", "--course", "Statistics", cwd=tmp_path)
    assert several.code == 2
    assert "error: the site has several groups: say which the course is for" in several.err
    assert "--group NAME (one of rtc, aifh" in several.err
    assert not (tmp_path / "content" / "courses").exists()
    added = run_cli("new", "--course", "Statistics", "--group", "aifh", "--lesson", "Means",
                    cwd=tmp_path)
    assert added.code == 0, added.err
    assert run_cli("new", "--lesson", "Variances", cwd=tmp_path).code == 0  # the only course
    course = tmp_path / "content" / "courses" / "statistics"
    assert "groups: aifh\n" in (course / "index.md").read_text()
    assert "groups: aifh\norder: 2\n" in (course / "variances.md").read_text()
    built = run_cli(cwd=tmp_path)
    assert built.code == 0, built.err
    assert (tmp_path / "output" / "aifh" / "courses" / "statistics" / "means" / "index.html"
            ).is_file()
    assert not (tmp_path / "output" / "rtc" / "courses" / "statistics").exists()


def test_nothing_is_written_over(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("my notes")
    refused = run_cli("new", "mine", cwd=tmp_path)
    assert refused.code == 2
    assert "mine: error: the folder is not empty" in refused.err
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]
    assert run_cli("new", "site", cwd=tmp_path).code == 0
    lesson = tmp_path / "site" / "content" / "courses" / "first-steps" / "going-further.md"
    lesson.write_text("title: Mine\ngroups: all\n\nmy lesson\n")
    again = run_cli("new", "--lesson", "Going further", cwd=tmp_path / "site")
    assert again.code == 2
    assert "going-further.md: error: the file is there already: nothing was written" in again.err
    assert lesson.read_text() == "title: Mine\ngroups: all\n\nmy lesson\n"
    assert run_cli("new", "--course", "Other", cwd=tmp_path / "site").code == 0
    which = run_cli("new", "--lesson", "X", cwd=tmp_path / "site")
    assert which.code == 2 and "error: which course is the lesson for?" in which.err
    assert "the courses: first-steps, other" in which.err
