from __future__ import annotations

import os
from pathlib import Path

import pytest

from coursesite.config.site import load_config
from coursesite.content import Page, loader
from coursesite.content.loader import load_pages
from coursesite.content.sources import find_pages
from coursesite.errors import Problems
from coursesite.fsutil import scan
from tests.config.test_yamltext import BOMB
from tests.conftest import BASIC_SITE_YAML, REPO, Site, snapshot

# The demo holds the example page of ../shared/examples/ unchanged.
EXAMPLE = REPO / "content" / "courses" / "deep-learning" / "what-is-deep-learning.md"
SHARED_EXAMPLE = REPO.parent / "shared" / "examples" / "what-is-deep-learning.md"


def load(site: Site, drafts: bool = False) -> tuple[dict[str, Page], Problems]:
    problems = Problems()
    pages = load_pages(load_config(site.root / "site.yaml"), problems, drafts=drafts)
    return {p.content_path: p for p in pages}, problems


def test_bare_header_like_the_real_content(site: Site) -> None:
    site.image("courses/Front_image2.png")
    site.page("courses/what.md", EXAMPLE.read_text(encoding="utf-8"))
    pages, problems = load(site)
    page = pages["courses/what.md"]
    assert page.title == "What is deep learning?"
    assert page.groups == ("rtc",)
    assert page.picture == "courses/Front_image2.png"
    assert page.body.lstrip().startswith("### Deep neural networks")
    assert page.body_line == 6
    assert page.url == "courses/what/"
    assert not problems.items


def test_demo_holds_the_shared_example_unchanged() -> None:
    if SHARED_EXAMPLE.exists():  # beside a checkout, as on CI
        assert EXAMPLE.read_bytes() == SHARED_EXAMPLE.read_bytes()
    assert EXAMPLE.read_text(encoding="utf-8").startswith("title: What is deep learning?\n")


def test_bare_header_details(site: Site) -> None:
    (site.root / "content").mkdir()
    (site.root / "content" / "p.md").write_bytes(
        "\ufefftitle: A: colon title\r\nGroups: rtc,\r\n    aifh\r\nlink: https://x.org/a\r\n"
        "empty:\r\nPeople: Ann, Bob\r\npeople: Cy\r\n\r\nBody **here**\r\n".encode())
    pages, problems = load(site)
    page = pages["p.md"]
    assert page.title == "A: colon title"
    assert page.groups == ("rtc", "aifh")
    assert page.meta["link"] == "https://x.org/a"
    assert page.meta["empty"] == ""
    assert page.meta["people"] == ["Ann, Bob", "Cy"]
    assert page.body == "Body **here**\n"
    assert page.body_line == 9
    [warning] = problems.warnings
    assert (warning.path, warning.line) == ("content/p.md", 7)
    assert "repeated" in warning.message


def test_a_nul_byte_is_an_error_at_its_line(site: Site) -> None:
    site.page("courses/intro.md", "title: Intro\ngroups: rtc\n\nText\nMore\0text\n")
    result = site.build()
    assert result.code == 1
    assert "content/courses/intro.md:5: error: the file holds a NUL byte" in result.err
    assert not (site.root / "output" / "rtc").exists()


def test_an_empty_title_is_reported_at_its_line(site: Site) -> None:
    site.page("courses/intro.md", "groups: rtc\ntitle:\n\nNo heading, only text.\n")
    result = site.build()
    assert result.code == 1
    assert "content/courses/intro.md:2: error: the page has no title" in result.err


def test_a_key_given_twice_in_a_yaml_header_is_an_error_at_the_second(site: Site) -> None:
    site.page("courses/intro.md", """\
        ---
        title: Intro
        groups: rtc
        title: Introduction
        ---
        Text
        """)
    result = site.build()
    assert result.code == 1
    assert "content/courses/intro.md:4: error: the key 'title' is given twice (also on " \
           "line 2)" in result.err and "hint: keep one of the two" in result.err


def test_yaml_header_and_typed_fields(site: Site) -> None:
    site.page("courses/intro.md", """\
        ---
        title: Intro
        groups: [all]
        date: 2026-03-01
        order: 2
        slug: start-here
        status: hidden
        tags: [a, b]
        ---
        Text
        """)
    pages, problems = load(site)
    page = pages["courses/intro.md"]
    assert page.groups == ("rtc", "aifh")
    assert page.date is not None and page.date.year == 2026
    assert page.order == 2
    assert page.url == "courses/start-here/"
    assert page.status == "hidden" and not page.listed
    assert page.meta["tags"] == ["a", "b"]
    assert page.category == "courses"
    assert page.body_line == 10
    assert not problems.items


def test_no_header_takes_first_heading_as_title(site: Site) -> None:
    site.write("site.yaml", "default_groups: [rtc]\n" + (site.root / "site.yaml").read_text())
    site.page("pages/notes/plain.md", "# Plain page\n\nJust text.\n")
    pages, _problems = load(site)
    page = pages["pages/notes/plain.md"]
    assert page.title == "Plain page"
    assert "# Plain page" not in page.body
    assert page.url == "notes/plain/"  # the Pelican-style pages/ folder is dropped
    assert page.groups == ("rtc",)


def test_sections_and_home(site: Site) -> None:
    site.page("index.md", "title: Home\ngroups: all\n\n")
    site.page("courses/dl/index.md", "title: DL\ngroups: rtc\n\n")
    pages, _ = load(site)
    assert pages["index.md"].url == "" and pages["index.md"].output == "index.html"
    assert pages["courses/dl/index.md"].is_section
    assert pages["courses/dl/index.md"].output == "courses/dl/index.html"


def test_drafts_are_left_out_unless_asked(site: Site) -> None:
    site.page("d.md", "title: Draft\ngroups: rtc\nstatus: draft\n\n")
    assert "d.md" not in load(site)[0]
    assert "d.md" in load(site, drafts=True)[0]


def test_each_mistake_names_its_line(site: Site) -> None:
    site.page("a.md", "title: A\ndescription: d\ngroups: rtc, aifj\n\n")
    site.page("b.md", "title: B\ngroups: rtc\npicture: nope.png\n\n")
    site.page("c.md", "title: C\ngroups: rtc\ndate: last week\norder: first\n\n")
    site.page("d.md", "---\ntitle: [unclosed\ngroups: rtc\n---\n")
    site.page("e.md", "title: E\nthis line is prose\n\n")
    site.page("f.md", "title: F\n\n")
    (site.root / "content" / "g.md").write_bytes(b"title: G\ngroups: rtc\n\n\xff\n")
    pages, problems = load(site)
    found = {(d.path, d.line): d for d in problems.errors}
    assert "did you mean 'aifh'?" in (found[("content/a.md", 3)].hint or "")
    assert "does not exist" in found[("content/b.md", 3)].message
    assert "not a date" in found[("content/c.md", 3)].message
    assert "not a whole number" in found[("content/c.md", 4)].message
    assert "invalid YAML" in found[("content/d.md", 3)].message
    # As Python-Markdown's meta extension reads it: the header ends there (SPEC §7).
    warned = {(d.path, d.line): d for d in problems.warnings}
    assert "it starts the body" in warned[("content/e.md", 2)].message
    assert "names no groups" in found[("content/e.md", 1)].message
    assert "names no groups" in found[("content/f.md", 1)].message
    assert "not valid UTF-8" in found[("content/g.md", 4)].message
    assert sorted(pages) == ["a.md", "b.md", "c.md", "e.md", "f.md"]
    assert all(page.broken for page in pages.values())


def test_pages_read_by_worker_processes_are_those_read_by_one(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many pages are read in --jobs processes: the same pages, the same errors, in order."""
    monkeypatch.setattr(loader, "PARALLEL_FROM", 4)
    for n in range(12):
        site.page(f"course/lesson-{n:02}.md",
                  f"title: Lesson {n}\ngroups: rtc\norder: {n}\n\nText {n}.\n")
    site.page("course/broken.md", "title: Broken\ngroups: rtc\norder: two\ndate: soon\n\nX\n")
    site.page("course/nogroup.md", "title: Lost\ngroups: rtx\n\nX\n")
    (site.root / "content/course/undecodable.md").write_bytes(b"title: \xff\xfe\n\nX\n")
    config = load_config(site.root / "site.yaml")
    read: dict[int, tuple[list[Page], Problems]] = {}
    for jobs in (1, 2):
        problems = Problems()
        read[jobs] = load_pages(config, problems, jobs=jobs), problems
    (serial, serial_problems), (parallel, parallel_problems) = read[1], read[2]
    assert [page.__dict__ for page in parallel] == [page.__dict__ for page in serial]
    assert len(serial) == 14
    assert parallel_problems.items == serial_problems.items
    assert [d.path.rsplit("/", 1)[-1] for d in serial_problems.errors] == [
        "broken.md", "broken.md", "nogroup.md", "undecodable.md"]


def linked_pages(site: Site, outside: Path) -> None:
    """Pages that are links: out of content/ (to a file, a folder, nothing) and within it."""
    (outside / "dir").mkdir(parents=True)
    (outside / "evil.md").write_text("title: Evil\ngroups: rtc\n\nTOP SECRET\n")
    (outside / "dir" / "more.md").write_text("title: More\ngroups: rtc\n\nTOP SECRET\n")
    site.page("shared/real.md", "title: Real\ngroups: rtc\n\nShared text\n")
    courses = site.root / "content" / "courses"
    courses.mkdir()
    (courses / "evil.md").symlink_to(outside / "evil.md")
    (courses / "alias.md").symlink_to("../shared/real.md")  # stays inside: a page
    (courses / "gone.md").symlink_to("nothing-here.md")
    (site.root / "content" / "linked").symlink_to(outside / "dir", target_is_directory=True)
    (site.root / "content" / "again").symlink_to("shared", target_is_directory=True)


@pytest.mark.parametrize("jobs", [1, 2])
def test_pages_linked_from_outside_content_are_errors_and_never_read(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    monkeypatch.setattr(loader, "PARALLEL_FROM", 1)  # and with jobs=2, read by workers
    linked_pages(site, tmp_path / "outside")
    problems = Problems()
    pages = load_pages(load_config(site.root / "site.yaml"), problems, jobs=jobs)
    assert sorted(p.content_path for p in pages) == ["courses/alias.md", "shared/real.md"]
    assert all("SECRET" not in page.body for page in pages)
    found = {(d.path, d.severity): d for d in problems.items}
    assert len(found) == len(problems.items) == 4
    evil = found[("content/courses/evil.md", "error")]
    assert evil.line is None
    assert evil.message == "the page is a link to a file outside content/"
    assert evil.hint and "copy the file into content/" in evil.hint
    gone = found[("content/courses/gone.md", "error")]
    assert gone.message == "the page is a link to 'nothing-here.md', which does not exist"
    linked = found[("content/linked", "error")]
    assert linked.message == "the folder is a link to a folder outside content/"
    again = found[("content/again", "warning")]
    assert again.message == ("the folder is a link to content/shared/: "
                             "links to folders are not followed")


def test_a_page_linked_from_outside_is_an_error_on_the_command_line(
        site: Site, tmp_path: Path) -> None:
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome\n")
    linked_pages(site, tmp_path / "outside")
    result = site.build()
    assert result.code == 1
    assert ("content/courses/evil.md: error: the page is a link to a file outside content/\n"
            "    hint: ") in result.err
    assert "Traceback" not in result.err
    for folder in ("output", ".cache"):
        assert all(b"SECRET" not in data for data in snapshot(site.root / folder).values())


def test_a_page_replaced_by_a_link_is_not_taken_from_the_build_cache(
        site: Site, tmp_path: Path) -> None:
    """The moved file has the size and mtime the cache knows: still never read."""
    page = site.page("courses/p.md", "title: P\ngroups: rtc\n\nTOP SECRET\n")
    assert site.build().code == 0
    before = snapshot(site.root / "output")
    moved = tmp_path / "elsewhere.md"
    os.rename(page, moved)  # keeps the mtime
    page.symlink_to(moved)
    result = site.build()
    assert result.code == 1
    assert "content/courses/p.md: error: the page is a link to a file outside content/" \
        in result.err
    assert snapshot(site.root / "output") == before


def yaml_page(site: Site, rel: str, header: str) -> None:
    site.page(rel, "---\ntitle: T\ngroups: rtc\n" + header + "---\nText\n")


def test_an_alias_bomb_in_a_header_is_an_error_at_its_line_and_other_pages_load(
        site: Site) -> None:
    yaml_page(site, "bomb.md", BOMB)
    site.page("fine.md", "title: Fine\ngroups: rtc\n\nText\n")
    pages, problems = load(site)
    [error] = problems.errors
    assert (error.path, error.line, error.message, error.hint) == (
        "content/bomb.md", 9,
        "the header holds more than 100,000 values (aliases counted at each use)",
        "raise limits.yaml_nodes in site.yaml, or use fewer aliases")
    assert sorted(pages) == ["fine.md"]


def test_limits_yaml_nodes_bounds_a_header(site: Site) -> None:
    yaml_page(site, "tags.md", "tags: &t [" + ", ".join(["x"] * 50) + "]\nmore: [*t, *t]\n")
    assert not load(site)[1].items  # 161 values: well under the default
    site.write("site.yaml", BASIC_SITE_YAML + "limits:\n  yaml_nodes: 150\n")
    [error] = load(site)[1].errors
    assert (error.line, error.message) == (
        5, "the header holds more than 150 values (aliases counted at each use)")


@pytest.mark.parametrize(("header", "line", "message"), [
    ("a: &a [*a]\n", 4,
     "the alias '*a' is inside the value it repeats (that value would contain itself)"),
    ("deep: " + "[" * 5000 + "]" * 5000 + "\n", 4,
     "the header nests values more than 100 deep"),
    ("order: 1\ndate: 2024-02-30\n", 5,
     "'2024-02-30' is not a date (day is out of range for month)"),
])
def test_hostile_headers_are_errors_at_their_line(site: Site, header: str, line: int,
                                                  message: str) -> None:
    yaml_page(site, "x.md", header)
    [error] = load(site)[1].errors
    assert (error.path, error.line, error.message) == ("content/x.md", line, message)


def test_a_page_read_under_a_higher_limit_is_read_again_under_a_lower_one(site: Site) -> None:
    yaml_page(site, "tags.md", "tags: &t [" + ", ".join(["x"] * 50) + "]\nmore: [*t, *t]\n")
    assert site.build().code == 0
    site.write("site.yaml", BASIC_SITE_YAML + "limits:\n  yaml_nodes: 150\n")
    result = site.build()
    assert result.code == 1
    assert "content/tags.md:5: error: the header holds more than 150 values" in result.err


def test_a_repeated_bare_key_warns_with_the_value_it_takes(site: Site) -> None:
    """A repeated title takes the last value; only keys read as lists keep both."""
    site.page("p.md", "title: One\ntitle: Two\ngroups: rtc\ngroups: aifh\n\nText.\n")
    result = site.build()
    assert result.code == 0, result.err
    assert ("content/p.md:2: warning: 'title' is repeated; the last value, 'Two', is the one "
            "used") in result.err
    assert "content/p.md:4: warning: 'groups' is repeated; its values are read as one list" \
        in result.err
    assert "<h1>Two</h1>" in site.out("aifh/p/index.html")


def test_pages_of_a_content_folder_outside_the_site_are_named_from_the_site(
        site: Site) -> None:
    site.write("site.yaml", "content: ../shared\n" + BASIC_SITE_YAML)
    shared = site.root.parent / "shared"
    shared.mkdir()
    (shared / "a.md").write_text("title: A\ngroups: rtx\n\nText\n")
    result = site.build("check")
    assert result.code == 1
    assert "../shared/a.md:2: error: unknown group 'rtx'" in result.err
    assert str(site.root.parent) not in result.err
    (shared / "a.md").unlink()
    result = site.build("check")
    assert result.code == 2
    assert "site.yaml:1: error: the content folder ../shared holds no page" in result.err


def test_pages_found_from_the_builds_scan_are_those_a_walk_finds(
        site: Site, tmp_path: Path) -> None:
    """The loader takes the pages from the build's scan: links, hidden and skipped folders,
    a group's own folder inside content/ and a pipe named like a page come out as a
    walk of the folders finds them."""
    linked_pages(site, tmp_path / "outside")
    site.page("courses/.drafts/hidden.md", "title: H\ngroups: rtc\n\nx\n")
    site.page("images/not-a-page.md", "title: I\ngroups: rtc\n\nx\n")
    site.page("rtc-own/mine.md", "title: Mine\n\nx\n")
    os.mkfifo(site.root / "content" / "courses" / "pipe.md")
    (site.root / "content" / "again-page.md").symlink_to("shared/real.md")
    site.write("site.yaml", BASIC_SITE_YAML.replace(
        "  rtc:\n", "  rtc:\n    content: content/rtc-own\n", 1))
    config = load_config(site.root / "site.yaml")
    stats = scan([folder for folder, _ in config.content_roots()])
    walked, scanned = Problems(), Problems()
    found = [(root.folder, path) for root, path in find_pages(config, walked)]
    assert [(root.folder, path) for root, path in find_pages(config, scanned, stats)] == found
    assert scanned.items == walked.items and len(walked.items) == 4
    assert sorted(path.removeprefix(str(site.root) + "/") for _, path in found) == [
        "content/again-page.md", "content/courses/alias.md", "content/rtc-own/mine.md",
        "content/shared/real.md"]
