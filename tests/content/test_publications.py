"""Publications from BibTeX (SPEC §8), built as a user builds them: a page per entry a
group lists, lists by year, a member's own list, and every mistake at its line.

One build is shared by the tests that only read it.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Site, clean_build_of, run_cli, snapshot

SITE_YAML = """\
link_tags: {member: members}
groups:
  lab:
    title: The Lab
    url: https://lab.example.org/
  other:
    title: Other group
    url: https://other.example.org/
"""

STRINGS = """\
% Encoding: UTF-8
@String { _Medical_Image_Analysis_ = {Medical Image Analysis} }
@String { _Medical_Imaging_ = {Medical Imaging} }
"""

BIB = """\
@string{MIA = _Medical_Image_Analysis_}
@string{MI = _Medical_Imaging_}

@article{Smit24,
  author = {Ann Smith and S\\'{a}nchez, Clara I. and {van Dijk}, Piet},
  title = {Counting {CT} nodules with deep learning},
  journal = MIA,
  year = {2024},
  volume = {12},
  pages = {1--10},
  doi = {10.1000/mia.2024.1},
  abstract = {We count nodules.},
  optnote = {DIAG, RADIOLOGY},
}

@inproceedings{Li25,
  author = {Bo Li and Ann Smith},
  title = {Segmenting organs in a hurry},
  booktitle = MI,
  year = {2025},
  url = {https://example.org/li25},
}

@phdthesis{Old20,
  author = {Cy Old},
  title = {A thesis nobody in the lab wrote},
  school = {Radboud University},
  year = {2020},
}
"""

PAGES = {
    "index.md": "title: The Lab\ngroups: lab, other\n\nWelcome.\n",
    "publications.md": "title: Publications\ntemplate: publications\ngroups: lab\n",
    "members/ann-smith.md": "title: Ann Smith\nname: Ann Smith\ntemplate: people-single\n"
                            "type: faculty\ngroups: lab\n\nAnn leads the lab. See "
                            "[our paper](/publications/li25/).\n",
    "members/bo-li.md": "title: Bo Li\nname: Bo Li\ntemplate: people-single\ntype: phd\n"
                        "groups: lab\nbibkeys: Old20\n\nBo segments.\n",
}


def make_site(root: Path) -> Site:
    site = Site(root)
    site.write("site.yaml", SITE_YAML)
    site.page("fullstrings.bib", STRINGS)
    site.page("publications/lab.bib", BIB)
    for rel, text in PAGES.items():
        site.page(rel, text)
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("publications")
    make_site(root)
    result = run_cli(cwd=root)
    assert result.code == 0, result.err
    return root / "output"


def main_of(out: Path, rel: str) -> str:
    text = (out / rel).read_text(encoding="utf-8")
    return text[text.index("<main"):text.index("</main>")]


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_each_listed_entry_has_a_page_with_its_fields(built: Path) -> None:
    html = main_of(built, "lab/publications/smit24/index.html")
    shown = words(html)
    assert "Counting CT nodules with deep learning" in shown  # braces gone
    assert "Clara I. Sánchez" in shown and "Piet van Dijk" in shown  # LaTeX decoded
    assert "Medical Image Analysis" in shown  # macro of a macro, from another file
    assert 'href="https://doi.org/10.1000/mia.2024.1"' in html
    assert "We count nodules." in shown
    assert '<a href="/members/ann-smith/">Ann Smith</a>' in html  # the member linked
    assert 'class="pager"' not in html and 'class="sidebar"' not in html


def test_the_bibtex_download_is_the_entry_on_its_own(built: Path) -> None:
    html = main_of(built, "lab/publications/smit24/index.html")
    assert 'href="Smit24.bib" download' in html
    text = (built / "lab" / "publications" / "smit24" / "Smit24.bib").read_text("utf-8")
    assert text.startswith("@article{Smit24,")
    assert "Medical Image Analysis" in text and "MIA" not in text  # no macro left


def test_groups_list_entries_of_their_members_bibkeys_and_optnote(built: Path) -> None:
    lab = {p.name for p in (built / "lab" / "publications").iterdir() if p.is_dir()}
    assert lab == {"smit24", "li25", "old20"}  # Ann's and Bo's, and Bo's bibkeys
    assert not (built / "other" / "publications").exists()  # no member, no optnote


def test_the_group_list_is_by_year_newest_first(built: Path) -> None:
    shown = words(main_of(built, "lab/publications/index.html"))
    assert shown.index("2025") < shown.index("Segmenting organs") < shown.index("2024") \
        < shown.index("Counting CT nodules") < shown.index("2020") < shown.index("A thesis")
    assert "Conference paper" in shown and "PhD thesis" in shown


def test_a_long_list_of_publications_is_paginated_by_its_own_setting(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    site.write("site.yaml", "paginate_publications: 2\n" + SITE_YAML)
    result = run_cli(cwd=tmp_path)
    assert result.code == 0, result.err
    first = main_of(tmp_path / "output", "lab/publications/index.html")
    second = main_of(tmp_path / "output", "lab/publications/page/2/index.html")
    assert "Segmenting organs" in first and "Counting CT nodules" in first
    assert "A thesis" not in first and "A thesis" in words(second)
    assert '<a class="pager-step" rel="next" href="/publications/page/2/">' in first
    assert "Publications, page 2" in words(second)
    assert not (tmp_path / "output" / "lab" / "publications" / "page" / "3").exists()
    # The entries keep their pages; no page 2 is in the sitemap (as the news' are not).
    assert (tmp_path / "output" / "lab" / "publications" / "old20" / "index.html").is_file()
    assert "page/2" not in (tmp_path / "output" / "lab" / "sitemap.xml").read_text()
    site.write("site.yaml", "paginate_publications: -1\n" + SITE_YAML)
    result = run_cli(cwd=tmp_path)
    assert result.code == 2 and result.err.startswith("site.yaml:1: error:"), result.err


def test_a_member_page_lists_its_publications(built: Path) -> None:
    ann = words(main_of(built, "lab/members/ann-smith/index.html"))
    assert "Segmenting organs in a hurry" in ann and "Counting CT nodules" in ann
    assert "A thesis nobody" not in ann
    bo = words(main_of(built, "lab/members/bo-li/index.html"))
    assert "A thesis nobody in the lab wrote" in bo and "Segmenting organs" in bo


def test_a_link_to_a_publication_resolves(built: Path) -> None:
    assert 'href="/publications/li25/"' in main_of(built, "lab/members/ann-smith/index.html")


def test_one_entry_changed_changes_its_page_and_the_lists(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    assert run_cli(cwd=tmp_path).code == 0
    out = tmp_path / "output" / "lab"
    untouched = (out / "publications" / "old20" / "index.html").stat().st_mtime_ns
    site.page("publications/lab.bib", BIB.replace("in a hurry", "at leisure"))
    result = run_cli(cwd=tmp_path)
    assert result.code == 0, result.err
    for rel in ("publications/li25/index.html", "publications/index.html",
                "members/ann-smith/index.html"):
        assert "at leisure" in (out / rel).read_text("utf-8"), rel
    assert (out / "publications" / "old20" / "index.html").stat().st_mtime_ns == untouched


def test_a_members_new_url_reaches_every_list_that_links_to_the_member(
        tmp_path: Path) -> None:
    # The list of publications and Bo's page (his publication's co-author) link to Ann;
    # neither changed, yet both must link to her new address, as a clean build does.
    site = make_site(tmp_path)
    assert run_cli(cwd=tmp_path).code == 0
    site.page("members/ann-smith.md", PAGES["members/ann-smith.md"].replace(
        "title: Ann Smith\n", "title: Ann Smith\nslug: asmith\n"))
    result = run_cli(cwd=tmp_path)
    assert result.code == 0, result.err
    out = tmp_path / "output" / "lab"
    for rel in ("publications/index.html", "publications/li25/index.html",
                "members/bo-li/index.html"):
        html = main_of(tmp_path / "output", f"lab/{rel}")
        assert '<a href="/members/asmith/">Ann Smith</a>' in html, rel
        assert "/members/ann-smith/" not in html, rel
    assert not (out / "members" / "ann-smith").exists()


ENTRY_CHANGES = {
    "title": ("in a hurry", "at leisure"),
    "year, to another page of the list": ("year = {2025}", "year = {2019}"),
    "a member becomes an author": ("author = {Cy Old}", "author = {Cy Old and Ann Smith}"),
    "an entry added": ("@phdthesis{Old20,", "@misc{New26,\n  title = {Brand new},\n"
                       "  author = {Bo Li},\n  year = {2026},\n}\n\n@phdthesis{Old20,"),
    "an entry removed": ("@article{Smit24,", "@comment{Smit24,"),
}


@pytest.mark.parametrize("change", list(ENTRY_CHANGES))
def test_an_entry_changed_builds_what_a_clean_build_does(tmp_path: Path, change: str) -> None:
    site = make_site(tmp_path / "site")
    site.write("site.yaml", "paginate_publications: 2\n" + SITE_YAML)
    assert run_cli(cwd=site.root).code == 0
    old, new = ENTRY_CHANGES[change]
    site.page("publications/lab.bib", BIB.replace(old, new))
    result = run_cli(cwd=site.root)
    assert result.code == 0, result.err
    assert snapshot(site.root / "output") == clean_build_of(site, tmp_path)


def test_a_macro_changed_in_another_file_changes_the_entries_kept_from_the_last_build(
        tmp_path: Path) -> None:
    # The entries of lab.bib are unchanged, and kept in the build state from the first
    # build: the journal their macro names must still be read anew.
    site = make_site(tmp_path)
    assert run_cli(cwd=tmp_path).code == 0
    page = tmp_path / "output" / "lab" / "publications" / "smit24" / "index.html"
    assert "Medical Image Analysis" in page.read_text("utf-8")
    site.page("fullstrings.bib", STRINGS.replace("{Medical Image Analysis}",
                                                 "{Medical Image Analysis Journal}"))
    assert run_cli(cwd=tmp_path).code == 0
    assert "Medical Image Analysis Journal" in page.read_text("utf-8")
    # A state whose kept entries were damaged makes the build slower, never wrong.
    with sqlite3.connect(tmp_path / ".cache" / "state.sqlite") as db:
        assert db.execute("SELECT count(*) FROM bibentries").fetchone()[0] > 0
        db.execute("UPDATE bibentries SET entry = x'7b7b'")
    site.page("fullstrings.bib", STRINGS)
    result = run_cli(cwd=tmp_path)
    assert result.code == 0, result.err
    assert "Medical Image Analysis Journal" not in page.read_text("utf-8")


def test_an_unknown_bibkey_is_a_warning_and_a_broken_entry_fails_at_its_line(
        tmp_path: Path) -> None:
    site = make_site(tmp_path)
    site.page("members/bo-li.md", "title: Bo Li\nname: Bo Li\ntemplate: people-single\n"
                                  "groups: lab\nbibkeys: Old20, Nope99\n\nBo.\n")
    site.page("more.bib", "@article{Good1,\n  title = {Fine},\n  author = {A B},\n"
                          "  year = {2020},\n}\n\n@article{Bad1,\n  title = {Broken\n")
    result = run_cli(cwd=tmp_path)
    assert result.code == 1
    assert "content/members/bo-li.md:5: warning: bibkeys: no BibTeX entry has the key " \
           "'Nope99'" in result.err
    assert re.search(r"content/more\.bib:7: error: ", result.err), result.err
    assert "Traceback" not in result.err
    assert not any(path.is_file() for path in (tmp_path / "output").rglob("*"))  # nothing written


def test_a_page_of_the_groups_own_at_an_entrys_url_takes_its_place(tmp_path: Path) -> None:
    # The real tree's sites have publications/<key>.md pages of their own, written from
    # the same BibTeX: the group shows its page there, and no two pages clash.
    site = make_site(tmp_path)
    site.page("publications/li25.md", "title: Our own page of Li25\ngroups: lab\n\n"
                                      "The abstract, as the site wrote it.\n")
    result = run_cli(cwd=tmp_path)
    assert result.code == 0, result.err
    page = main_of(tmp_path / "output", "lab/publications/li25/index.html")
    assert "Our own page of Li25" in page and "as the site wrote it" in page
    assert (tmp_path / "output/lab/publications/smit24/index.html").is_file()
