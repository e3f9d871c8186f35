"""What the build writes is checked link by link: each mistake once, at its line, in the
author's words."""

from __future__ import annotations

from tests.conftest import Site

LAYOUT_WITH_CONTACTS = """\
    {% extends "base.html" %}
    {% block content %}{{ content }}
    <p><a href="&#109;&#97;&#105;&#108;&#116;&#111;&#58;team&#64;example.org">write</a>
    <a href="mailto:office@example.org">office</a> <a href="tel:+31-24-123">call</a>
    <a href="TEL:+31-24-456">call again</a></p>{% endblock %}
    """


def test_mail_and_phone_links_are_never_site_links(site: Site) -> None:
    site.write("templates/page.html", LAYOUT_WITH_CONTACTS)
    site.page("contact.md", """\
        title: Contact
        groups: rtc

        Write to <user@example.org>, [call](tel:+31243610000) or
        <a href="&#x6d;ailto:desk@example.org">the desk</a>.
        """)
    result = site.build()
    assert result.code == 0, result.err
    html = site.out("rtc/contact/index.html")
    assert "&#109;&#97;&#105;&#108;&#116;&#111;&#58;" in html  # the autolink, still encoded
    assert 'href="tel:+31243610000"' in html


def test_an_anchor_on_the_same_page_that_is_not_there_is_an_error_at_its_line(
        site: Site) -> None:
    site.page("lesson.md", """\
        title: Lesson
        groups: rtc

        ## Set up

        [up](#set-up), [top](#top) <a id="top"></a> and a note[^1].
        [gone](#setup)

        [^1]: The note.
        """)
    result = site.build()
    assert result.code == 1
    assert "content/lesson.md:7: error: link '#setup': there is no '#setup' on this page\n" \
           "    hint: did you mean 'set-up'?" in result.err
    assert result.err.count(": error:") == 1, result.err
    site.page("lesson.md", "title: Lesson\ngroups: rtc\n\n## Set up\n\n[up](#set-up)\n")
    assert site.build().code == 0


def test_an_anchor_missing_on_another_page_is_one_error_for_all_its_groups(site: Site) -> None:
    site.page("a.md", "title: A\ngroups: rtc, aifh\n\n## Goals\n\nText\n")
    site.page("b.md", "title: B\ngroups: rtc, aifh\n\n[x](a.md#missing) [y](a.md#goals)\n")
    result = site.build()
    assert result.code == 1
    assert "content/b.md:4: error: link 'a.md#missing': there is no '#missing' on that " \
           "page" in result.err
    assert result.err.count(": error:") == 1, result.err
