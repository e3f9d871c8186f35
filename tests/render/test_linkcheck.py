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
