"""A deterministic BibTeX tree in the style of a research group's bibliography.

    python benchmarks/bibgen.py 10000 out/dir

writes out/dir/content/strings.bib (the journals' full names, `@String { _Name_ = {...} }`)
and out/dir/content/group.bib: short macros whose values are those names
(`@string{MIA = _Medical_Image_Analysis_}`), then N entries of mixed types with
authors written both ways round and with LaTeX accents, bare macros (`journal = MIA`,
`month = may`), `optnote`, `file`, `gsid`, `gscites`, `pmid`, `doi`, `url` and
an abstract of about 1 KB over several lines. The same N gives the same bytes.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

FIRST = ["Bram", "Clara I.", "Jeroen", "Francesco", "Geert", "Nico", "Henkjan", "Colin",
         "Keelin", "Ajay", "M.", "J.W.", "Ren\\'{e}", "Jos\\'{e}", "Bj{\\\"o}rn", "Zo\\\"{e}",
         "Fran\\c{c}ois", "Ma{\\l}gorzata", "S{\\o}ren", "Ji\\v{r}\\'{i}"]
LAST = [("", "Ginneken"), ("", "S\\'{a}nchez"), ("van der", "Laak"), ("", "Ciompi"),
        ("", "Litjens"), ("", "Karssemeijer"), ("", "Huisman"), ("", "Jacobs"),
        ("", "Murphy"), ("", "Patel"), ("de", "Vries"), ("", "M{\\\"u}ller"),
        ("", "Schr\\\"ock"), ("", "Garc{\\'\\i}a"), ("", "{\\O}stergaard"),
        ("van", "Rikxoort"), ("", "Meijer-Smit"), ("", "Hermsen"), ("", "Bokhorst"),
        ("", "Kwiatkowski")]
JOURNALS = ["Medical Image Analysis", "Radiology", "IEEE Transactions on Medical Imaging",
            "European Radiology", "Scientific Reports", "Nature Medicine",
            "Radiology: Artificial Intelligence", "Journal of Pathology Informatics",
            "Modern Pathology", "Investigative Radiology", "Physics in Medicine and Biology",
            "Computerized Medical Imaging and Graphics", "Lancet Digital Health",
            "npj Digital Medicine", "Age and Ageing", "Academic Radiology"]
BOOKTITLES = ["Medical Imaging", "Medical Image Computing and Computer-Assisted Intervention",
              "Annual Meeting of the Radiological Society of North America",
              "IEEE International Symposium on Biomedical Imaging",
              "Medical Imaging with Deep Learning"]
WORDS = ["deep", "learning", "detection", "segmentation", "nodule", "lung", "breast",
         "prostate", "pathology", "whole", "slide", "image", "tomography", "screening",
         "cohort", "validation", "observer", "study", "convolutional", "network", "reader",
         "performance", "tissue", "tumor", "grading", "retrospective", "multicenter",
         "dataset", "annotation", "ground", "truth", "sensitivity", "specificity", "curve",
         "radiologists", "algorithm", "automatic", "quantification", "mammography",
         "emphysema"]
NOTES = ["DIAG, RADIOLOGY", "DIAG", "DIAG, PATHOLOGY", "RADIOLOGY", "DIAG, RADIOLOGY, AIMI"]
TYPES = ["article"] * 6 + ["inproceedings"] * 3 + ["conference", "phdthesis", "mastersthesis"]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def macro_name(title: str) -> str:
    return "_" + "".join(c if c.isalnum() else "_" for c in title).strip("_") + "_"


def abbreviation(title: str) -> str:
    return "".join(word[0] for word in title.replace(":", "").split() if word[0].isupper())


def strings_bib() -> str:
    lines = ["% Encoding: UTF-8", "", ""]
    lines += [f"@String {{ {macro_name(name)} = {{{name}}} }}" for name in JOURNALS + BOOKTITLES]
    return "\n".join(lines) + "\n"


def person(rng: random.Random) -> str:
    first, (von, last) = rng.choice(FIRST), rng.choice(LAST)
    if rng.random() < 0.5:  # "{van Ginneken}, Bram" or "van der Laak, J.W."
        name = f"{{{von} {last}}}" if von and rng.random() < 0.5 else f"{von} {last}".strip()
        return f"{name}, {first}"
    return f"{first} {von} {last}".replace("  ", " ")


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def abstract(rng: random.Random) -> str:
    """About 1 KB, in lines of about 100 characters."""
    sentences = [words(rng, rng.randrange(8, 16)).capitalize() + "." for _ in range(12)]
    text, lines, line = " ".join(sentences)[:1000], [], ""
    for word in text.split():
        if len(line) + len(word) > 100:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    return "\n    ".join([*lines, line])


def entry(rng: random.Random, number: int) -> str:
    kind = rng.choice(TYPES)
    year = 2000 + number % 25
    prefix = "".join(c for c in rng.choice(LAST)[1] if c.isascii() and c.isalpha())[:4]
    key = f"{prefix}{year % 100:02d}{'abcdefghij'[number % 10]}{number}"
    authors = " and ".join(person(rng) for _ in range(rng.randrange(1, 9)))
    title = words(rng, rng.randrange(6, 14)).capitalize()
    if rng.random() < 0.3:
        title = f"{{{rng.choice(['REALISE', 'CT', 'MRI', 'LUNA16'])}}}: {title}"
    fields = [("author", f"{{{authors}}}"), ("title", f"{{{title}}}")]
    if kind == "article":
        fields += [("journal", abbreviation(rng.choice(JOURNALS))),
                   ("volume", f"{{{rng.randrange(1, 300)}}}"),
                   ("pages", f"{{{rng.randrange(1, 900)}--{rng.randrange(900, 999)}}}")]
    elif kind in ("inproceedings", "conference"):
        fields.append(("booktitle", abbreviation(rng.choice(BOOKTITLES))))
    else:
        fields.append(("school", "{Radboud University, Nijmegen}"))
    fields += [("year", f"{{{year}}}"),
               ("month", rng.choice([f"{{{rng.randrange(1, 13)}}}", rng.choice(MONTHS)])),
               ("doi", f"{{10.{1000 + number % 9000}/bench.{number}}}"),
               ("url", f"{{https://doi.org/10.{1000 + number % 9000}/bench.{number}}}"),
               ("abstract", f"{{{abstract(rng)}}}"),
               ("file", f"{{{key}.pdf:pdf\\\\{key}.pdf:PDF}}"),
               ("optnote", f"{{{rng.choice(NOTES)}}}"),
               ("pmid", f"{{{30000000 + number}}}"),
               ("gsid", f"{{{rng.randrange(10**18, 10**19)}}}"),
               ("gscites", f"{{{rng.randrange(0, 500)}}}")]
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{kind}{{{key},\n{body},\n}}\n"


def group_bib(count: int) -> str:
    rng = random.Random(20)
    names = JOURNALS + BOOKTITLES
    parts = [f"@string{{{abbreviation(name)} = {macro_name(name)}}}" for name in names]
    parts.append("")
    parts += [entry(rng, number) for number in range(count)]
    return "\n".join(parts)


def make_bib_site(folder: Path, count: int) -> None:
    content = folder / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "strings.bib").write_text(strings_bib(), encoding="utf-8")
    (content / "group.bib").write_text(group_bib(count), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python benchmarks/bibgen.py N OUT_DIR")
    make_bib_site(Path(sys.argv[2]), int(sys.argv[1]))
