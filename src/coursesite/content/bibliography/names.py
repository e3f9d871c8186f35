"""Authors and editors: a name list into `Person`s, and whether a member's name is one."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from coursesite.content.bibliography.latex import to_text

UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "\u0131": "i", "ß": "ss", "æ": "ae",
                              "œ": "oe", "þ": "th", "ð": "d"})
NOT_LETTERS = re.compile(r"[\s\-.'\u2019`]+")
INITIAL_BREAKS = re.compile(r"[\s.\-]+")


def fold(text: str) -> str:
    """Accents, case, hyphens, dots and spaces folded away: "Sánchez-Gil" -> "sanchezgil"."""
    text = unicodedata.normalize("NFKD", text.lower().translate(UNDECOMPOSED))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return NOT_LETTERS.sub("", text)


def initials(first: str) -> tuple[str, ...]:
    """("c", "i") for "Clara I.", ("j", "w") for "J.W.", ("j", "p") for "Jean-Pierre"."""
    return tuple(fold(word)[:1] for word in INITIAL_BREAKS.split(first) if fold(word))


@dataclass(frozen=True)
class Person:
    """One author or editor, each part Unicode text (LaTeX decoded, braces removed)."""

    first: str
    von: str
    last: str
    jr: str

    def display(self) -> str:
        """"Clara I. Sánchez", "Bram van Ginneken", "Martin King, Jr."."""
        name = " ".join(part for part in (self.first, self.von, self.last) if part)
        return f"{name}, {self.jr}" if self.jr else name

    def matches(self, name: str) -> bool:
        """Whether a member's `name:` ("Bram van Ginneken") names this person: the same
        last name (with or without its von part; accents, case and hyphens folded), and
        first initials that agree as far as both go (none on either side agrees)."""
        lasts = {fold(f"{self.von}{self.last}"), fold(self.last)}
        mine = initials(self.first)
        words = to_text(name).split()
        for split in range(len(words)):
            if fold("".join(words[split:])) in lasts:
                theirs = initials(" ".join(words[:split]))
                shorter = min(len(mine), len(theirs))
                if mine[:shorter] == theirs[:shorter]:
                    return True
        return False


def persons(latex: str) -> tuple[tuple[Person, ...], list[str]]:
    """The persons of an `author` or `editor` value (LaTeX, macros expanded), and why
    some name is doubtful (`Vaneker M.,`): such a name is kept as BibTeX would read it."""
    # Here, not at the top: a site without a .bib file never imports bibtexparser.
    from bibtexparser.middlewares.names import (
        InvalidNameError,
        parse_single_name_into_parts,
        split_multiple_persons_names,
    )

    found, doubts = [], []
    for written in split_multiple_persons_names(latex):
        try:
            parts = parse_single_name_into_parts(written, strict=True)
        except InvalidNameError as exc:
            reason = str(exc).rpartition(": ")[2].lower()
            doubts.append(f"the name '{to_text(written)}' is doubtful: {reason}")
            parts = parse_single_name_into_parts(written, strict=False)
        person = Person(*(to_text(" ".join(words)) for words in
                          (parts.first, parts.von, parts.last, parts.jr)))
        if person.display():
            found.append(person)
    return tuple(found), doubts
