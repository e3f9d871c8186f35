"""Formulas in LaTeX become MathML at build time: no JavaScript in the reader's browser.

`$…$` is inline math; `$$…$$` (on lines of its own) and a fenced `math`
block are display math. A `$` in code, an escaped `\\$` and amounts such as
"$5 and $10" stay text. latex2mathml does the conversion; it passes what it
does not know through as text, so a formula is also checked here (balanced
braces, known commands) and a bad one is reported at its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

from coursesite.content.fences import fence_lines

# (message, formula as written, hint, where in what was written the mistake is, if known)
Report = Callable[[str, str, str, int | None], None]

# No space just inside the dollars, no digit after the closing one: "$5 and $10" is money.
INLINE = r"(?<![\\$\w])\$(?=[^\s$])((?:\\.|[^$\\\n])+?)(?<=[^\s\\])\$(?![\w$])"
UNKNOWN_COMMAND = re.compile(r"<mi>\\(\w+)</mi>")
HINT = "check the LaTeX; formulas are converted to MathML by latex2mathml"


def formula_problem(latex: str) -> tuple[str, int] | None:
    """Why a formula cannot be shown and where in it, or None."""
    opened: list[int] = []  # where each '{' not yet closed is
    for match in re.finditer(r"\\.|[{}]", latex):
        token = match.group(0)
        if token == "{":
            opened.append(match.start())
        elif token == "}":
            if not opened:
                return "a '}' closes nothing", match.start()
            opened.pop()
    if opened:  # the first: everything after it is taken in
        return "a '{' is never closed", opened[0]
    return None


def described(latex: str, problem: str, at: int | None) -> str:
    """The message of a bad formula: one of several lines is shown by the line of its
    mistake, or whole (on one line) when the converter does not say where it is."""
    text = latex.strip()
    if "\n" not in text:
        return f"formula '{text}': {problem}"
    if at is not None:
        start, end = latex.rfind("\n", 0, at) + 1, latex.find("\n", at)
        return f"formula '…{latex[start:end if end >= 0 else None].strip()}…': {problem}"
    whole = " ".join(line.strip() for line in text.splitlines() if line.strip())
    return (f"formula '{whole}', which starts on this line: {problem}; "
            "latex2mathml does not say on which of its lines")


def to_mathml(latex: str, display: bool, report: Report, written: str) -> str:
    """MathML for a formula; on a problem, reported, and the formula shown as text."""
    # Imported on the first formula: most builds (and every one-page rebuild without
    # formulas) never need the converter, which costs more to import than a page to render.
    from latex2mathml.converter import convert as latex_to_mathml

    found = formula_problem(latex)
    problem, at = found if found else ("", None)
    if found is None:
        try:
            mathml = latex_to_mathml(latex, display="block" if display else "inline")
        except Exception as exc:  # the converter's own errors have no common base
            problem = f"cannot convert ({type(exc).__name__} {exc})".replace(" )", ")")
        else:
            unknown = UNKNOWN_COMMAND.search(mathml)
            if unknown is None:  # a display formula is no words for the search's excerpts
                return str(mathml).replace("<math ", '<math data-pagefind-ignore="" ', 1) \
                    if display else str(mathml)
            name = unknown.group(1)
            problem = f"unknown command '\\{name}'"
            command = re.search(rf"\\{re.escape(name)}(?![A-Za-z])", latex)
            at = command.start() if command else None
    offset = None if at is None else max(written.find(latex), 0) + at
    report(described(latex, problem, at), written, HINT, offset)
    return f'<code class="math-error">{escape(written)}</code>'


class DisplayMath(Preprocessor):
    """`$$ … $$` and ```math fences, before fenced code is set aside: other fences (those
    fenced_code will find) are skipped, and a `$$` block ends where one starts."""

    def __init__(self, md: Markdown, report: Report):
        super().__init__(md)
        self.report = report

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "$$" not in text and "math" not in text:
            return lines  # most bodies with formulas have no display math (a fence says "math")
        out: list[str] = []
        index = prose = 0  # the line and the offset where the text before the next fence starts
        for first, last, fence in fence_lines(text):
            out += self._formulas(lines[index:first], "$$" in text[prose:fence.start])
            if "math" in fence.info and fence.lang == "math":  # the test first: it is cheaper
                latex = "\n".join(lines[first + 1:last])
                out += self._display(latex, latex)
            else:
                out += lines[first:last + 1]
            index, prose = last + 1, fence.end
        return out + self._formulas(lines[index:], "$$" in text[prose:])

    def _formulas(self, lines: list[str], look: bool) -> list[str]:
        """Lines outside fenced code, with each `$$ … $$` block made display math (when
        `look`: they hold a `$$`; a look at each line costs more than one at their text)."""
        if not look:
            return lines
        out: list[str] = []
        index = 0
        while index < len(lines):
            line = lines[index]
            if line.strip().startswith("$$"):
                end = index
                while end < len(lines) and not (
                        lines[end].rstrip().endswith("$$") and (end > index or
                                                                 len(line.strip()) > 3)):
                    end += 1
                block = "\n".join(lines[index:end + 1]).strip()
                out += self._display(block[2:-2], block)
                index = end + 1
            else:
                out.append(line)
                index += 1
        return out

    def _display(self, latex: str, written: str) -> list[str]:
        html = to_mathml(latex, True, self.report, written)
        return ["", self.md.htmlStash.store(html), ""]


class InlineMath(InlineProcessor):
    def __init__(self, md: Markdown, report: Report):
        super().__init__(INLINE, md)
        self.report = report

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[str, int, int]:
        html = to_mathml(m.group(1), False, self.report, m.group(0))
        return self.md.htmlStash.store(html), m.start(0), m.end(0)


class MathExtension(Extension):
    """`report` tells of a bad formula: the Markdown instance is shared, so it passes
    what it is told to the unit being converted (see extensions.Hooks)."""

    def __init__(self, report: Report):
        super().__init__()
        self.report = report

    def extendMarkdown(self, md: Markdown) -> None:
        md.ESCAPED_CHARS.append("$")  # \$ is a dollar sign
        md.preprocessors.register(DisplayMath(md, self.report), "display_math", 27)
        # After code spans (190), before escapes (180) and emphasis.
        md.inlinePatterns.register(InlineMath(md, self.report), "inline_math", 185)
