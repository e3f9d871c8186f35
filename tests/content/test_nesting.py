"""Nesting past what Markdown can take (content/nesting.py) is an error at its line,
found before Markdown would recurse past Python's limit or rescan brackets for seconds."""

from __future__ import annotations

import time

import pytest

from coursesite.content.nesting import too_deep
from tests.conftest import Site

DEEP = {
    "list": ("".join("    " * i + "- x\n" for i in range(60)), 50, "a list nested 51 deep"),
    "tabs": ("".join("\t" * i + "1. x\n" for i in range(60)), 50, "a list nested 51 deep"),
    "quotes": ("".join(">" * i + " x\n" for i in range(1, 60)), 50,
               "block quotes nested 51 deep"),
    "div": ('<div markdown="1">\n' * 60 + "x\n" + "</div>\n" * 60, 50,
            "HTML elements in a <div markdown> block nested 51 deep"),
    "inner": ('<div markdown="1">\n' + "<section>\n" * 60, 50,
              "HTML elements in a <div markdown> block nested 51 deep"),
    "brackets": ("intro\n\n" + "[" * 4000 + "x" + "](a.md)" * 4000 + "\n", 2,
                 "[brackets] nested over 50 deep"),
}


@pytest.mark.parametrize("case", list(DEEP))
def test_too_deep_is_found_at_its_line(case: str) -> None:
    body, line, what = DEEP[case]
    assert too_deep(body, 50) == (line, what)


SHALLOW = {
    "many links": "See [a](a.md), [b](b.md) and [[c]].\n" * 500,
    "list of 50": "".join("    " * i + "- x\n" for i in range(50)),
    "code": "```text\n" + "[" * 400 + "\n" + "".join(" " * 4 * i + "- x\n" for i in range(80))
            + "```\n",
    "code span": "`" + "[" * 100 + "`\n",
    "escaped": "\\[" * 100 + "\n",
    "closed divs": '<div markdown="1">\n<p>x</p>\n</div>\n' * 100,
    "plain html": "<div>\n" * 80 + "</div>\n" * 80,
    "paragraphs": "[[x\n\n" * 100,
}


@pytest.mark.parametrize("case", list(SHALLOW))
def test_ordinary_pages_pass(case: str) -> None:
    assert too_deep(SHALLOW[case], 50) is None


def test_a_deep_page_is_an_error_at_its_file_line_and_other_pages_still_build(
        site: Site) -> None:
    site.page("deep.md", "title: Deep\ngroups: rtc\n\nText\n\n"
              + "".join("    " * i + "- x\n" for i in range(300)))
    site.page("brackets.md", "title: B\ngroups: rtc\n\n" + "[" * 4000 + "x"
              + "](deep.md)" * 4000 + "\n")
    started = time.monotonic()
    result = site.build()
    assert time.monotonic() - started < 30  # unbounded, these took 12 s and 15 s each
    assert result.code == 1
    assert ("content/deep.md:56: error: a list nested 51 deep: Markdown takes 50 levels "
            "at most") in result.err
    assert "hint: nest less deeply, or raise limits.nesting in site.yaml" in result.err
    assert "content/brackets.md:4: error: [brackets] nested over 50 deep" in result.err
    assert "Traceback" not in result.err
