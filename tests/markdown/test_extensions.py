"""Markdown with only the extensions a body uses gives the HTML of the full set."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from coursesite.markdown.extensions import (
    OPTIONAL,
    Converter,
    Hooks,
    NoTarget,
    SharedStyleFormatter,
    features_of,
    make_markdown,
)

ROOT = Path(__file__).parents[2]

# Each optional extension's syntax, also where blocks nest (lists, quotes, footnotes,
# admonitions, markdown="1"), and text that only looks like it.
SNIPPETS = {
    "table": "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "pipe in prose": "a | b is not a table\n",
    "footnote": "Text[^1].\n\n[^1]: The note.\n",
    "footnote with a definition": "Text[^n].\n\n[^n]: Term\n    : its definition\n",
    "attribute list": "## Heading {#custom .wide}\n\nPara\n{: .lead }\n",
    "fence title": '```python title="train.py" hl_lines="2"\nx = 1\ny = 2\n```\n',
    "definition": "Term\n: Definition\n",
    "definition in a list": "- item\n\n    Term\n    : Definition\n",
    "definition in a quote": "> Term\n> : Definition\n",
    "colon starts an item": "- : odd\n1. : odder\n",
    "abbreviation": "The HTML spec.\n\n*[HTML]: Hyper Text Markup Language\n",
    "emphasised link": "*[a link](https://example.org)* and *[b]*\n",
    "admonition": "!!! note \"Careful\"\n    Indented body.\n",
    "solution": "!!! solution\n    The answer.\n",
    "details": "??? tip \"More\"\n    Hidden.\n\n???+ note\n    Open.\n",
    "html block": "<div class=\"box\">\n<p>raw</p>\n</div>\n\nAfter <b>bold</b>.\n",
    "markdown in html": "<div markdown=\"1\">\n*inside*\n\nTerm\n: def\n</div>\n",
    "details in html": "<details markdown=\"1\">\n<summary>S</summary>\n\n*x*\n</details>\n",
    "admonition in html": "<div class=\"admonition note\" markdown=\"1\">\nx\n</div>\n",
    "inline math": "Area $\\pi r^2$ and \\$5.\n",
    "display math": "$$\nx^2\n$$\n\n```math\ny^2\n```\n",
    "money": "It costs $5 and $10.\n",
    "indented code": "Intro\n\n    indented code\n    more\n",
    "toc marker": "[TOC]\n\n## One\n\n### Two\n\n## Three\n",
    "headings": "##NoSpace\n\n## Same\n\n## Same\n\n# Top `code`\n",
    "plain": "Just *some* text with `code`, **bold** and a [link](../x/).\n",
    "page reference": "See [courses/intro] for more.\n",  # its title is Markdown too
    "line breaks": "one  \ntwo\t\nthree  \r\nfour\n",
    "entities and escapes": "&copy; &#169; \\*not emphasis\\* \\`x\\`\n",
    "autolinks": "<https://example.org> and <someone@example.org>\n",
    "images": "![alt](a.png) ![ref][r] ![r]\n\n[r]: b.png\n",
    "references": "[text][r], [r] and [text](url \"title\")\n\n[r]: https://example.org\n",
    "underscores": "snake_case_name and __strong__ and _em_\n",
    "setext headings and rules": "Title\n=====\n\nPart\n---\n\n***\n\n- - -\n\n___\n",
    "task list": "- [x] done\n- [ ] to do\n- [link](x) is no task\n",
    "mark, tilde, caret": "==marked== H~2~O x^2^ ~~gone~~ ^^inserted^^ ~50 and ~60\n",
    "keys": "Stop with ++ctrl+c++; C++ and C++ stay.\n",
    "content tabs": '=== "One"\n\n    First *tab*.\n\n=== "Two"\n\n    Second.\n',
    "blocks that only look like them": "a # b, 3. c, x > y, [a]: b\n+ - * = _\n",
}


def bodies() -> dict[str, str]:
    found = dict(SNIPPETS)
    # The demo's pages (the shared example page among them, as it is).
    for path in sorted((ROOT / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        found[str(path.relative_to(ROOT))] = text.split("\n\n", 1)[-1]
    # Every snippet together: each extension at once.
    found["all at once"] = "\n\n".join(SNIPPETS.values())
    return found


@pytest.mark.parametrize("name", sorted(bodies()))
def test_only_the_extensions_a_body_uses_give_the_same_html(name: str) -> None:
    text = bodies()[name]
    hooks = Hooks()
    every = make_markdown(hooks)
    lean = Converter(hooks)
    with hooks.bound(IntroLinks()):
        html, toc_tokens = lean.convert(text)
        assert html == every.convert(text)
    assert toc_tokens == every.toc_tokens  # type: ignore[attr-defined]


class IntroLinks(NoTarget):
    """Every page reference is to one page, whose title is Markdown too."""

    def page_ref(self, ref: str, group: str | None, source: str) -> tuple[str, str] | None:
        return "../intro/", "*Intro* to `x` & <b>a_b_</b>"


def test_the_hooks_ask_the_bound_target_only_while_it_is_bound() -> None:
    hooks = Hooks()
    lean = Converter(hooks)
    with hooks.bound(IntroLinks()):
        inside, _ = lean.convert(SNIPPETS["page reference"])
    outside, _ = lean.convert(SNIPPETS["page reference"])
    assert 'href="../intro/"' in inside
    assert "href" not in outside and "[courses/intro]" in outside


def test_a_plain_body_needs_no_optional_extension() -> None:
    assert features_of(SNIPPETS["plain"]) == frozenset()
    assert features_of("\n\n".join(SNIPPETS.values())) == frozenset(OPTIONAL)


def test_the_markdown_mkdocs_material_users_write_renders() -> None:
    html = Converter(Hooks()).convert("\n\n".join(
        SNIPPETS[name] for name in ("task list", "mark, tilde, caret", "keys", "content tabs")))[0]
    # Each checkbox is named by its task, for screen readers (axe's rule "label").
    assert '<input aria-label="done" type="checkbox" disabled checked/> done' in html
    assert '<input aria-label="to do" type="checkbox" disabled/> to do' in html
    assert html.count("<input") == 2 + 2 and "no task" in html  # two tabs' radio buttons
    assert "<mark>marked</mark> H<sub>2</sub>O x<sup>2</sup> <del>gone</del>" in html
    assert "<ins>inserted</ins> ~50 and ~60" in html
    assert '<kbd class="key-control">Ctrl</kbd>' in html and "C++ and C++ stay" in html
    assert html.count('class="tabbed-block"') == 2 and '<label for="__tabbed_1_2">Two' in html


def test_site_yaml_adds_extensions_with_their_options() -> None:
    from coursesite.config.extensions import MarkdownExtension
    more = (MarkdownExtension("pymdownx.smartsymbols", '{"fractions": false}'),)
    html = Converter(Hooks(), more).convert("a --> b (c) 1/2\n")[0]
    assert html == "<p>a &rarr; b &copy; 1/2</p>"
    assert "-->" in Converter(Hooks()).convert("a --> b\n")[0].replace("&gt;", ">")


def test_a_toc_marker_still_becomes_a_table_of_contents() -> None:
    html = make_markdown(Hooks()).convert(SNIPPETS["toc marker"])
    assert '<div class="toc">' in html and '<a href="#two">Two</a>' in html
    assert "[TOC]" not in html


def test_code_is_highlighted_as_pygments_own_formatter_does() -> None:
    config = {"css_class": "highlight", "guess_lang": False}
    own = markdown.Markdown(extensions=["fenced_code", "codehilite"],
                            extension_configs={"codehilite": config})
    shared = markdown.Markdown(extensions=["fenced_code", "codehilite"], extension_configs={
        "codehilite": {**config, "pygments_formatter": SharedStyleFormatter}})
    texts = [SNIPPETS["fence title"], "```js\nlet x = 'a';\n```\n", SNIPPETS["fence title"],
             SNIPPETS["indented code"]]
    pages = [shared.reset().convert(text) for text in texts]
    assert pages == [own.reset().convert(text) for text in texts]
    assert '<span class="kd">let</span>' in pages[1]  # highlighted
