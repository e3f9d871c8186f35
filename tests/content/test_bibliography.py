from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

from coursesite.content.bibliography import (
    PARALLEL_FROM,
    Bibliography,
    Person,
    find_bib_files,
    groups_named,
    read_bibliography,
    split_entries,
)
from coursesite.content.bibliography.latex import _converter, to_text
from coursesite.errors import Problems
from tests.conftest import REPO

STRINGS = """\
% Encoding: UTF-8


@String { _Radiology_Artificial_Intelligence_ = {Radiology: Artificial Intelligence} }
@String { _Medical_Image_Analysis_ = {Medical Image Analysis} }
"""

# The entries come first, the short macros after them, the full names in another file
# that sorts after this one: every macro is used before it is defined.
GROUP = """\
@article{Sanc21a,
  author = {Clara I. S\\'{a}nchez and {van Ginneken}, Bram and Kl\\"umper, N.},
  title = {{REALISE}: Reading {CT} -- with 95% less effort},
  journal = RAI,
  year = {2021},
  month = {2},
  doi = {10.1148/ryai.2021000001},
  url = {https://doi.org/10.1148/ryai.2021000001},
  abstract = {Lung nodules were found
    in screening {CT} by the readers.},
  file = {Sanc21a.pdf:pdf\\\\Sanc21a.pdf:PDF},
  optnote = {DIAG, RADIOLOGY},
  gsid = {10964824180916530041},
  gscites = {55},
}

@phdthesis{Jaco15b,
  author = {Colin Jacobs},
  title = {Automatic detection of lung nodules in {CT}},
  year = {2015},
  month = may,
  school = {Radboud University, Nijmegen},
  pdf = {https://repository.example.org/Jaco15b.pdf},
  github = {DIAGNijmegen/nodules},
  optnote = {DIAG},
}

@string{RAI = _Radiology_Artificial_Intelligence_}
@string{MIA = _Medical_Image_Analysis_}
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def read(folder: Path, cache: dict[str, object] | None = None) -> tuple[Bibliography, Problems]:
    problems = Problems()
    bibliography = read_bibliography(find_bib_files(folder / "content"), folder, problems,
                                     cache=cache)  # type: ignore[arg-type]
    return bibliography, problems


def messages(problems: Problems) -> list[str]:
    return [item.format() for item in problems.items]


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write(tmp_path, {"group.bib": GROUP, "strings.bib": STRINGS})


def test_macros_from_another_file_defined_after_their_use(good: Path) -> None:
    bibliography, problems = read(good)
    assert not problems.items
    entry = bibliography.entries["sanc21a"]
    assert entry.fields["journal"] == "Radiology: Artificial Intelligence"
    assert entry.venue == "Radiology: Artificial Intelligence"
    assert bibliography.entries["jaco15b"].fields["month"] == "May"  # BibTeX's own month macros


def test_the_entry_typed(good: Path) -> None:
    bibliography, _ = read(good)
    entry = bibliography.entries["sanc21a"]
    assert (entry.key, entry.type, entry.path, entry.line) == \
        ("Sanc21a", "article", "content/group.bib", 1)
    assert entry.title == "REALISE: Reading CT \u2013 with 95% less effort"
    assert entry.year == 2021
    assert entry.doi == "10.1148/ryai.2021000001"
    assert entry.url == "https://doi.org/10.1148/ryai.2021000001"
    assert entry.abstract == "Lung nodules were found in screening CT by the readers."
    assert entry.pdf is None  # a file on someone's disk, no address
    assert entry.fields["file"] == "Sanc21a.pdf:pdf\\\\Sanc21a.pdf:PDF"
    assert groups_named(entry) == {"diag", "radiology"}
    thesis = bibliography.entries["jaco15b"]
    assert (thesis.type, thesis.line, thesis.venue) == \
        ("phdthesis", 17, "Radboud University, Nijmegen")
    assert thesis.pdf == "https://repository.example.org/Jaco15b.pdf"
    assert thesis.code == "https://github.com/DIAGNijmegen/nodules"
    assert groups_named(thesis) == {"diag"}


def test_authors_decoded_and_split(good: Path) -> None:
    bibliography, _ = read(good)
    authors = bibliography.entries["sanc21a"].authors
    assert authors == (Person("Clara I.", "", "Sánchez", ""),
                       Person("Bram", "", "van Ginneken", ""),
                       Person("N.", "", "Klümper", ""))
    assert [person.display() for person in authors] == \
        ["Clara I. Sánchez", "Bram van Ginneken", "N. Klümper"]
    assert bibliography.entries["sanc21a"].editors == ()


@pytest.mark.parametrize("written", [
    "10.1007/s00330-022-08978-y", "https://doi.org/10.1007/s00330-022-08978-y",
    "doi.org/10.1007/s00330-022-08978-y", "http://dx.doi.org/10.1007/s00330-022-08978-y",
    "doi:10.1007/s00330-022-08978-y",
])
def test_the_doi_alone_however_written(tmp_path: Path, written: str) -> None:
    write(tmp_path, {"a.bib": f"@article{{A1,\n  title = {{T}},\n  doi = {{{written}}},\n}}\n"})
    entry = read(tmp_path)[0].entries["a1"]
    assert entry.doi == "10.1007/s00330-022-08978-y"
    assert entry.fields["doi"] == written


@pytest.mark.parametrize(("fields", "pdf"), [
    ("pdf = {https://x.org/a.pdf}", "https://x.org/a.pdf"),
    ("file = {:https\\://x.org/a.pdf:PDF}", "https://x.org/a.pdf"),
    ("file = {A1.pdf:pdf\\\\A1.pdf:PDF}", None),
    ("pdf = {pdf/A1.pdf}", None),
])
def test_the_pdf_only_when_it_is_an_address(tmp_path: Path, fields: str,
                                            pdf: str | None) -> None:
    write(tmp_path, {"a.bib": f"@article{{A1,\n  title = {{T}},\n  {fields},\n}}\n"})
    assert read(tmp_path)[0].entries["a1"].pdf == pdf


def test_get_is_case_insensitive(good: Path) -> None:
    bibliography, _ = read(good)
    assert bibliography.get("JACO15B") is bibliography.get("jaco15b") is not None
    assert bibliography.get("Jaco15b").key == "Jaco15b"  # type: ignore[union-attr]
    assert bibliography.get("Jaco15") is None


@pytest.mark.parametrize(("latex", "text"), [
    ("S\\'{a}nchez", "Sánchez"), ("Bj{\\\"o}rn", "Björn"), ("Zo\\\"{e}", "Zoë"),
    ("Fran\\c{c}ois", "François"), ("Ma{\\l}gorzata", "Małgorzata"), ("S{\\o}ren", "Søren"),
    ("Ji\\v{r}\\'{i}", "Jiří"), ("Garc{\\'\\i}a", "García"), ("{\\O}stergaard", "Østergaard"),
    ("Stra\\ss e", "Straße"), ("50\\% of A \\& B", "50% of A & B"),
    ("95% Dice \\emph{score}", "95% Dice score"), ("a \\textbf{bold} {CT}", "a bold CT"),
    ("pages 1--9, a---b, ``q''", "pages 1\u20139, a\u2014b, \u201cq\u201d"),
])
def test_latex_to_unicode(latex: str, text: str) -> None:
    assert to_text(latex) == text


@pytest.mark.parametrize("latex", [
    "S\\'{a}nchez", "Fran\\c{c}ois", "{\\O}st", "\\H{o}", "\\k{a}", "\\r{a}", "\\={a}",
    "\\.{z}", "\\u{g}", "\\~n", "\\^{o}", "\\aa{}ngstr", "A -- B --- C ``q'' x~y {CT}",
])
def test_the_fast_path_decodes_as_pylatexenc_does(latex: str) -> None:
    assert to_text(latex) == " ".join(_converter().latex_to_text(latex).split())


@pytest.mark.parametrize(("written", "name", "same"), [
    ("Clara I. S\\'{a}nchez", "Clara Sánchez", True),
    ("Clara I. S\\'{a}nchez", "Clara Sanchez", True),
    ("Clara I. S\\'{a}nchez", "clara sanchez", True),
    ("Clara I. S\\'{a}nchez", "C. I. Sanchez", True),
    ("Clara I. S\\'{a}nchez", "Clara Sánchez-Gil", False),
    ("Clara I. S\\'{a}nchez", "Maria Sánchez", False),
    ("Clara I. S\\'{a}nchez", "Clara J. Sánchez", False),
    ("van Ginneken, Bram", "Bram van Ginneken", True),
    ("{van Ginneken}, Bram", "Bram van Ginneken", True),
    ("{van Ginneken}, Bram", "Bram Van Ginneken", True),
    ("van Ginneken, Bram", "Bram Ginneken", True),
    ("van Ginneken, Bram", "Bram van Rikxoort", False),
    ("Meijer-Smit, Anna", "Anna Meijer Smit", True),
])
def test_a_member_name_matches_a_person(tmp_path: Path, written: str, name: str,
                                        same: bool) -> None:
    write(tmp_path, {"a.bib": f"@article{{A1,\n  author = {{{written}}},\n  title = {{T}},\n}}\n"})
    bibliography, problems = read(tmp_path)
    assert not problems.items
    (person,) = bibliography.entries["a1"].authors
    assert person.matches(name) is same


def test_bibtex_download_is_self_contained(good: Path) -> None:
    bibliography, _ = read(good)
    assert bibliography.entries["sanc21a"].bibtex == (
        "@article{Sanc21a,\n"
        "  author = {Clara I. S\\'{a}nchez and {van Ginneken}, Bram and Kl\\\"umper, N.},\n"
        "  title = {{REALISE}: Reading {CT} -- with 95% less effort},\n"
        "  journal = {Radiology: Artificial Intelligence},\n"
        "  year = {2021},\n"
        "  month = {2},\n"
        "  doi = {10.1148/ryai.2021000001},\n"
        "  url = {https://doi.org/10.1148/ryai.2021000001},\n"
        "  abstract = {Lung nodules were found in screening {CT} by the readers.},\n"
        "}\n")
    # The download is BibTeX that reads back alone, to the same fields.
    alone = write(good / "alone", {"one.bib": bibliography.entries["sanc21a"].bibtex})
    again, problems = read(alone)
    assert not problems.items
    shown = {name: value for name, value in bibliography.entries["sanc21a"].fields.items()
             if name not in ("file", "optnote", "gsid", "gscites")}
    assert dict(again.entries["sanc21a"].fields) == shown


def test_digest_stable_across_runs_and_changed_by_a_macro(good: Path) -> None:
    first, _ = read(good)
    second, _ = read(good)
    assert first.entries["sanc21a"].digest == second.entries["sanc21a"].digest
    assert len(first.entries["sanc21a"].digest) == 64
    strings = good / "content" / "strings.bib"
    strings.write_text(STRINGS.replace("{Radiology: Artificial Intelligence}",
                                       "{Radiology: AI}"), encoding="utf-8")
    changed, _ = read(good)
    assert changed.entries["sanc21a"].fields["journal"] == "Radiology: AI"
    assert changed.entries["sanc21a"].digest != first.entries["sanc21a"].digest
    assert changed.entries["jaco15b"].digest == first.entries["jaco15b"].digest  # uses none


def test_digest_ignores_where_the_entry_is(good: Path) -> None:
    first, _ = read(good)
    group = good / "content" / "group.bib"
    group.write_text("% a comment\n\n" + GROUP, encoding="utf-8")
    moved, _ = read(good)
    assert moved.entries["jaco15b"].line == 19
    assert moved.entries["jaco15b"].digest == first.entries["jaco15b"].digest


def test_split_entries_cuts_blocks_at_depth_zero() -> None:
    text = ("% head\n@string{A = {x}}\n@article{K1,\n  abstract = {a line\n@ not a block\n"
            "  },\n  title = {T},\n}\n\n@article{K2,\n  title = {open\n@article{K3,\n"
            "  title = {T3},\n}\n")
    chunks = split_entries(text)
    assert [(chunk.line, chunk.kind) for chunk in chunks] == \
        [(2, "string"), (3, "article"), (10, "article"), (12, "article")]
    assert chunks[1].text.endswith("title = {T},\n}")
    assert chunks[1].digest == hashlib.sha256(chunks[1].text.encode()).hexdigest()


def test_the_cache_is_taken_and_checked(good: Path) -> None:
    first, _ = read(good)
    assert set(first.cache) == {entry.chunk for entry in first.entries.values()}
    again, problems = read(good, cache=first.cache)  # type: ignore[arg-type]
    assert not problems.items
    assert again.entries["sanc21a"] is first.entries["sanc21a"]  # taken, not parsed
    # A changed macro makes the cached entry stale; an entry above moves the others.
    strings = good / "content" / "strings.bib"
    strings.write_text(STRINGS.replace("{Radiology: Artificial Intelligence}",
                                       "{Radiology: AI}"), encoding="utf-8")
    group = good / "content" / "group.bib"
    group.write_text("\n\n" + GROUP, encoding="utf-8")
    third, _ = read(good, cache=again.cache)  # type: ignore[arg-type]
    assert third.entries["sanc21a"].fields["journal"] == "Radiology: AI"
    assert third.entries["jaco15b"].line == 19
    assert third.entries["jaco15b"].digest == first.entries["jaco15b"].digest


BROKEN = """\
@string{RAI = _Radiology_AI_}

@article{Good1,
  title = {Good one},
  journal = _Medical_Image_Analysis_,
}

@article{NoComma
  author = {A, B},
  title = {x},
}

@article{BadField,
  author = {A, B},
  title {missing equals},
}

@article{Unclosed,
  title = {Unclosed brace,
  year = {2020},
}

@article{MissingComma,
  title = {x}
  year = {2020},
}

@article{Good2,
  title = {Second good},
  journal = RIA,
}

@article{Good3,
  title = {Third},
  journal = RAI,
}

@inproceedings{good1,
  title = {The same key},
}

@article{NoTitle,
  author = {A, B},
  year = {2020},
}
"""


def test_every_mistake_at_its_line_in_one_run(tmp_path: Path) -> None:
    write(tmp_path, {"broken.bib": BROKEN, "strings.bib": STRINGS})
    bibliography, problems = read(tmp_path)
    assert messages(problems) == [
        "content/broken.bib:8: error: a ',' is missing after the key of @article{NoComma\n"
        "    hint: an entry starts @type{key, then its fields",
        "content/broken.bib:15: error: a field of @article{BadField has no '=' "
        "(found '{' instead)\n"
        "    hint: a field is written name = {value}, and fields are separated by ','",
        "content/broken.bib:18: error: the entry @article{Unclosed is not closed: "
        "a '}' is missing\n"
        "    hint: every '{' needs its '}': look for a value of this entry left open",
        "content/broken.bib:25: error: the value of 'title' in @article{MissingComma is no "
        "BibTeX value: a ',' is missing before it\n"
        "    hint: a value is {text}, \"text\", a number or an @string macro, joined by '#'; "
        "fields are separated by ','",
        "content/broken.bib:30: error: the @string macro 'RIA' is defined in no .bib file\n"
        "    hint: did you mean 'RAI'?",
        "content/broken.bib:1: error: the @string macro '_Radiology_AI_' (in the value of "
        "'RAI') is defined in no .bib file\n"
        "    hint: define it in any .bib file of the site: @string{_Radiology_AI_ = {...}}",
        "content/broken.bib:38: error: the key good1 is taken already, by @article{Good1 at "
        "content/broken.bib:3\n"
        "    hint: BibTeX keys are case-insensitive: give this entry another key, or delete "
        "one of the two",
        "content/broken.bib:42: error: the entry @article{NoTitle has no title\n"
        "    hint: add a field title = {...}: its page and the lists show it",
    ]
    # The good entries are kept; those with a macro defined nowhere or no title are kept
    # too, marked broken (links to them still resolve); the malformed ones are left out.
    assert sorted(bibliography.entries) == ["good1", "good2", "good3", "notitle"]
    assert bibliography.entries["good1"].fields["journal"] == "Medical Image Analysis"
    assert not bibliography.entries["good1"].broken
    assert bibliography.entries["good2"].broken and bibliography.entries["notitle"].broken
    assert bibliography.entries["good1"].type == "article"  # the first of the two
    # An entry with a mistake is never cached: the next run reports it again.
    assert {entry.key for entry in bibliography.cache.values()} == {"Good1", "good1"}
    _, again = read(tmp_path, cache=bibliography.cache)  # type: ignore[arg-type]
    assert messages(again) == messages(problems)


def test_a_macro_defined_nowhere_is_reported_once_at_its_string(tmp_path: Path) -> None:
    text = ("@string{AA = _Age_and_Ageing_}\n"
            + "".join(f"@article{{K{n},\n  title = {{T}},\n  journal = AA,\n}}\n"
                      for n in range(3)))
    write(tmp_path, {"a.bib": text})
    bibliography, problems = read(tmp_path)
    assert messages(problems) == [
        "content/a.bib:1: error: the @string macro '_Age_and_Ageing_' (in the value of 'AA')"
        " is defined in no .bib file\n"
        "    hint: define it in any .bib file of the site: @string{_Age_and_Ageing_ = {...}}"]
    assert len(bibliography.entries) == 3
    assert all(entry.broken for entry in bibliography.entries.values())
    assert not bibliography.cache  # so the next run reports it again
    _, again = read(tmp_path, cache=bibliography.cache)  # type: ignore[arg-type]
    assert messages(again) == messages(problems)


def test_many_entries_parsed_in_processes_as_in_one(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bibgen", REPO / "benchmarks" / "bibgen.py")
    assert spec is not None and spec.loader is not None
    bibgen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bibgen)
    bibgen.make_bib_site(tmp_path, PARALLEL_FROM + 200)
    files = find_bib_files(tmp_path / "content")
    one, two = Problems(), Problems()
    alone = read_bibliography(files, tmp_path, one)
    forked = read_bibliography(files, tmp_path, two, jobs=2)
    assert not one.items and not two.items
    assert len(alone.entries) == PARALLEL_FROM + 200
    assert alone.entries == forked.entries and alone.cache == forked.cache


def test_a_macro_unused_and_undefined_is_no_error(tmp_path: Path) -> None:
    write(tmp_path, {"a.bib": "@string{AA = _Age_and_Ageing_}\n@article{K,\n  title = {T},\n}\n"})
    assert not read(tmp_path)[1].items


def test_a_doubtful_name_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, {"a.bib": "@article{Kox11,\n  author = {Kox, M. and Vaneker M., and Pompe, "
                              "J.C.},\n  title = {T},\n}\n"})
    bibliography, problems = read(tmp_path)
    assert messages(problems) == [
        "content/a.bib:2: warning: the name 'Vaneker M.,' is doubtful: trailing comma at end "
        "of name (in @article{Kox11)\n"
        "    hint: names are written 'First von Last' or 'von Last, First', separated by 'and'"]
    assert [person.last for person in bibliography.entries["kox11"].authors] == \
        ["Kox", "M.", "Pompe"]


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "a.bib").write_bytes(b"@article{K,\n  title = {Sch\xf6n},\n}\n")
    assert messages(read(tmp_path)[1]) == [
        "content/a.bib:2: error: the file is not valid UTF-8\n"
        "    hint: save it as UTF-8 in your editor"]
