"""A group's pages rendered one unit at a time: a page with errors is still checked whole."""

from __future__ import annotations

import time

from tests.conftest import BASIC_SITE_YAML, Site, snapshot


def test_a_bad_header_hides_none_of_the_other_mistakes_of_its_page(site: Site) -> None:
    site.image("cover.png")
    site.page("index.md", "title: Home\ngroups: all\n\nWelcome\n")
    site.page("linker.md", """\
        title: Linker
        groups: rtc, aifh

        [the broken page](broken.md) and [its part](broken.md#part-one)
        """)
    site.page("broken.md", "title: Broken\ngroups: rtc, aifh\n\n## Part one\n")
    assert site.build().code == 0
    before = snapshot(site.root / "output")
    site.page("broken.md", """\
        title: Broken
        groups: rtc, aifh
        picture: covr.png
        order: first

        ## Part one

        [gone](gone.md) and [nowhere](#nope) and ![lost](/images/lost.png)
        Broken $\\frac{a}{b$ here.
        """)
    result = site.build()
    assert result.code == 1
    err = result.err
    assert "content/broken.md:3: error: picture 'content/images/covr.png' does not exist\n" \
           "    hint: did you mean 'cover.png'?" in err
    assert "content/broken.md:4: error: order 'first' is not a whole number" in err
    assert "content/broken.md:8: error: link 'gone.md' points to no page" in err
    assert "content/broken.md:8: error: link '#nope': there is no '#nope' on this page" in err
    assert "content/broken.md:8: error: image '/images/lost.png' points to nothing" in err
    assert "content/broken.md:9: error: formula '\\frac{a}{b': a '{' is never closed" in err
    # Once each, not once per group, and none for the page that links to it.
    assert err.count(": error:") == 6, err
    assert "linker.md" not in err
    assert snapshot(site.root / "output") == before  # it was checked, never written


def test_a_page_that_nests_too_deeply_is_still_not_rendered(site: Site) -> None:
    deep = "".join("    " * level + "- level\n" for level in range(60))
    site.page("deep.md", f"title: Deep\ngroups: rtc\n\n[gone](gone.md)\n\n{deep}")
    site.page("linker.md", "title: Linker\ngroups: rtc\n\n[deep](deep.md)\n")
    result = site.build()
    assert result.code == 1
    assert "content/deep.md:56: error: a list nested 51 deep: Markdown takes 50 levels" \
           in result.err
    assert result.err.count(": error:") == 1, result.err  # no link checked, not even its linker's
    assert "Traceback" not in result.err


def test_a_body_too_slow_to_convert_costs_the_limit_once_not_once_per_group(site: Site) -> None:
    site.write("site.yaml", (site.root / "site.yaml").read_text() + "  extra:\n"
               "    title: Extra\n    url: https://extra.example.org/\n"
               "limits: {render_seconds: 2}\n")
    site.page("stars.md", "title: Stars\ngroups: all\n\n" + "*_" * 100_000 + "\n")
    started = time.monotonic()
    result = site.build("check")
    took = time.monotonic() - started
    assert result.code == 1
    assert result.err.count(": error:") == 1
    assert "content/stars.md:4: error: the page body takes longer than 2 s" in result.err
    assert took < 5, f"{took:.1f} s for three groups"  # each group's try was 2 s before


def test_a_lesson_shows_its_authors_and_reading_time(site: Site) -> None:
    site.page("index.md", "title: Home\ngroups: all\n\nWelcome\n")
    site.page("about.md", "title: About\ngroups: all\nauthor: Someone\n\n" + "word " * 900)
    site.page("course/index.md", "title: A course\ngroups: all\n\nThe course.\n")
    words = "A sentence of a lesson that goes on. " * 60  # 480 words
    site.page("course/one.md", "---\ntitle: One\ngroups: all\nauthors: [Ada Veldman, "
              f"Bo Jansen]\norder: 1\n---\n\n{words}\n")
    site.page("course/two.md", "title: Two\ngroups: all\norder: 2\n\nShort.\n")
    assert site.build().code == 0
    out = site.root / "output" / "rtc"
    one = (out / "course" / "one" / "index.html").read_text()
    assert '<span class="page-authors">By Ada Veldman, Bo Jansen</span>' in one
    assert '<span class="reading-time">2 min read</span>' in one
    assert '<span class="reading-time">1 min read</span>' in (
        out / "course" / "two" / "index.html").read_text()
    about = (out / "about" / "index.html").read_text()
    assert "By Someone" in about and "min read" not in about  # not a lesson


def test_each_page_links_to_its_file_in_the_repository(site: Site) -> None:
    site.page("index.md", "title: Home\ngroups: all\n\nWelcome\n")
    site.page("my course/intro.md", "title: Intro\ngroups: rtc\n\nHello\n")
    site.write("site.yaml", "repo_url: https://git.example.org/team/site\n"
               "edit_uri: -/edit/main/website\n" + BASIC_SITE_YAML)
    assert site.build().code == 0
    out = site.root / "output" / "rtc"
    assert ('<a href="https://git.example.org/team/site/-/edit/main/website/content/'
            'my%20course/intro.md">Edit this page</a>') in (
        out / "my course" / "intro" / "index.html").read_text()
    assert "Edit this page" not in (out / "404.html").read_text()  # no file of its own
    site.write("site.yaml", BASIC_SITE_YAML)
    assert site.build().code == 0
    assert "Edit this page" not in (out / "index.html").read_text()  # no repo_url: no link


def test_a_header_link_that_is_no_web_address_is_not_made_a_link(site: Site) -> None:
    site.page("members/eve.md", "title: Eve\ntemplate: people-single\ngroups: rtc\n"
                                "orcid: https://orcid.org/0000-0001\n"
                                "website: JavaScript:alert(document.cookie)\n\nEve.\n")
    site.page("projects/x.md", "title: X\ntemplate: project-single\ngroups: rtc\n"
                               "code: java\tscript:alert(1)\nwebsite: /members/eve/\n\nX.\n")
    result = site.build()
    assert result.code == 0, result.err
    eve, project = site.out("rtc/members/eve/index.html"), site.out("rtc/projects/x/index.html")
    assert 'href="https://orcid.org/0000-0001"' in eve
    assert 'href="/members/eve/"' in project
    assert "script:" not in eve.lower() and "script:" not in project.lower()
