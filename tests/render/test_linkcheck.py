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


def test_an_anchor_written_with_its_hash_gets_a_hint_that_says_so(site: Site) -> None:
    site.page("lesson.md", 'title: Lesson\ngroups: rtc\n\n<a id="#1"></a>Step one.\n\n'
                           '[back](#1)\n')
    result = site.build()
    assert result.code == 1
    assert ("content/lesson.md:6: error: link '#1': there is no '#1' on this page\n"
            '    hint: the anchor is written id="#1": an id has no \'#\' (id="1")') in result.err


def test_an_anchor_missing_on_another_page_is_one_error_for_all_its_groups(site: Site) -> None:
    site.page("a.md", "title: A\ngroups: rtc, aifh\n\n## Goals\n\nText\n")
    site.page("b.md", "title: B\ngroups: rtc, aifh\n\n[x](a.md#missing) [y](a.md#goals)\n")
    result = site.build()
    assert result.code == 1
    assert "content/b.md:4: error: link 'a.md#missing': there is no '#missing' on that " \
           "page" in result.err
    assert result.err.count(": error:") == 1, result.err


THREE_GROUPS = """\
    groups:
      rtc: {title: RTC, url: "https://rtc.example.org/"}
      aifh: {title: AIFH, url: "https://aifh.example.org/"}
      beta: {title: Beta, url: "https://lab.example.org/beta/"}
    """


def test_a_mistake_of_a_page_in_several_groups_is_reported_once(site: Site) -> None:
    site.write("site.yaml", THREE_GROUPS)
    site.page("only.md", "title: Only\ngroups: beta\n\nText\n")
    site.page("a.md", """\
        title: A
        groups: all

        ## Goals
        {% if GROUP == "rtc" %}## Extra{% endif %}
        """)
    site.page("self.md", """\
        title: Self
        groups: all

        ![everywhere]({{ IMGURL }}/images/none.png) [nowhere](#nope)
        <a href="/beta/only/">in beta only</a> ![root](/images/root.png)
        [extra](a.md#extra)
        """)
    result = site.build()
    assert result.code == 1
    err = result.err
    # The same in every group: once, naming none.
    assert "content/self.md:4: error: image '{{ IMGURL }}/images/none.png' points to nothing\n" \
           "    hint: there is no content/images/none.png" in err
    assert "content/self.md:4: error: link '#nope': there is no '#nope' on this page\n" in err
    # Only in some of them: once, naming those.
    assert "content/self.md:5: error: link '/beta/only/' points to nothing in groups rtc, " \
           "aifh\n" in err
    assert "content/self.md:5: error: '/images/root.png' points outside the site in group " \
           "beta\n    hint: links inside the site start with '/beta/'" in err
    assert "content/self.md:5: error: image '/images/root.png' points to nothing in groups " \
           "rtc, aifh" in err
    assert "content/self.md:6: error: link 'a.md#extra': there is no '#extra' on that page in " \
           "groups aifh, beta" in err
    assert err.count(": error:") == 6, err


def test_a_missing_page_is_suggested_as_a_url_of_its_folder_never_a_far_one(
        site: Site) -> None:
    site.page("courses/deep-learning.md", "title: DL\ngroups: rtc\n\nDL\n")
    site.page("presentations/midl-talk.md", "title: Talk\ngroups: rtc\n\nTalk\n")
    site.page("course/intro.md", """\
        title: Intro
        groups: rtc

        [a course](/courses/deep-lerning/) and [a paper](/publications/mild15/)
        """)
    result = site.build()
    assert result.code == 1
    assert "error: link '/courses/deep-lerning/' points to nothing\n" \
           "    hint: did you mean '/courses/deep-learning/'?" in result.err
    assert "error: link '/publications/mild15/' points to nothing\n" \
           "    hint: there is no publications/mild15/index.html in the site" in result.err


def test_a_missing_file_is_never_suggested_as_the_page_itself_or_another_kind(
        site: Site) -> None:
    site.image("figs/plot.png")
    site.write("static/files/slides.pdf", "%PDF-1.4\n")
    site.page("course/intro.md", """\
        title: Intro
        groups: rtc

        [slides](slide.pdf) and [more slides](/files/slide.pdf)
        ![plot]({{ IMGURL }}/images/figs/plto.png) and ![diagram](/images/diagram.png)
        """)
    result = site.build()
    assert result.code == 1
    err = result.err
    assert "content/course/intro.md:4: error: link 'slide.pdf' points to nothing\n" \
           "    hint: there is no course/intro/slide.pdf in the site" in err
    assert "content/course/intro.md:4: error: link '/files/slide.pdf' points to nothing\n" \
           "    hint: did you mean 'files/slides.pdf'?" in err
    assert "content/course/intro.md:5: error: image '{{ IMGURL }}/images/figs/plto.png' " \
           "points to nothing\n    hint: did you mean '{{ IMGURL }}/images/figs/plot.png'?" in err
    assert "content/course/intro.md:5: error: image '/images/diagram.png' points to " \
           "nothing\n    hint: there is no content/images/diagram.png" in err
