"""Courses as a learner walks them: order, breadcrumbs, prev/next, sidebar, home."""

from __future__ import annotations

import re

from tests.conftest import Site


def course(site: Site) -> None:
    site.write("site.yaml", """\
        groups:
          rtc:
            title: RTC
            url: https://rtc.example.org/
            nav:
              - {title: Courses, url: /courses/}
              - {title: Elsewhere, url: "https://example.com/"}
        """)
    site.page("index.md", "title: Home\ngroups: all\n\nWelcome\n")
    site.page("courses/index.md", "title: Courses\ngroups: all\n\nAll courses\n")
    site.page("courses/dl/index.md", "title: Deep learning\ngroups: all\n\nCourse\n")
    # File names sort a, b, c, d, e; the order is c, a, then dated e (newest) d, then b.
    site.page("courses/dl/a.md", "title: Second\ngroups: all\norder: 2\n\nx\n")
    site.page("courses/dl/b.md", "title: Zeta undated\ngroups: all\n\nx\n")
    site.page("courses/dl/c.md", "title: First\ngroups: all\norder: 1\n\nx\n")
    site.page("courses/dl/d.md", "title: Older\ngroups: all\ndate: 2026-01-01\n\nx\n")
    site.page("courses/dl/e.md", "title: Newer\ngroups: all\ndate: 2026-02-01\n\nx\n")
    site.page("courses/dl/h.md", "title: Hidden\ngroups: all\nstatus: hidden\n\nx\n")
    site.page("courses/dl/extra/index.md", "title: Extra part\ngroups: all\n\nNested\n")
    site.page("courses/dl/extra/deep.md", "title: Deep page\ngroups: all\n\nx\n")


ORDER = ["First", "Second", "Newer", "Older", "Zeta undated"]
SLUGS = {"First": "c", "Second": "a", "Newer": "e", "Older": "d", "Zeta undated": "b"}


def cards(html: str) -> list[str]:
    return re.findall(r'class="card-title"><a href="[^"]*">([^<]*)</a>', html)


def test_section_lists_lessons_in_order_not_file_order(site: Site) -> None:
    course(site)
    assert site.build().code == 0, site.build().err
    section = site.out("rtc/courses/dl/index.html")
    assert cards(section) == ["Extra part", *ORDER]  # the part first, then lessons
    assert "Hidden" not in section


def test_prev_next_and_sidebar_follow_the_order(site: Site) -> None:
    course(site)
    assert site.build().code == 0
    for index, title in enumerate(ORDER):
        html = site.out(f"rtc/courses/dl/{SLUGS[title]}/index.html")
        prev = re.search(r'<a rel="prev" href="([^"]*)">.*?</span> ([^<]*)</a>', html)
        nxt = re.search(r'<a rel="next" href="([^"]*)">.*?</span> ([^<]*)</a>', html)
        if index == 0:
            assert prev is None
        else:
            assert prev is not None and prev.group(2) == ORDER[index - 1]
            assert prev.group(1) == f"/courses/dl/{SLUGS[ORDER[index - 1]]}/"
        if index == len(ORDER) - 1:
            assert nxt is None
        else:
            assert nxt is not None and nxt.group(2) == ORDER[index + 1]
        sidebar = re.search(r'<nav class="sidebar".*?</nav>', html, re.S)
        assert sidebar is not None
        assert re.findall(r'">([^<]*)</a></li>', sidebar.group(0)) == ORDER
        assert f'aria-current="page">{title}</a>' in sidebar.group(0)


def test_breadcrumbs_nested_sections_home_and_nav(site: Site) -> None:
    course(site)
    assert site.build().code == 0
    deep = site.out("rtc/courses/dl/extra/deep/index.html")
    crumbs = re.search(r'<nav aria-label="Breadcrumb".*?</nav>', deep, re.S)
    assert crumbs is not None
    assert re.findall(r'<a href="([^"]*)">([^<]*)</a>', crumbs.group(0)) == [
        ("/", "Home"), ("/courses/", "Courses"), ("/courses/dl/", "Deep learning"),
        ("/courses/dl/extra/", "Extra part")]
    assert '<span aria-current="page">Deep page</span>' in crumbs.group(0)
    home = site.out("rtc/index.html")
    assert cards(home)[:2] == ["Deep learning", "Extra part"]  # its courses
    for page in ("index.html", "courses/dl/a/index.html", "404.html"):
        html = site.out(f"rtc/{page}")
        assert '<a href="/courses/">Courses</a>' in html
        assert '<a href="https://example.com/">Elsewhere</a>' in html


def test_hidden_pages_are_built_but_listed_nowhere(site: Site) -> None:
    course(site)
    assert site.build().code == 0
    assert "Hidden" in site.out("rtc/courses/dl/h/index.html")
    assert "/courses/dl/h/" not in site.out("rtc/sitemap.xml")
    assert "Hidden" not in site.out("rtc/courses/dl/a/index.html")
