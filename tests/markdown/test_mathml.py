"""Formulas become MathML at build time; a bad one fails the build at its line."""

from __future__ import annotations

import re

from tests.conftest import Site


def lesson(site: Site, body: str) -> str:
    site.page("lesson.md", f"title: Lesson\ngroups: rtc\n\n{body}")
    result = site.build("--group", "rtc")
    assert result.code == 0, result.err
    html = site.out("rtc/lesson/index.html")
    return html.split('<div class="prose">')[1].split("</article>")[0]


def test_inline_display_and_fenced_math_become_mathml(site: Site) -> None:
    prose = lesson(site, "Inline $a^2 + b^2$ here.\n\n$$\n\\frac{1}{N}\\sum_n x_n\n$$\n\n"
                         "```math\np_k = \\frac{e^{z_k}}{\\sum_j e^{z_j}}\n```\n")
    assert prose.count('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"') == 1
    assert prose.count('display="block"') == 2
    assert "<mfrac>" in prose and "<msup>" in prose
    assert "$" not in re.sub(r"<math.*?</math>", "", prose, flags=re.S)


def test_dollars_in_code_escaped_or_as_money_stay_text(site: Site) -> None:
    prose = lesson(site, 'It costs \\$5, or $5 and $10 for two.\n\n`price = "$5"` and\n\n'
                         '```python\ncost = "$x$"\n```\n')
    assert "<math" not in prose
    assert "It costs $5, or $5 and $10 for two." in prose
    assert "price = &quot;$5&quot;" in prose or 'price = "$5"' in prose
    assert "$x$" in prose


def test_a_broken_formula_fails_the_build_at_its_line(site: Site) -> None:
    site.page("lesson.md", "title: Lesson\ngroups: rtc\n\nFine $x$.\n\n"
                           "Broken $\\frac{a}{b$ here.\n\nAnd $\\notacommand{x}$.\n")
    result = site.build("--group", "rtc")
    assert result.code == 1
    assert ("content/lesson.md:6: error: formula '\\frac{a}{b': a '{' is never closed"
            in result.err)
    assert "content/lesson.md:8: error: formula '\\notacommand{x}': unknown command " \
           "'\\notacommand'" in result.err
    assert not (site.root / "output" / "rtc").exists()


def test_a_broken_formula_in_two_groups_fails_every_build(site: Site) -> None:
    # The page converts once for both groups; its HTML must not be kept for the next build.
    site.page("lesson.md", "title: Lesson\ngroups: all\n\nBroken $\\frac{a}{b$ here.\n")
    for _ in range(2):
        result = site.build()
        assert result.code == 1
        assert "content/lesson.md:4: error: formula '\\frac{a}{b'" in result.err

def test_a_mistake_in_a_formula_of_several_lines_is_at_its_own_line(site: Site) -> None:
    site.page("lesson.md", """\
        title: Lesson
        groups: rtc

        $$
        a + b \\\\
        \\frac{c}{d \\\\
        e
        $$

        $$
        x = 1 \\\\
        y = \\foo{2}
        $$

        ```math
        p \\\\
        q }
        ```

        $$
        x = 1 \\\\
        y = x^
        $$
        """)
    result = site.build("--group", "rtc")
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if ": error:" in line]
    assert errors == [
        "content/lesson.md:6: error: formula '…\\frac{c}{d \\\\…': a '{' is never closed",
        "content/lesson.md:12: error: formula '…y = \\foo{2}…': unknown command '\\foo'",
        "content/lesson.md:17: error: formula '…q }…': a '}' closes nothing",
        # latex2mathml does not tell where: the formula's first line, and the message says so
        "content/lesson.md:20: error: formula 'x = 1 \\\\ y = x^', which starts on this line: "
        "cannot convert (MissingSuperScriptOrSubscriptError); latex2mathml does not say on "
        "which of its lines"], result.err


def test_formulas_are_not_read_as_site_variables(site: Site) -> None:
    prose = lesson(site, "Group {{ GROUP }}: $x^{{2}}$ and\n\n$$\n\\hat{{y}}\n$$\n")
    assert "Group rtc:" in prose
    assert prose.count("<math") == 2 and "<msup>" in prose
