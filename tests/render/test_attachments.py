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
