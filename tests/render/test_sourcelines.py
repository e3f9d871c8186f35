"""Each mistake is reported at the line that holds it, in the words written there."""

from __future__ import annotations

from tests.conftest import Site


def test_each_mistake_is_at_its_own_line_when_its_text_is_also_on_an_earlier_one(
        site: Site) -> None:
    site.image("figs/plot.png")
    site.page("one.md", "title: One\ngroups: rtc\n\nText\n")
    site.page("lines.md", """\
        title: Lines
        groups: rtc

        ![plot](/images/figs/plot.png) and [one](one.md)
        The file `nowhere.html` is gone, and so is gone.md.
        See <a href="nowhere.html">the old page</a>.
        ![relative](figs/plot.png)
        [twice](gone.md)
        [twice again](gone.md)
        """)
    result = site.build()
    assert result.code == 1
    err = result.err
    assert "content/lines.md:6: error: link 'nowhere.html' points to nothing" in err
    assert "content/lines.md:7: error: link 'figs/plot.png' points to nothing" in err
    assert "content/lines.md:8: error: link 'gone.md' points to no page" in err
    assert "content/lines.md:9: error: link 'gone.md' points to no page" in err
    assert err.count(": error:") == 4, err
    assert "content/lines.md:4:" not in err and "content/lines.md:5:" not in err


def test_mistakes_are_in_the_words_the_author_wrote_not_the_rendered_url(site: Site) -> None:
    site.write("site.yaml", """\
        groups:
          rtc: {title: RTC, url: "https://rtc.example.org/"}
          aifh: {title: AIFH, url: "https://lab.example.org/beta/"}
        """)
    site.page("self.md", """\
        title: Self
        groups: rtc, aifh

        ## Top

        ![pic]({{ IMGURL }}/images/x.png) and [a](self.md#nope2)
        <img src="<< IMGURL >>/images/y.png" alt="raw">
        """)
    result = site.build()
    assert result.code == 1
    err = result.err
    assert "content/self.md:6: error: image '{{ IMGURL }}/images/x.png' points to nothing\n" \
           "    hint: there is no content/images/x.png" in err
    assert "content/self.md:6: error: link 'self.md#nope2': there is no '#nope2' on this " \
           "page" in err
    assert "content/self.md:7: error: image '<< IMGURL >>/images/y.png' points to nothing" in err
    assert "/beta/" not in err
    assert err.count(": error:") == 3, err  # one each, not one per group


def test_a_layout_link_is_not_put_on_a_line_whose_prose_holds_its_text(site: Site) -> None:
    site.write("templates/page.html", """\
        {% extends "base.html" %}
        {% block content %}{{ content }}<a href="/handouts/">handouts</a>{% endblock %}
        """)
    site.page("lesson.md", "title: Lesson\ngroups: rtc\n\nThe /handouts/ folder is gone.\n")
    result = site.build()
    assert result.code == 1
    assert "templates/page.html:2: error: the layout links to '/handouts/'" in result.err
    assert "content/lesson.md" not in result.err


def test_a_layout_link_is_reported_at_its_line_in_the_template_that_holds_it(
        site: Site) -> None:
    site.write("templates/fancy.html", """\
        {% extends "page.html" %}
        {% block content %}
        <p>Fancy</p>
        {% include "parts/links.html" %}
        <a href="/also-missing.html">gone</a>
        {{ super() }}
        {% endblock %}
        """)
    site.write("templates/parts/links.html", "<nav>\n<a href=\"{{ IMGURL }}/gone/\">x</a>\n"
                                              "</nav>\n")
    site.page("lesson.md", "title: Lesson\ngroups: rtc\ntemplate: fancy\n\nText.\n")
    result = site.build("--group", "rtc")
    assert result.code == 1
    assert [line for line in result.err.splitlines() if ": error:" in line] == [
        "templates/fancy.html:5: error: the layout links to '/also-missing.html', which is "
        "not in the rtc site (on lesson/)",
        "templates/parts/links.html:2: error: the layout links to '/gone/', which is "
        "not in the rtc site (on lesson/)"], result.err
