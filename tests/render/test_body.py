from __future__ import annotations

from pathlib import Path

from coursesite.render.body import protect_code, restore_code
from tests.conftest import Site


def test_protect_code_keeps_line_count_and_restores_exactly() -> None:
    text = "a {{ X }}\n```\n{{ code }}\n```\nb `{{ span }}` c\n~~~~\n{% raw %}\n~~~~\n"
    protected, saved = protect_code(text)
    assert "{{ code }}" not in protected and "{{ span }}" not in protected
    assert "{{ X }}" in protected
    assert protected.count("\n") == text.count("\n")
    assert restore_code(protected, saved) == text


def test_site_variables_expand_outside_code_only(site: Site) -> None:
    site.write("site.yaml", """\
        groups:
          rtc: {title: RTC, url: "https://x.github.io/rtc/"}
        """)
    site.image("a.png")
    site.page("p.md", """\
        title: P
        groups: rtc

        ![a]({{ IMGURL }}/images/a.png) and <img src="<< IMGURL >>/images/a.png" alt="b">
        Site {{ SITENAME }} in group {{ GROUP }} at {{ SITEURL }}.

        ```text
        {{ IMGURL }} stays
        ```

        Inline `{{ page.title }}` stays too.
        """)
    result = site.build()
    assert result.code == 0, result.err
    html = site.out("rtc/p/index.html")
    assert 'src="/rtc/images/a.png"' in html
    assert "Site RTC in group rtc at https://x.github.io/rtc." in html
    assert "{{ IMGURL }} stays" in html
    assert "<code>{{ page.title }}</code>" in html
    assert "//images" not in html


def test_markdown_features(site: Site) -> None:
    site.page("p.md", """\
        title: P
        groups: rtc

        ##Topic without space

        | a | b |
        |---|---|
        | 1 | 2 |

        Term
        :   Definition

        Note[^1].

        [^1]: The footnote.

        !!! tip
            Be brief.

        <center><b>raw</b></center>
        <!-- a comment -->

        ```python
        print("hi")
        ```

        [youtube: dQw4w9WgXcQ]
        """)
    result = site.build()
    assert result.code == 0, result.err
    html = site.out("rtc/p/index.html")
    assert '<h2 id="topic-without-space">Topic without space' in html
    assert '<table tabindex="0">' in html and "<dd>Definition</dd>" in html
    assert 'class="footnote"' in html
    assert 'class="admonition tip"' in html
    assert "<center><b>raw</b></center>" in html and "<!-- a comment -->" in html
    assert 'class="highlight"' in html and '<span class="nb">print</span>' in html
    # The player loads from YouTube only when asked for: until then a link to the video.
    assert 'data-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"' in html
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in html
    assert "<iframe" not in html


def test_undefined_variable_is_reported_at_its_line(site: Site) -> None:
    site.page("p.md", "title: P\ngroups: rtc\n\nfirst\n\nsecond {{ IMGUR }}\n")
    result = site.build()
    assert result.code == 1
    assert "content/p.md:6: error: 'IMGUR' is undefined" in result.err
    assert "did you mean 'IMGURL'?" in result.err
    assert "Traceback" not in result.err


def test_an_error_after_fences_is_reported_at_its_line(site: Site) -> None:
    # Code set aside keeps its lines: a fence first, or right after another, adds none.
    site.page("p.md", "title: P\ngroups: rtc\n\n```\n{{ a }}\n```\n~~~\nb\n~~~\n"
                      "second {{ IMGUR }}\n")
    result = site.build()
    assert result.code == 1
    assert "content/p.md:10: error: 'IMGUR' is undefined" in result.err


def test_jinja_syntax_error_is_reported_at_its_line(site: Site) -> None:
    site.page("p.md", "---\ntitle: P\ngroups: rtc\n---\nok\n{% if %}\n")
    result = site.build()
    assert result.code == 1
    assert "content/p.md:6: error: template syntax" in result.err


def test_sandbox_blocks_python_internals(site: Site, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    site.page("p.md", "title: P\ngroups: rtc\n\n"
              "{{ ''.__class__.__mro__[1].__subclasses__() }}\n"
              "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}\n")
    result = site.build()
    assert result.code == 1
    assert "content/p.md:4: error: " in result.err
    assert not marker.exists()
    assert "Traceback" not in result.err


def test_extends_makes_a_full_jinja_page(site: Site) -> None:
    site.page("landing.md", """\
        title: Landing
        groups: rtc

        {% extends "base.html" %}
        {% block content %}<section id="custom">{{ page.title }} of {{ group.title }}</section>
        {% filter markdown %}**bold**{% endfilter %}{% endblock %}
        """)
    result = site.build()
    assert result.code == 0, result.err
    html = site.out("rtc/landing/index.html")
    assert '<section id="custom">Landing of RTC</section>' in html
    assert "<strong>bold</strong>" in html
    assert '<header class="site-header">' in html


def test_template_field_picks_a_layout_and_site_templates_override(site: Site) -> None:
    site.write("templates/vacancy-single.html",
               '{% extends "base.html" %}{% block content %}<div id="vacancy">{{ content }}'
               "</div>{% endblock %}")
    site.write("templates/404.html", "<!DOCTYPE html><title>gone</title><p>custom 404</p>")
    site.page("jobs/phd.md", "title: PhD\ngroups: rtc\ntemplate: vacancy-single\n\nApply *now*\n")
    site.page("jobs/other.md", "title: O\ngroups: rtc\ntemplate: nonexistent\n\nx\n")
    result = site.build()
    assert result.code == 1
    assert "content/jobs/other.md:3: error: template 'nonexistent' does not exist" in result.err
    assert result.err.count(": error:") == 1  # not a second one of templates/
    (site.root / "content/jobs/other.md").unlink()
    assert site.build().code == 0
    assert '<div id="vacancy"><p>Apply <em>now</em></p>' in site.out("rtc/jobs/phd/index.html")
    assert "custom 404" in site.out("rtc/404.html")


def test_broken_layout_is_reported_at_the_template_line(site: Site) -> None:
    site.write("templates/page.html", '{% extends "base.html" %}\n{% block content %}\n'
               "{{ page.nope }}\n{% endblock %}\n")
    site.page("p.md", "title: P\ngroups: rtc\n\nx\n")
    result = site.build()
    assert result.code == 1
    assert "templates/page.html:3: error: UndefinedError" in result.err


def test_solutions_open_on_demand(site: Site) -> None:
    site.page("p.md", """\
        title: P
        groups: rtc

        !!! exercise
            Add two and two.

        !!! solution
            Four.

        ??? solution "Show the answer"
            Still four.
        """)
    assert site.build("--group", "rtc").code == 0
    html = site.out("rtc/p/index.html")
    assert 'class="admonition exercise"' in html
    assert '<details class="solution">\n<summary>Solution</summary>\n<p>Four.</p>' in html
    assert '<details class="solution">\n<summary>Show the answer</summary>' in html




def test_what_changes_from_build_to_build_is_not_available_in_a_page(site: Site) -> None:
    site.page("a.md", "title: A\ngroups: rtc\n\nintro\n\n{{ lipsum(1) }}\n")
    site.page("b.md", "title: B\ngroups: rtc\n\nintro\n\n{% if true %}\n{{ [1, 2, 3]|random }}\n"
                      "{% endif %}\n")
    site.page("c.md", "title: C\ngroups: rtc\n\n{{ pages|map(attribute='title') }}\n")
    site.page("e.md", "title: E\ngroups: rtc\n\nintro\n\n{{ cycler('odd', 'even') }}\n")
    site.page("d.md", "title: D\ngroups: rtc\n\n{{ pages|map(attribute='title')|join(', ') }}\n"
                      "{% set row = cycler('odd', 'even') %}{{ row.next() }} {{ row.next() }}\n")
    result = site.build()
    assert result.code == 1
    assert ("content/a.md:6: error: 'lipsum' is not available in a page: its output changes "
            "from build to build") in result.err
    assert ("content/b.md:7: error: 'random' is not available in a page: its output changes "
            "from build to build") in result.err
    assert ("content/c.md:4: error: this prints as '<generator object sync_do_map at 0x"
            in result.err)
    assert "which changes from build to build" in result.err
    assert "content/e.md:6: error: this prints as '<jinja2.utils.Cycler object at 0x" \
        in result.err
    assert "content/d.md" not in result.err  # made into text, they are the same every time
    assert "Traceback" not in result.err
    (site.root / "content/a.md").unlink()
    (site.root / "content/b.md").unlink()
    (site.root / "content/c.md").unlink()
    (site.root / "content/e.md").unlink()
    assert site.build().code == 0
    assert "<p>D\nodd even</p>" in site.out("rtc/d/index.html")


def test_what_changes_from_build_to_build_is_not_available_in_a_layout(site: Site) -> None:
    site.write("templates/page.html", '{% extends "base.html" %}\n{% block content %}\n'
               "{{ ['a', 'b']|random }}\n{% endblock %}\n")
    site.write("templates/note.html", '{% extends "base.html" %}\n{% block content %}\n\n'
               "{{ lipsum() }}\n{% endblock %}\n")
    site.page("p.md", "title: P\ngroups: rtc\n\nx\n")
    site.page("n.md", "title: N\ngroups: rtc\ntemplate: note\n\nx\n")
    result = site.build()
    assert result.code == 1
    assert ("templates/page.html:3: error: 'random' is not available in a layout: its output "
            "changes from build to build") in result.err
    assert ("templates/note.html:4: error: 'lipsum' is not available in a layout: its output "
            "changes from build to build") in result.err


def test_an_extension_that_fails_on_a_page_is_an_error_at_the_page(site: Site) -> None:
    site.write("site.yaml", (site.root / "site.yaml").read_text()
               + "markdown_extensions:\n  - pymdownx.emoji: {emoji_generator: x}\n")
    site.page("p.md", "title: P\ngroups: rtc\n\nHello :smile:\n")
    result = site.build()
    assert result.code == 1 and "Traceback" not in result.err
    assert ("content/p.md:4: error: Markdown could not convert the page: TypeError") in result.err
    assert "hint: one of markdown_extensions in site.yaml failed on it" in result.err
