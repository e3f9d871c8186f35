"""Compiled layouts kept in the build state: used only for the very source they were
compiled from, and a damaged row is compiled again."""

from __future__ import annotations

import sqlite3

from jinja2.bccache import bc_magic

from tests.conftest import Site


def layout_site(site: Site, word: str) -> None:
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome.\n")
    site.page("notes.md", "title: Notes\ngroups: rtc\n\nSome notes.\n")
    site.write("templates/page.html", '{% extends "base.html" %}{% block content %}'
                                      f'<div class="mine">{word} {{{{ content }}}}</div>'
                                      "{% endblock %}")


def codes(site: Site) -> int:
    with sqlite3.connect(site.root / ".cache" / "state.sqlite") as db:
        return int(db.execute("SELECT count(*) FROM layouts").fetchone()[0])


def test_an_edited_layout_is_compiled_from_its_new_source(site: Site) -> None:
    layout_site(site, "first")
    assert site.build("--group", "rtc").code == 0
    assert codes(site) > 0  # the layouts used were kept
    assert "first" in site.out("rtc/notes/index.html")
    layout_site(site, "second")
    assert site.build("--group", "rtc").code == 0
    assert "second" in site.out("rtc/notes/index.html")


def test_damaged_code_is_compiled_again(site: Site) -> None:
    layout_site(site, "first")
    assert site.build("--group", "rtc").code == 0
    with sqlite3.connect(site.root / ".cache" / "state.sqlite") as db:
        # Jinja2's header, as a row of this very version has it, then no sound code.
        db.execute("UPDATE layouts SET code = ?", (bc_magic + b"\x80\x04garbage",))
    site.page("notes.md", "title: Notes\ngroups: rtc\n\nOther notes.\n")
    result = site.build("--group", "rtc")
    assert result.code == 0, result.err
    assert "Other notes" in site.out("rtc/notes/index.html")
    assert "first" in site.out("rtc/notes/index.html")


def test_a_partial_edited_reaches_the_pages_of_a_layout_whose_references_were_kept(
        site: Site) -> None:
    # The second build takes page.html's references (its include) from the state: the
    # partial's new text must still make the pages again.
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome.\n")
    site.page("notes.md", "title: Notes\ngroups: rtc\n\nSome notes.\n")
    site.write("templates/page.html", '{% extends "base.html" %}{% block content %}'
                                      '{% include "mine.html" %}{{ content }}{% endblock %}')
    site.write("templates/mine.html", "<p>first partial</p>")
    assert site.build("--group", "rtc").code == 0
    with sqlite3.connect(site.root / ".cache" / "state.sqlite") as db:
        assert db.execute("SELECT count(*) FROM layouts WHERE checksum = 'references'"
                          ).fetchone()[0] > 0
    site.write("templates/mine.html", "<p>second partial</p>")
    assert site.build("--group", "rtc").code == 0
    assert "second partial" in site.out("rtc/notes/index.html")
