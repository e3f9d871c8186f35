"""Times the four users of the fence scanner on page bodies: the loader's title search,
the body renderer's protect_code, display math and FenceTitles (Markdown preprocessors).

    PYTHONPATH=src python benchmarks/fences.py [--corpus FOLDER]

On the demo's bodies, on a long generated body (about 140 KB of prose, code spans,
formulas, site variables and fences of each kind), and with --corpus on the bodies of a
tree made by ../shared/bench/make_corpus.py. Each figure is the best of 7 repeats (the
machine is shared), for one pass over the bodies; display math's formulas are not
converted (the scan is measured, not latex2mathml).
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coursesite.content.loader import _title_from_heading, parse_header
from coursesite.errors import Problems
from coursesite.markdown.extensions import Hooks, make_markdown
from coursesite.render.body import protect_code

ROOT = Path(__file__).resolve().parents[1]


def bodies_of(folder: Path) -> list[str]:
    return [parse_header(path.read_text(encoding="utf-8"), str(path), Problems()).body
            for path in sorted(folder.rglob("*.md"))]


def long_body(repeats: int = 400) -> str:
    block = (
        "## Section {n}\n\nSome prose with `code` and {{{{ SITEURL }}}} and $x^2$ here,\n"
        "and a second line of words that goes on for a while like real text does.\n\n"
        "- a list item\n- another with `x = 1`\n\n"
        "```python\nfor i in range(10):\n    print(i)  # {{{{ not a variable }}}}\n```\n\n"
        "~~~text\n```\nstill code\n~~~\n\n"
        "$$\n\\frac{{a}}{{b}}\n$$\n\n"
        "```python title=\"step.py\" hl_lines=\"2\"\nx = 1\ny = 2\n```\n\n"
    )
    return "".join(block.format(n=n) for n in range(repeats))


def best(call: Callable[[], Any], number: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=7)) / number


def time_users(bodies: list[str], display: Any, titles: Any) -> None:
    lines = [body.split("\n") for body in bodies]
    users: dict[str, Callable[[], Any]] = {
        "loader _title_from_heading": lambda: [_title_from_heading(b) for b in bodies],
        "render protect_code": lambda: [protect_code(b) for b in bodies],
        "mathml DisplayMath.run": lambda: [display.run(ls) for ls in lines],
        "extensions FenceTitles.run": lambda: [titles.run(ls) for ls in lines],
    }
    number = max(1, 2_000_000 // sum(map(len, bodies)))
    for user, call in users.items():
        print(f"  {user:28} {best(call, number) * 1e6:10.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="a tree made by make_corpus.py")
    args = parser.parse_args()
    md = make_markdown(Hooks())
    display = md.preprocessors["display_math"]
    display._display = lambda latex, written: ["", "math", ""]  # type: ignore[attr-defined]
    sets = {"demo": bodies_of(ROOT / "content")}
    if args.corpus:
        sets["corpus"] = bodies_of(args.corpus / "content")
    sets["long body"] = [long_body()]
    for name, bodies in sets.items():
        print(f"{name}: {len(bodies)} bodies, {sum(map(len, bodies))} characters")
        time_users(bodies, display, md.preprocessors["fence_titles"])


if __name__ == "__main__":
    main()
