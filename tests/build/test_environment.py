"""A file where a folder must be, or an output folder no site may have: one message with
the path as the site names it and a hint, never an errno line (build/output.py)."""

from __future__ import annotations

import pytest

from tests.conftest import Site

PAGE = "title: P\ngroups: rtc\n\nText.\n"


@pytest.mark.parametrize(("blocked", "message"), [
    ("output", "output: error: a file stands where coursesite writes a folder"),
    ("output/rtc", "output/rtc: error: a file stands where coursesite writes a folder"),
    (".cache", ".cache: error: a file stands where coursesite keeps its cache folder"),
])
def test_a_file_where_a_folder_goes(site: Site, blocked: str, message: str) -> None:
    site.page("p.md", PAGE)
    (site.root / blocked).parent.mkdir(parents=True, exist_ok=True)
    (site.root / blocked).write_text("mine")
    result = site.build()
    assert result.code == 1
    assert message in result.err
    assert "hint: move the file away" in result.err
    assert "Errno" not in result.err and str(site.root) not in result.err
    assert (site.root / blocked).read_text() == "mine"


def test_the_root_of_the_file_system_is_no_output_folder(site: Site) -> None:
    site.page("p.md", PAGE)
    config = site.root / "site.yaml"
    config.write_text(config.read_text() + "output: /\n")
    result = site.build()
    assert result.code == 2
    assert "site.yaml:8: error: the output folder is the root of the file system" in result.err
