"""`nav:` entries of site.yaml checked once per group at their site.yaml line (render/nav.py),
not once per layout and page against templates/page.html."""

from __future__ import annotations

from tests.conftest import Site


def test_a_nav_entry_to_no_page_is_one_error_at_its_line_per_group(site: Site) -> None:
    site.write("site.yaml", """\
        groups:
          rtc:
            title: RTC
            url: https://rtc.example.org/
            nav:
              - {title: Home, url: /}
              - {title: Courses, url: /courses/}
              - {title: About, url: /abuot/}
              - {title: Mail, url: "mailto:team@example.org"}
              - {title: Elsewhere, url: https://example.org/x/}
          aifh:
            title: AIFH
            url: https://aifh.example.org/
            nav:
              - {title: About, url: /about/}
        """)
    site.page("courses/index.md", "title: Courses\ngroups: rtc, aifh\n\nAll courses.\n")
    site.page("about.md", "title: About\ngroups: rtc\n\nUs.\n")
    site.page("lesson.md", "title: L\ngroups: rtc, aifh\n\nText.\n")
    result = site.build()
    assert result.code == 2, result.err
    errors = [line for line in result.err.splitlines() if ": error:" in line]
    assert errors == [
        "site.yaml:8: error: nav entry 'About' links to '/abuot/', which is not in the rtc site",
        "site.yaml:15: error: nav entry 'About' links to '/about/', which is not in the aifh site",
    ]
    assert "hint: did you mean '/about/'?" in result.err
    assert "templates/" not in result.err


def test_a_nav_entry_to_a_page_of_its_group_builds(site: Site) -> None:
    site.write("site.yaml", """\
        groups:
          rtc:
            title: RTC
            url: https://rtc.example.org/
            nav: [{title: About, url: /about/}, {title: Feed, url: /feed.xml}]
        """)
    site.page("about.md", "title: About\ngroups: rtc\n\nUs.\n")
    result = site.build()
    assert result.code == 0, result.err
    assert '<a href="/about/">About</a>' in site.out("rtc/about/index.html")
