"""The bounds on a page body's Jinja2 (render/sandbox.py): no body can hang or exhaust a
build; each one that would is an error at its line that names the limit to raise."""

from __future__ import annotations

import time

import jinja2
import pytest

from coursesite.config.site import Limits
from coursesite.render.sandbox import BoundedSandbox, OverLimit
from tests.conftest import Site

LIMITS = Limits(render_seconds=10, render_steps=1_000_000, render_chars=5_000_000, nesting=50,
                yaml_nodes=100_000, image_pixels=89_478_485, search_seconds=600,
                publish_seconds=3600, page_bytes=10_000_000, attachment_bytes=100_000_000)

# Each of these would take minutes, or gigabytes, if it were run.
HOSTILE = {
    "{{ 'a' * 10**9 }}": "render_chars",
    "{{ ([1] * 10**8) | length }}": "render_chars",
    "{{ 'a' | center(1000000000) }}": "render_chars",
    "{{ 'a'.ljust(1000000000) }}": "render_chars",
    "{{ '{:>999999999}'.format(1) }}": "render_chars",
    "{{ '{:{w}}'.format(1, w=999999999) }}": "render_chars",
    "{{ '%999999999s' % 1 }}": "render_chars",
    "{{ '%-*s' % (999999999, 'a') }}": "render_chars",
    "{{ '%999999999d' | format(1) }}": "render_chars",
    "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}": "render_chars",
    "{% set ns = namespace(s=[1]) %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}"
    "{% endfor %}": "render_chars",
    "{% set s = 'a' * 1000000 %}{{ s | replace('a', s) | length }}": "render_chars",
    "{% set s = 'a' * 1000000 %}{{ range(100000) | join(s) | length }}": "render_chars",
    "{% set s = 'a\n' * 100000 %}{{ s | indent(1000) | length }}": "render_chars",
    "{{ range(3) | slice(1000000000) | list | length }}": "render_chars",
    "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}": "render_chars",
    "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}":
        "render_steps",
    "{% set s = 'a' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}":
        "render_steps",
    # One operator on big ints: CPython divides by long division (minutes), multiplies by
    # Karatsuba (seconds); each is charged before it runs.
    "{{ ((10 ** 1000000) // (10 ** 500000 + 7)) % 10 }}": "render_steps",
    "{{ ((10 ** 1000000) % (10 ** 500000 + 7)) % 10 }}": "render_steps",
    "{% set a = 10 ** 1000000 %}{{ ((a * a) * (a * a)) % 10 }}": "render_steps",
    "{{ (9 ** 4000000) % 10 }}": "render_steps",
    "{{ 10 ** 5000000 }}": "render_chars",
    "{{ 10 ** (10 ** 400) }}": "render_chars",
    "{{ 'a' * 10 ** 5000 }}": "render_chars",
    # One filter is one call of Python: charged for its work before or while it runs.
    "{{ ([[1]] * 100000) | sum(start=[]) | length }}": "render_steps",
    "{% set s = 'a' * 900000 %}{{ s | wordwrap(1) | length }}": "render_steps",
    "{% set s = 'ab ' * 1000 %}{{ s | wordwrap(1, wrapstring='x' * 10000) }}": "render_chars",
    "{{ 'a' | center(width=1000000000) }}": "render_chars",
    "{{ range(10) | batch(1000000000, 'x') | list | length }}": "render_chars",
    "{{ range(100) | slice(4000000) | list | length }}": "render_steps",
    "{{ ('x' * 4000000) | list | length }}": "render_steps",
    "{{ ([1] * 4000000) | sort | length }}": "render_steps",
    "{{ ('x' * 4000000) | max }}": "render_steps",
    "{{ range(99999) | map('string') | join('x' * 1000) | length }}": "render_chars",
    "{{ 'ab' | replace('', 'x' * 3000000) | length }}": "render_chars",
    "{% set w = ' ' * 1000000 %}{{ ('x\n' * 100) | indent(w) | length }}": "render_chars",
    # Text captured before it is output: each buffer is bounded as it fills.
    "{% set x %}{% for i in range(2000) %}{{ 'x' * 4000 }}{% endfor %}{% endset %}":
        "render_chars",
    "{% filter upper %}{% for i in range(2000) %}{{ 'x' * 4000 }}{% endfor %}{% endfilter %}":
        "render_chars",
    "{% macro f() %}{% for i in range(2000) %}{{ 'x' * 4000 }}{% endfor %}{% endmacro %}"
    "{% set y = f() %}": "render_chars",
    "{% macro f() %}{{ caller() }}{% endmacro %}{% call f() %}{% for i in range(2000) %}"
    "{{ 'x' * 4000 }}{% endfor %}{% endcall %}": "render_chars",
    # str methods sized from their arguments before they run, str.format field by field.
    "{% set s = 'a' * 3000 %}{{ s.replace('', 'x' * 3000) }}": "render_chars",
    "{% set t = {97: 'x' * 4000000} %}{{ ('a' * 1000).translate(t) }}": "render_chars",
    "{{ '{:>{}}'.format('x', '9999999999') }}": "render_chars",
    "{{ '{:.{}f}'.format(1.5, 10 ** 9) }}": "render_chars",
    "{{ '{a:{b}}'.format_map({'a': 1, 'b': 10 ** 9}) }}": "render_chars",
    "{% set s = 'a' * 1000000 %}{{ ('{0}' * 100).format(s) }}": "render_chars",
    "{% set s = 'a' * 4000000 %}{{ ''.join([s] * 1000) }}": "render_chars",
    "{{ ('\t' * 1000).expandtabs(100000) }}": "render_chars",
    "{{ ('%' ~ '9' * 5000 ~ 's') % 1 }}": "render_chars",
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
    "{{ f(40) }}": "render_steps render_seconds",  # on a busy machine the clock may stop it first
}


def render(source: str, limits: Limits = LIMITS) -> str:
    env = BoundedSandbox(undefined=jinja2.StrictUndefined)
    env.bound()
    return env.render(env.from_string(source), {}, limits)


@pytest.mark.parametrize(("source", "limit"), list(HOSTILE.items()))
def test_hostile_body_is_stopped_by_its_limit(source: str, limit: str) -> None:
    started = time.monotonic()
    with pytest.raises(OverLimit) as caught:
        render(source)
    assert caught.value.hint.split()[1].removeprefix("limits.") in limit.split()
    assert time.monotonic() - started < 20  # a hang would be minutes; this is a bound, not speed


def test_ordinary_jinja_is_untouched() -> None:
    source = ("{% for i in range(3) %}{{ i ~ '-' }}{% endfor %} {{ 'ab' * 3 }} {{ 2 ** 10 }} "
              "{{ '%5.2f' % 3.14159 }} {{ '{:>4}'.format('ab') }} {{ '%s-%s' | format(1, 2) }} "
              "{{ 'x' | center(5) }}|{{ [1, 2] | join(', ') }}|{{ 'a b' | replace(' ', '_') }}")
    assert render(source) == "0-1-2- ababab 1024  3.14   ab 1-2   x  |1, 2|a_b"


def test_ordinary_filters_are_untouched() -> None:
    source = ("{{ [1, 2, 3] | sum }} {{ [[1], [2]] | sum(start=[]) }} "
              "{{ [{'a': 2}, {'a': 3}] | sum('a') }} {{ [3, 1, 2] | sort | join(',') }} "
              "{{ 'abc' | join('-') }} {{ [1, 5, 2] | max }} {{ {'b': 1, 'a': 2} | sort | join }} "
              "{{ range(7) | slice(3) | list }} {{ range(5) | batch(2, 0) | list }} "
              "{{ 'aXb' | replace('X', '--') }} {{ 'ab' | replace('', '.') }} "
              "{{ 'a b c d' | wordwrap(3) }} {{ 'x' | center(width=3) }}|")
    assert render(source) == ("6 [1, 2] 5 1,2,3 a-b-c 5 ab [[0, 1, 2], [3, 4], [5, 6]] "
                              "[[0, 1], [2, 3], [4, 0]] a--b .a.b. a b\nc d  x |")


def test_blocks_that_capture_text_are_untouched() -> None:
    source = ("{% set x %}ab{% endset %}{{ x }} {% set y | upper %}cd{% endset %}{{ y }} "
              "{% filter upper %}ef{% endfilter %} {% filter length %}abc{% endfilter %} "
              "{% set z %}{% filter length %}abcd{% endfilter %}{% endset %}{{ z }} "
              "{% macro m() %}<{{ caller() }}>{% endmacro %}{% call m() %}gh{% endcall %}")
    assert render(source) == "ab CD EF 3 4 <gh>"


def test_a_macro_imported_without_context_is_charged_too(site: Site) -> None:
    site.write("templates/m.html", "{% macro shout(t) %}{% for i in range(2) %}{{ t | upper }}"
               "{% endfor %}{% endmacro %}\n")
    site.page("p.md", "title: P\ngroups: rtc\n\n{% import 'm.html' as m %}{{ m.shout('hi') }}\n")
    result = site.build()
    assert result.code == 0, result.err
    assert "HIHI" in site.out("rtc/p/index.html")


def test_ordinary_str_methods_are_untouched() -> None:
    source = ("{{ '{:>5}|{:.2f}|{a}|{!r}'.format('ab', 3.14159, 'q', a=1) }} "
              "{{ '{x}'.format_map({'x': 2}) }} {{ '-'.join(range(3) | map('string')) }} "
              "{{ 'abc'.translate({97: 'X'}) }} {{ 'a\tb'.expandtabs(4) }} "
              "{{ 'ab'.replace('', '.') }} {{ 'x'.center(5, '*') }} "
              "{{ ('<b>{}</b>' | safe).format('<i>') }}")
    assert render(source) == ("   ab|3.14|1|'q' 2 0-1-2 Xbc a   b .a.b. **x** "
                              "<b>&lt;i&gt;</b>")


@pytest.mark.parametrize("source", ["{{ 'x'.encode() }}", "{{ '{0.__class__}'.format(1) }}"])
def test_bytes_and_internals_cannot_be_reached(source: str) -> None:
    with pytest.raises(jinja2.exceptions.SecurityError):
        render(source)


def test_arithmetic_on_ordinary_numbers_is_untouched() -> None:
    source = ("{{ (10 ** 5000) % 7 }} {{ 2 ** 100 // 3 }} {{ 10 // -3 }} {{ 2 ** -1 }} "
              "{{ 1 ** 10 ** 100 }} {{ (-1) ** (10 ** 100 + 1) }} {{ 7 % 0.5 }}")
    assert render(source) == "2 422550200076076467165567735125 -4 0.5 1 -1 0.0"


def test_a_number_too_long_to_show_says_so() -> None:
    with pytest.raises(OverLimit, match=r"number of about 10\*\*400 digits"):
        render("{{ 10 ** (10 ** 400) }}")


def test_the_time_limit_stops_a_slow_body() -> None:
    limits = Limits(**{**LIMITS.__dict__, "render_seconds": 1, "render_steps": 10**9})
    started = time.monotonic()
    with pytest.raises(OverLimit, match="longer than 1 s"):
        render("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
               limits)
    assert time.monotonic() - started < 5


def test_a_hostile_page_is_an_error_at_its_line_and_a_raised_limit_lets_it_build(
        site: Site) -> None:
    site.page("p.md", """\
        title: P
        groups: rtc

        Text.

        {% for i in range(2000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}
        """)
    result = site.build()
    assert result.code == 1
    assert ("content/p.md:6: error: the page body makes more than 1,000,000 loop rounds "
            "and calls") in result.err
    assert "hint: raise limits.render_steps in site.yaml" in result.err
    assert "Traceback" not in result.err
    config = site.root / "site.yaml"
    config.write_text(config.read_text() + "limits:\n  render_steps: 3000000\n")
    result = site.build()
    assert result.code == 0, result.err


def test_a_macro_that_never_stops_is_an_error_not_a_traceback(site: Site) -> None:
    site.page("p.md", """\
        title: P
        groups: rtc

        {% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}
        """)
    result = site.build()
    assert result.code == 1
    assert "content/p.md:4: error: the page body calls itself too deeply" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("expression", ["page.source", "group.publish"])
def test_a_page_cannot_print_where_the_site_sits_or_is_published(site: Site,
                                                                  expression: str) -> None:
    site.page("p.md", f"title: P\ngroups: rtc\n\nFrom {{{{ {expression} }}}}.\n")
    result = site.build()
    assert result.code == 1
    assert "content/p.md:4: error: not allowed in a page: access to attribute" in result.err
    assert str(site.root) not in result.err
