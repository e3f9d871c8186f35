"""Files beside a page that it links to (render/attachments.py): published with the page,
in its groups only, with their kind and size in the link's title."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import Site, api_build, clean_build_of, snapshot

HANDOUT = b"%PDF-1.4\n" + b"x" * 1500 + b"\n%%EOF\n"


def course(site: Site) -> None:
    site.page("dl/index.md", "title: DL\ngroups: rtc\n\nThe course.\n")
    site.page("dl/lesson.md", "title: Lesson\ngroups: rtc\n\n"
                              "Read [the handout](handout.pdf) and [the data](data/scans.csv "
                              '"Our scans").\n')
    site.page("dl/shared.md",
              "title: Shared\ngroups: all\n\nSee [the notebook](/dl/train.ipynb).\n")
    (site.root / "content/dl/handout.pdf").write_bytes(HANDOUT)
    site.write("content/dl/data/scans.csv", "id,label\n1,nodule\n")
    site.write("content/dl/train.ipynb", '{"cells": [], "nbformat": 4, "nbformat_minor": 5}\n')
    site.write("content/dl/unused.zip", "PK")


def test_a_linked_file_is_published_beside_the_page_in_its_groups_only(site: Site) -> None:
    course(site)
    result = site.build()
    assert result.code == 0, result.err
    out = site.root / "output"
    assert (out / "rtc/dl/handout.pdf").read_bytes() == HANDOUT
    assert (out / "rtc/dl/data/scans.csv").read_text() == "id,label\n1,nodule\n"
    assert not (out / "aifh/dl/handout.pdf").exists()  # the lesson is rtc's only
    assert (out / "aifh/dl/train.ipynb").is_file() and (out / "rtc/dl/train.ipynb").is_file()
    assert not list(out.rglob("unused.zip"))  # no page links to it
    lesson = site.out("rtc/dl/lesson/index.html")
    assert '<a href="/dl/handout.pdf" title="PDF, 2 KB">the handout</a>' in lesson
    assert '<a href="/dl/data/scans.csv" title="Our scans">the data</a>' in lesson
    assert 'title="Jupyter notebook, 50 bytes"' in site.out("aifh/dl/shared/index.html")


def test_a_link_to_a_missing_file_is_an_error_at_its_line(site: Site) -> None:
    site.page("dl/lesson.md", "title: Lesson\ngroups: rtc\n\nIntro.\n\n[slides](slides.pdf)\n")
    result = site.build()
    assert result.code == 1
    assert ("content/dl/lesson.md:6: error: link 'slides.pdf' points to nothing\n"
            "    hint: there is no dl/lesson/slides.pdf in the site, nor a file "
            "content/dl/slides.pdf beside the page") in result.err


def test_a_file_linked_to_outside_the_content_folder_is_never_published(
        site: Site, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n")
    site.page("dl/lesson.md", "title: Lesson\ngroups: rtc\n\n[notes](notes.txt)\n")
    os.symlink(secret, site.root / "content/dl/notes.txt")
    result = site.build()
    assert result.code == 1
    assert ("content/dl/lesson.md:4: error: link 'notes.txt' is to a file that is a link "
            "to outside its content folder") in result.err
    assert not list(site.root.rglob("output/**/notes.txt"))


def test_a_file_past_its_limit_is_refused(site: Site) -> None:
    site.write("site.yaml", (site.root / "site.yaml").read_text()
               + "limits: {attachment_bytes: 1000}\n")
    course(site)
    result = site.build()
    assert result.code == 1
    assert ("content/dl/handout.pdf: error: content/dl/handout.pdf has 1,516 bytes, more than "
            "limits.attachment_bytes (1,000)") in result.err


def test_rebuilds_publish_what_a_clean_build_publishes(site: Site, tmp_path: Path) -> None:
    course(site)
    assert api_build(site).rendered > 0
    # The same size: the lesson's link title stays, the file is published anew.
    (site.root / "content/dl/handout.pdf").write_bytes(HANDOUT.replace(b"x", b"y"))
    api_build(site)
    assert (site.root / "output/rtc/dl/handout.pdf").read_bytes() == HANDOUT.replace(b"x", b"y")
    # Another page edited: the lesson is kept, and so are its files.
    site.page("dl/index.md", "title: DL\ngroups: rtc\n\nThe course, edited.\n")
    api_build(site)
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)
    # A bigger file: the lesson's title says so.
    (site.root / "content/dl/handout.pdf").write_bytes(HANDOUT * 2)
    api_build(site)
    assert 'title="PDF, 3 KB"' in site.out("rtc/dl/lesson/index.html")
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)


def test_a_file_swapped_for_a_link_to_outside_is_refused_on_a_rebuild(
        site: Site, tmp_path: Path) -> None:
    course(site)
    assert api_build(site).rendered > 0
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"S" * len(HANDOUT))  # the same size: the lesson itself is kept
    handout = site.root / "content/dl/handout.pdf"
    handout.unlink()
    os.symlink(secret, handout)
    result = site.build()
    assert result.code == 1
    assert "content/dl/handout.pdf: error: content/dl/handout.pdf is a link to outside its " \
           "content folder" in result.err
    assert (site.root / "output/rtc/dl/handout.pdf").read_bytes() == HANDOUT  # as it was


def test_a_file_that_would_take_a_site_files_place_is_an_error(site: Site) -> None:
    site.write("content/css/site.css", "body { display: none }\n")
    site.write("content/notes/x", "a file named like a page's folder\n")
    site.page("notes/x.md", "title: X\ngroups: rtc\n\nX.\n")
    site.page("page.md", "title: P\ngroups: rtc\n\n[css](css/site.css) and [x](notes/x)\n")
    result = site.build()
    assert result.code == 1
    assert ("content/page.md:4: error: the link to content/css/site.css would publish it at "
            "css/site.css, where the site has a file of its own") in result.err
    assert "the link to content/notes/x would publish it at notes/x," in result.err
    assert "staging" not in result.err


def test_a_links_query_fragment_and_spaces_are_kept_in_its_url(site: Site) -> None:
    site.write("content/dl/my data.csv", "a\n1\n")
    (site.root / "content/dl/handout.pdf").parent.mkdir(parents=True, exist_ok=True)
    (site.root / "content/dl/handout.pdf").write_bytes(HANDOUT)
    site.page("dl/page.md", "title: P\ngroups: rtc\n\n[p2](handout.pdf#page=2), "
                            "[v2](handout.pdf?v=2) and [data](my%20data.csv)\n")
    result = site.build()
    assert result.code == 0, result.err
    html = site.out("rtc/dl/page/index.html")
    assert 'href="/dl/handout.pdf#page=2"' in html and 'href="/dl/handout.pdf?v=2"' in html
    assert 'href="/dl/my%20data.csv"' in html
    assert (site.root / "output/rtc/dl/my data.csv").is_file()


def test_a_content_folder_outside_the_site_folder_publishes_its_files(tmp_path: Path) -> None:
    outside = tmp_path / "shared-content"
    site = Site(tmp_path / "site")
    site.write("site.yaml", "content: ../shared-content\ngroups:\n  rtc: {title: R, url: "
                            "'https://r.example.org/'}\n")
    (outside / "dl").mkdir(parents=True)
    (outside / "dl/page.md").write_text("title: P\ngroups: rtc\n\n[h](h.txt)\n")
    (outside / "dl/h.txt").write_text("hello\n")
    result = site.build()
    assert result.code == 0, result.err
    assert site.out("rtc/dl/h.txt") == "hello\n"


def test_pelicans_static_and_filename_forms_publish_a_file_too(site: Site) -> None:
    # SPEC §7: {static} and {filename} to a file under content/ that is no page.
    site.write("content/files/poster.pdf", "%PDF-1.4 poster\n")
    site.write("content/dl/notes.txt", "notes\n")
    site.page("dl/page.md", "title: P\ngroups: rtc\n\n[poster]({static}/files/poster.pdf) "
                            "and [notes]({filename}notes.txt#top)\n")
    result = site.build()
    assert result.code == 0, result.err
    html = site.out("rtc/dl/page/index.html")
    assert 'href="/files/poster.pdf" title="PDF, 16 bytes"' in html
    assert 'href="/dl/notes.txt#top"' in html
    assert site.out("rtc/files/poster.pdf") == "%PDF-1.4 poster\n"
    assert not (site.root / "output/aifh/files/poster.pdf").exists()


def test_a_file_beside_the_page_linked_from_raw_html_says_why_it_is_not_published(
        site: Site) -> None:
    site.write("content/dl/raw.txt", "raw\n")
    site.page("dl/page.md", 'title: P\ngroups: rtc\n\n<p><a href="raw.txt">raw</a></p>\n')
    result = site.build()
    assert result.code == 1
    assert ("content/dl/page.md:4: error: link 'raw.txt' points to nothing\n    hint: there is "
            "no dl/page/raw.txt in the site; content/dl/raw.txt is there, but only a Markdown "
            "link publishes it") in result.err
