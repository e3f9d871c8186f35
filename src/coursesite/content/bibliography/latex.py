"""LaTeX in field values to Unicode text: accents and commands, protective braces removed,
white space collapsed. The accents of names (`S\\'{a}nchez`, `{\\"o}`, `\\v{r}`, `\\l`) and
the escaped signs (`\\&`, `\\%`) are done here, the way pylatexenc does them; pylatexenc
reads what is left (`\\emph{...}`, `$...$`): it costs far more than all the rest, and
most fields need none of it."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pylatexenc.latex2text import LatexNodes2Text

SPACES = re.compile(r"\s+")
BARE_PERCENT = re.compile(r"(?<!\\)%")  # "95% Dice": a percent sign in BibTeX, not a comment
LIGATURES = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"),
             ("~", "\u00a0"))
VERBATIM_ESCAPES = re.compile(r"\\([_%&#$~])")
COMBINING = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
             "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
             "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323"}
LETTERS = {"i": "\u0131", "j": "\u0237", "l": "\u0142", "L": "\u0141", "o": "\u00f8",
           "O": "\u00d8", "ss": "\u00df", "aa": "\u00e5", "AA": "\u00c5", "ae": "\u00e6",
           "AE": "\u00c6", "oe": "\u0153", "OE": "\u0152"}
_BASE = r"(?:\\(?:i|j)(?![A-Za-z])|[A-Za-z])"
ACCENT = re.compile(r"\\([`'^\"~=.])\s*(?:\{\s*(" + _BASE + r")\s*\}|(" + _BASE + r"))"
                    r"|\\([uvHckrd])(?:\s*\{\s*(" + _BASE + r")\s*\}|\s+(" + _BASE + r"))")
LETTER = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|[ijlLoO])(?![A-Za-z])(?:\{\})?\s*")
SIGN = re.compile(r"\\([&%_#])")  # not \\$: a bare $ opens a formula


@functools.cache
def _converter() -> LatexNodes2Text:
    # Here, not at the top: a site without a .bib file never imports pylatexenc.
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text()


def _accent(match: re.Match[str]) -> str:
    if match.group(1):
        mark, base = match.group(1), match.group(2) or match.group(3)
    else:
        mark, base = match.group(4), match.group(5) or match.group(6)
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + COMBINING[mark])


def _letter(match: re.Match[str]) -> str:
    return LETTERS[match.group(1)]


@functools.lru_cache(maxsize=65536)
def to_text(latex: str) -> str:
    """`S\\'{a}nchez` to `Sánchez`, `{REALISE}` to `REALISE`, `--` to an en dash."""
    if "\\" in latex:
        latex = SIGN.sub(r"\1", LETTER.sub(_letter, ACCENT.sub(_accent, latex)))
    if "\\" in latex or "$" in latex:
        text = _converter().latex_to_text(BARE_PERCENT.sub(r"\\%", latex))
    else:
        text = latex.replace("{", "").replace("}", "")
        for written, char in LIGATURES:
            text = text.replace(written, char)
    return SPACES.sub(" ", text).strip()


def verbatim(latex: str) -> str:
    """A URL, DOI or file name: braces and `\\_`-style escapes removed, nothing else."""
    text = VERBATIM_ESCAPES.sub(r"\1", latex.replace("{", "").replace("}", ""))
    return SPACES.sub(" ", text).strip()
