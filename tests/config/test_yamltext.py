"""YAML read once, with the line of every key, and bounded: no document can hang a build."""

from __future__ import annotations

import time

import pytest
import yaml

from coursesite.config import yamltext
from coursesite.config.yamltext import Bound, YamlSyntaxError

# Nine lists of nine aliases to the list before: 22 lines of text, 10**9 values.
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{before}'] * 9)}]\n"
    for before, name in zip("abcdefgh", "bcdefghi", strict=True))
PAGE = Bound(100_000, "the header", "raise limits.yaml_nodes")


def refused(text: str, bound: Bound = PAGE, first_line: int = 1) -> YamlSyntaxError:
    with pytest.raises(YamlSyntaxError) as caught:
        yamltext.load(text, first_line, bound)
    return caught.value


def test_an_alias_bomb_is_refused_at_the_line_that_crosses_the_bound_at_once() -> None:
    started = time.perf_counter()
    error = refused(BOMB, first_line=2)
    assert time.perf_counter() - started < 1
    # b holds 91 values, c 820, d 7,381, e 66,430: f's aliases cross 100,000 (line 6 + 1).
    assert (error.line, error.message, error.hint) == (
        7, "the header holds more than 100,000 values (aliases counted at each use)",
        "raise limits.yaml_nodes")


def test_an_alias_counts_every_value_it_repeats_at_each_use() -> None:
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"
    # The mapping; a: its key, its list and 3 items; b: its key, its list, and twice a's
    # list of 4 values: 16 values in all.
    value, _ = yamltext.load(text, bound=Bound(16, "it", "more"))
    assert value == {"a": [1, 2, 3], "b": [[1, 2, 3], [1, 2, 3]]}
    error = refused(text, Bound(15, "it", "more"))
    assert (error.line, error.message) == (
        2, "it holds more than 15 values (aliases counted at each use)")


def test_many_values_without_aliases_are_bounded_too() -> None:
    error = refused("a: [" + ", ".join(["x"] * 200) + "]\n", Bound(150, "it", "more"))
    assert error.line == 1 and "more than 150 values" in error.message


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: [1, {c: *a}]}\n",
                                  "a: &a {<<: *a}\n"])
def test_an_alias_inside_the_value_it_repeats_is_an_error(text: str) -> None:
    error = refused("title: T\n" + text, first_line=2)
    assert error.line == 3
    assert error.message == ("the alias '*a' is inside the value it repeats "
                             "(that value would contain itself)")


@pytest.mark.parametrize(("text", "line"), [
    ("deep: " + "[" * 5000 + "]" * 5000 + "\n", 3),  # libyaml's own bound is 1,000
    ("deep: " + "[" * 150 + "]" * 150 + "\n", 3),
    # The file's mapping and 99 below it are read; the 101st starts on line 3 + 100.
    ("deep:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 150)) + "  " * 150 + "v\n",
     103),
])
def test_values_nested_thousands_deep_are_an_error_at_their_line(text: str, line: int) -> None:
    error = refused("title: T\n" + text, first_line=2)
    assert (error.line, error.message, error.hint) == (
        line, "the header nests values more than 100 deep", "write the values less deeply nested")


def test_values_nested_100_deep_are_read() -> None:
    value, _ = yamltext.load("deep: " + "[" * 99 + "1" + "]" * 99 + "\n")
    for _ in range(100):  # the file's mapping, and 99 lists
        value = value["deep"] if isinstance(value, dict) else value[0]
    assert value == 1


def test_an_impossible_date_is_an_error_at_its_line() -> None:
    error = refused("title: T\ndate: 2024-02-30\n", first_line=2)
    assert (error.line, error.message) == (
        3, "'2024-02-30' is not a date (day is out of range for month)")
    assert error.hint == "write a date that exists, as YYYY-MM-DD"


@pytest.mark.parametrize("number", ["9" * 4301, "-" + "9" * 4300, "1" + ":1" * 2200,
                                    "!!int " + "7" * 5000])
def test_a_number_too_long_for_python_is_an_error_at_its_line(number: str) -> None:
    started = time.monotonic()
    error = refused(f"title: T\nweight: {number}\n", first_line=2)
    assert error.line == 3
    assert error.message.startswith("the number is ")
    assert error.message.endswith("characters long, more than the 4,300 allowed")
    assert error.hint == "write a shorter number, or quote it if it is text"
    assert time.monotonic() - started < 5


def test_a_long_number_quoted_is_text_and_one_of_4300_digits_a_number() -> None:
    assert yamltext.load(f"a: '{'9' * 5000}'\nb: {'9' * 4300}\n")[0] == {
        "a": "9" * 5000, "b": int("9" * 4300)}


@pytest.mark.parametrize(("text", "line", "message"), [
    ("a: &x 1\nb: &x 2\n", 2, "the anchor '&x' is defined twice (also on line 1)"),
    ("a: 1\nb: *nope\n", 2, "invalid YAML: the alias '*nope' has no anchor '&nope' before it"),
    ("a: 1\n---\nb: 2\n", 2, "invalid YAML: a second document starts here"),
    ("a: 1\nb: x\x01y\n", 2, "invalid YAML: the character #x0001 is not allowed"),
    ("a: 1\nb: é\nc: x\x01y\n", 3, "invalid YAML: the character #x0001 is not allowed"),
    ("a: 1\nb: [\n", 3, "invalid YAML"),
    ("a: 1\nb: !!python/object:os.system x\n", 2, "invalid YAML: could not determine"),
])
def test_other_mistakes_name_their_line(text: str, line: int, message: str) -> None:
    error = refused(text)
    assert error.line == line
    assert error.message.startswith(message)


@pytest.mark.parametrize("text", [
    "title: T\ngroups: [rtc, aifh]\norder: 1\ndate: 2026-08-01\n",
    "when: 2024-01-02 10:00:00+01:00\nyes: no\nnone: ~\nn: 1_000\nx: 0x1f\nf: .inf\n",
    "base: &base {a: 1, b: [x, y]}\ncopy: *base\nmerged: {<<: *base, c: 2}\n",
    "text: |\n  a block\n  of lines\nfolded: >\n  one\n  line\nq: 'a: b'\n",
    "- a\n- - b\n  - c\n- {x: y}\n",
    "",
    "# nothing but a comment\n",
])
def test_values_are_those_of_pyyaml(text: str) -> None:
    assert yamltext.load(text)[0] == yaml.safe_load(text)


def test_lines_of_keys_and_items_an_alias_at_its_own_line() -> None:
    _, lines = yamltext.load("a: &a\n  - x\n  - y\nb:\n  - 1\n  - *a\n", first_line=5)
    assert lines == {(): 5, ("a",): 5, ("a", 0): 6, ("a", 1): 7, ("b",): 8,
                     ("b", 0): 9, ("b", 1): 10}
    assert yamltext.line_of(lines, ("b", 1, 0)) == 10  # inside the alias: the alias's line


def test_a_key_given_twice_is_an_error_at_the_second() -> None:
    error = refused("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert (error.line, error.message, error.hint) == (
        4, "the key 'c' is given twice (also on line 3)", "keep one of the two")
