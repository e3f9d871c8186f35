"""The fence scanner finds what fenced_code renders as code, and its four users agree."""

from __future__ import annotations

import html
import random
import re

import markdown
import pytest

from coursesite.content.fences import TITLED_INFO, fence_lines, fences
from tests.conftest import Site

# (text, the (first, last) line numbers of each fenced block)
TRICKY = {
    "tilde holding backticks": ("~~~\n```\ncode\n~~~\n", [(0, 3)]),
    "four holding three": ("````\n```\n````\n", [(0, 2)]),
    "longer line is code": ("```\na\n````\nb\n```\n", [(0, 4)]),
    "other character is code": ("```\n~~~\n```\n", [(0, 2)]),
    "spaces after the closing fence": ("```\na\n```  \t\n", [(0, 2)]),
    "text after the closing fence": ("```\n``` x\n```", [(0, 2)]),
    "unclosed is text": ("```\na\n", []),
    "unclosed, then a fence": ("```\na\n~~~\nb\n~~~\n", [(2, 4)]),
    "indented opening is text": (" ```\na\n```\n", []),
    "four spaces: text": ("    ```\na\n```\nb\n```\n", [(2, 4)]),
    "indented closing is code": ("```\n    ```\n```\n", [(0, 2)]),
    "in a list: text": ("- a\n\n    ```\n    b\n    ```\n", []),
    "in a quote: text": ("> ```\n> a\n> ```\n", []),
    "language": ("```python\na\n```\n", [(0, 2)]),
    "attribute list": ("``` { .python #id }\na\n```\n", [(0, 2)]),
    "space after an attribute list": ("```{ .python } \na\n```\n", []),
    "unbalanced attribute list": ("```{ .a } b }\na\n```\n", []),
    "hl_lines": ('~~~python hl_lines="1"\na\n~~~\n', [(0, 2)]),
    "title form": ('```python title="a.py" hl_lines="2"\na\n```\n', [(0, 2)]),
    "other info: text, the next fence opens": ("```python x\na\n```\nb\n```\n", [(2, 4)]),
    "backtick in info": ("``` a`b\na\n```\n", []),
    "empty block": ("```\n```\n", [(0, 1)]),
    "two blocks": ("```\na\n```\n~~~\nb\n~~~", [(0, 2), (3, 5)]),
    "tab after the fence": ("```\tpython\na\n```\n", [(0, 2)]),
}


@pytest.mark.parametrize("text, expected", TRICKY.values(), ids=TRICKY.keys())
def test_tricky_fences(text: str, expected: list[tuple[int, int]]) -> None:
    assert [(first, last) for first, last, _ in fence_lines(text)] == expected


def test_a_block_spans_its_fences_exactly() -> None:
    text = "a\n~~~~ {.py}\nx\n~~~~\nb"
    (fence,) = fences(text)
    assert text[fence.start:fence.end] == "~~~~ {.py}\nx\n~~~~"
    assert (fence.run, fence.info, fence.lang) == ("~~~~", " {.py}", "py")


@pytest.mark.parametrize("info, lang", [("", ""), ("math", "math"), (" .math", "math"),
                                        ("{ #id .math .x }", "math"), ('math title="a"', "math"),
                                        ('hl_lines="1"', ""), ("{ = .math }", "")])
def test_language_as_fenced_code_reads_it(info: str, lang: str) -> None:
    (fence,) = fences(f"```{info}\na\n```")
    assert fence.lang == lang


def test_many_unclosed_fences_are_read_once() -> None:
    # Each would search the rest of the text for its closing line: seconds, not milliseconds.
    text = "```python\n" * 20_000 + "~~~\nx\n~~~\n"
    assert [(first, last) for first, last, _ in fence_lines(text)] == [(20_000, 20_002)]


TITLED = re.compile(r"^(`{3,}|~{3,})" + TITLED_INFO.pattern + "$")
POOL = ["```", "````", "~~~", "~~~~", "`````", "```python", "``` {.py}", "```{ .math }", "  ```",
        "    ```", '```python title="a.py"', '~~~py title="a" hl_lines="2"', "```python x", "```\t",
        "``` \t", "text", "", "# heading", "```{ a } b }", '~~~ hl_lines="1"', "```js hl_lines='2'",
        "```.py", "``` .py ", "```{#id .c .d}", "```{ = .math }", "~~~{\t.py\t}", "```a`b",
        "```~~~", "````` x", "~~~~  ", "```{.py}\t", "``` { .py key='a }' }", "```c++"]


def fenced_code_blocks(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(language, code) of each block Python-Markdown's fenced_code finds, and the lines it
    reads (after Markdown's whitespace rules and the rewrite FenceTitles makes)."""
    md = markdown.Markdown(extensions=["fenced_code"])
    lines = [TITLED.sub(lambda m: f"{m[1]}{{ .{m[2]} {m[3].strip()} }}", line)
             for line in text.split("\n")]
    lines = md.preprocessors["normalize_whitespace"].run(lines)
    md.preprocessors["fenced_code_block"].run(lines)
    blocks = []
    for block in md.htmlStash.rawHtmlBlocks:
        found = re.fullmatch(r'<pre[^>]*><code(?: class="language-([^"]*)")?>(.*)</code></pre>',
                             str(block), re.S)
        assert found is not None, block
        blocks.append((html.unescape(found[1] or ""), html.unescape(found[2])))
    return blocks, lines


def test_finds_what_fenced_code_finds() -> None:
    rng = random.Random(1)
    for _ in range(3000):
        lines = [rng.choice(POOL) for _ in range(rng.randint(1, 10))]
        text = "\n".join(lines) + rng.choice(["", "\n"])
        expected, lines = fenced_code_blocks(text)
        found = [(fence.lang, "".join(line + "\n" for line in lines[first + 1:last]))
                 for first, last, fence in fence_lines(text)]
        assert found == expected, text



# The users: the loader (the first heading outside code is the title), the body renderer
# (site variables in code stay as written), display math and FenceTitles (both run
# before fenced_code). In code, all of these stay as written; outside, they are expanded.
INSIDE = "Inside {{ GROUP }} costs $x$\n$$\ny\n$$\n# Inside\n"
OUTSIDE = "\n# Real title\n\nOutside {{ GROUP }} costs $z$.\n"
TITLED_LINE = '```python title="a.py"\n'
CODE_CASES = {
    "tilde fence holding a backtick line": f"~~~\n```\n{INSIDE}{TITLED_LINE}~~~\n",
    "four backticks holding three": f"````\n```\n{INSIDE}{TITLED_LINE}```\n````\n",
    "a longer fence inside is code": f"```\n{INSIDE}````\n{INSIDE}```\n",
    "a fence indented by four spaces is code": f"```\n{INSIDE}    ```\n{INSIDE}```\n\n    ```\n",
    "after an info string fenced_code does not take": f"```python x y\n\n```\n{INSIDE}```\n",
}
TEXT_CASES = {  # what looks like a fence but is text, for fenced_code and so for all
    "an unclosed fence": f"```\n{INSIDE}",
    "an indented fence": f"  ~~~\n{INSIDE}  ~~~\n",
}


def build_page(site: Site, body: str) -> tuple[str, str, str, str]:
    """A page's title, and its body: the code blocks (as text, and as HTML), and the rest."""
    site.page("lesson.md", "groups: rtc\n\n" + body)
    result = site.build("--group", "rtc")
    assert result.code == 0, result.err
    page = site.out("rtc/lesson/index.html")
    title = re.search(r"<h1>(.*?)</h1>", page)
    assert title is not None
    body_html = page.split('<div class="prose">')[1].split("</article>")[0]
    code_html = "".join(re.findall(r"<pre.*?</pre>", body_html, re.S))
    code = html.unescape(re.sub(r"<[^>]+>", "", code_html))
    return title[1], code, code_html, re.sub(r"<pre.*?</pre>", "", body_html, flags=re.S)


@pytest.mark.parametrize("body", CODE_CASES.values(), ids=CODE_CASES.keys())
def test_code_stays_as_written_for_every_user(site: Site, body: str) -> None:
    title, code, code_html, prose = build_page(site, body + OUTSIDE)
    assert {
        "loader: title": title,
        "render: site variables in code": code.count("Inside {{ GROUP }} costs $x$"),
        "mathml: display math in code": (code.count("$$\ny\n$$"), code_html.count("<math")),
        "extensions: fence title in code": code.count(TITLED_LINE),
        "outside": ("Outside rtc costs" in prose, "<math" in prose),
    } == {
        "loader: title": "Real title",
        "render: site variables in code": body.count(INSIDE),
        "mathml: display math in code": (body.count(INSIDE), 0),
        "extensions: fence title in code": body.count(TITLED_LINE),
        "outside": (True, True),
    }


@pytest.mark.parametrize("body", TEXT_CASES.values(), ids=TEXT_CASES.keys())
def test_text_that_only_looks_like_code_is_expanded_by_every_user(site: Site, body: str) -> None:
    title, code, _, prose = build_page(site, "Before.\n\n" + body)
    assert {
        "loader: title": title,
        "render: site variables": "Inside rtc costs" in prose,
        "mathml: display math": prose.count('display="block"'),
        "code": code,
    } == {"loader: title": "Inside", "render: site variables": True,
          "mathml: display math": 1, "code": ""}
