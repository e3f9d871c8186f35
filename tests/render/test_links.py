"""Every kind of link an author writes: resolved, or an error at its own line."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

from tests.conftest import Site, snapshot


def two_courses(site: Site) -> None:
    site.image("figs/plot.png")
    site.page("courses/dl/index.md", "title: DL\ngroups: rtc\n\nThe course.\n")
    site.page("courses/dl/one.md", "title: Lesson one\ngroups: rtc\n\n## Set up\n\nText\n")
    site.page("courses/health/two.md", "title: Lesson two\ngroups: aifh\n\n## Goals\n\nText\n")
    site.page("shared.md", "title: Shared\ngroups: all\n\nText\n")


def test_every_link_form_resolves(site: Site) -> None:
    two_courses(site)
    site.page("courses/dl/links.md", """\
        title: Links
        groups: rtc

        1. [relative](one.md) and [with anchor](one.md#set-up)
        2. [up and over](../../shared.md)
        3. [courses/health/two]... no: [dl/one] by category and slug
        4. [health/two, group: aifh]
        5. [pelican]({filename}/courses/dl/one.md) and ![plot]({static}/images/figs/plot.png)
        6. [other group](../health/two.md#goals)
        7. [same page](#top) <a id="top"></a>
        """)
    result = site.build()
    assert result.code == 0, result.err
    html = site.out("rtc/courses/dl/links/index.html")
    assert '<a href="/courses/dl/one/">relative</a>' in html
    assert '<a href="/courses/dl/one/#set-up">with anchor</a>' in html
    assert '<a href="/shared/">up and over</a>' in html
    assert '<a href="/courses/dl/one/">Lesson one</a> by category and slug' in html
    assert '<a href="https://aifh.example.org/courses/health/two/">Lesson two</a>' in html
    assert '<a href="/courses/dl/one/">pelican</a>' in html
    assert 'src="/images/figs/plot.png"' in html
    assert '<a href="https://aifh.example.org/courses/health/two/#goals">other group</a>' in html
    assert (site.root / "output/rtc/images/figs/plot.png").is_file()


def test_links_keep_working_under_a_base_path(site: Site) -> None:
    site.write("site.yaml", """\
        groups:
          rtc: {title: RTC, url: "https://lab.github.io/rtc/"}
        """)
    site.page("a.md", "title: A\ngroups: rtc\n\n[b](b.md)\n")
    site.page("b.md", "title: B\ngroups: rtc\n\n[a](a.md)\n")
    assert site.build().code == 0
    assert '<a href="/rtc/b/">b</a>' in site.out("rtc/a/index.html")
    assert 'href="/rtc/css/site.css"' in site.out("rtc/a/index.html")


def test_broken_links_are_all_reported_at_their_lines(site: Site) -> None:
    two_courses(site)
    assert site.build().code == 0
    before = snapshot(site.root / "output")
    site.page("courses/dl/bad.md", """\
        title: Bad
        groups: rtc

        [missing page](oen.md)
        [missing anchor](one.md#setup)
        ![missing image](/images/figs/plto.png)
        [by slug](dl/two)
        [dl/nothing]
        [draft](draft.md)
        [file](/files/slides.pdf)
        """)
    site.page("courses/dl/draft.md", "title: Draft\ngroups: rtc\nstatus: draft\n\nx\n")
    result = site.build()
    assert result.code == 1
    err = result.err
    assert "content/courses/dl/bad.md:4: error: link 'oen.md' points to no page\n" \
           "    hint: did you mean 'one.md'?" in err
    assert "content/courses/dl/bad.md:5: error: link 'one.md#setup': there is no " \
           "'#setup' on that page" in err
    assert "did you mean 'set-up'?" in err
    assert "content/courses/dl/bad.md:6: error: image '/images/figs/plto.png' points to " \
           "nothing" in err
    assert "did you mean '/images/figs/plot.png'?" in err  # as the author spells it
    assert "content/courses/dl/bad.md:8: error: '[dl/nothing]' names no page" in err
    assert "content/courses/dl/bad.md:9: error: link 'draft.md' points to no page\n" \
           "    hint: content/courses/dl/draft.md is not built: it is a draft" in err
    assert "content/courses/dl/bad.md:10: error: link '/files/slides.pdf' points to nothing" in err
    assert "Traceback" not in err
    assert snapshot(site.root / "output") == before


def test_a_page_that_fails_gives_its_own_error_not_its_linkers(site: Site) -> None:
    two_courses(site)
    site.page("courses/dl/two.md", "title: Two\ngroups: rtc\n\nSee [set up](one.md#set-up).\n")
    assert site.build().code == 0
    site.page("courses/dl/one.md", "title: Lesson one\ngroups: rtc\n\n## Set up\n\n{{ nope }}\n")
    result = site.build()
    assert result.code == 1
    assert "content/courses/dl/one.md:6: error: 'nope' is undefined" in result.err
    assert "two.md" not in result.err  # its link to #set-up is not reported as broken
    assert "1 error" in result.err


def test_link_to_a_page_in_no_built_group(site: Site) -> None:
    site.write("site.yaml", """\
        groups:
          rtc: {title: RTC, url: "https://rtc.example.org/"}
        """)
    site.page("a.md", "title: A\ngroups: rtc\n\n[b](b.md)\n")
    site.page("b.md", "title: B\ngroups: rtc\nstatus: draft\n\nx\n")
    result = site.build()
    assert result.code == 1
    assert "content/a.md:4: error: link 'b.md' points to no page" in result.err
    assert site.build("--drafts").code == 0


class Answers(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Answers.seen.append(self.path)
        self.send_response(200 if self.path == "/ok" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def answering_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Answers.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_links_are_checked_only_when_asked(site: Site, answering_server: str) -> None:
    site.page("a.md", f"title: A\ngroups: all\n\n[ok]({answering_server}/ok)\n\n"
                      f"[gone]({answering_server}/gone)\n")
    site.page("b.md", f"title: B\ngroups: rtc\n\n[gone again]({answering_server}/gone)\n")
    assert site.build().code == 0
    assert site.build("check").code == 0
    assert Answers.seen == []  # never by default
    result = site.build("check", "--external")
    assert result.code == 1
    assert f"content/a.md:6: error: external link '{answering_server}/gone' failed: " \
           "HTTP 404" in result.err
    assert "content/b.md:4: error: external link" in result.err
    assert sorted(Answers.seen) == ["/gone", "/ok"]  # one request per URL


def test_links_and_anchors_in_raw_html_are_found_however_they_are_written(site: Site) -> None:
    two_courses(site)
    site.page("courses/dl/raw.md", """\
        title: Raw
        groups: rtc

        <a HREF="nowhere.html">upper case</a> <a name="named"></a>
        <img SRC='/images/figs/plto.png' alt="single quotes">
        """)
    site.page("courses/dl/spaced.md", """\
        title: Spaced
        groups: rtc

        <a href = "nowhere.html">spaced</a> <a id = 'spaced-anchor'></a>
        """)
    site.page("courses/dl/anchors.md", """\
        title: Anchors
        groups: rtc

        [named](raw.md#named) [spaced](spaced.md#spaced-anchor)
        [unnamed](raw.md#unnamed)
        """)
    result = site.build()
    assert result.code == 1
    err = result.err
    assert "content/courses/dl/raw.md:4: error: link 'nowhere.html' points to nothing" in err
    assert "content/courses/dl/raw.md:5: error: image '/images/figs/plto.png' points to " \
           "nothing" in err
    assert "content/courses/dl/spaced.md:4: error: link 'nowhere.html' points to nothing" in err
    assert "content/courses/dl/anchors.md:5: error: link 'raw.md#unnamed': there is " \
           "no '#unnamed' on that page" in err
    assert "4 errors" in err  # the anchors that are there were found: no error for them


def test_a_link_to_no_page_is_one_error_with_a_page_spelled_as_the_author_spells_it(
        site: Site) -> None:
    two_courses(site)
    site.page("courses/dl/links.md", """\
        title: Links
        groups: rtc

        [relative](oen.md) and [up and over](../health/tow.md)
        [from the top](/shraed.md) and [pelican]({filename}/courses/dl/oen.md)
        [itself, misspelt](links2.md)
        """)
    result = site.build()
    assert result.code == 1
    err = result.err
    bad = "content/courses/dl/links.md"
    assert f"{bad}:4: error: link 'oen.md' points to no page\n" \
           "    hint: did you mean 'one.md'?" in err
    assert f"{bad}:4: error: link '../health/tow.md' points to no page\n" \
           "    hint: did you mean '../health/two.md'?" in err
    assert f"{bad}:5: error: link '/shraed.md' points to no page\n" \
           "    hint: did you mean '/shared.md'?" in err
    assert f"{bad}:5: error: link '{{filename}}/courses/dl/oen.md' points to no page\n" \
           "    hint: did you mean '{filename}/courses/dl/one.md'?" in err
    # Not the page itself: what was looked for.
    assert f"{bad}:6: error: link 'links2.md' points to no page\n" \
           "    hint: there is no content/courses/dl/links2.md" in err
    assert err.count(": error:") == 5, err  # one each: none again as a link to no file


def test_a_tag_to_a_page_that_is_left_out_says_why(site: Site) -> None:
    site.write("site.yaml", (site.root / "site.yaml").read_text()
               + "ungrouped: skip\nlink_tags: {member: members}\n")
    site.page("members/ada-lovelace.md", "title: Ada Lovelace\n\nNo groups: left out.\n")
    site.page("lesson.md", "title: Lesson\ngroups: rtc\n\nAsk [member/ada-lovelace].\n")
    result = site.build()
    assert result.code == 1
    assert ("content/lesson.md:4: error: '[member/ada-lovelace]' names no page\n"
            "    hint: content/members/ada-lovelace.md is built into no group") in result.err


def test_a_tag_with_a_typo_suggests_a_page_of_its_folder_and_no_other_person(
        site: Site) -> None:
    site.write("site.yaml", (site.root / "site.yaml").read_text()
               + "link_tags: {member: members}\n")
    site.page("members/bram-plated.md", "title: Bram Plated\ngroups: rtc\n\nBram.\n")
    site.page("members/ada-lovelace.md", "title: Ada Lovelace\ngroups: rtc\n\nAda.\n")
    site.page("lesson.md", "title: Lesson\ngroups: rtc\n\n"
                           "Ask [member/ada-lovlace] or [member/bram-van-ginneken].\n")
    result = site.build()
    assert result.code == 1
    assert ("content/lesson.md:4: error: '[member/ada-lovlace]' names no page\n"
            "    hint: did you mean '[member/ada-lovelace]'?") in result.err
    assert ("content/lesson.md:4: error: '[member/bram-van-ginneken]' names no page\n"
            "    hint: no page of members/ has the slug 'bram-van-ginneken'") in result.err
