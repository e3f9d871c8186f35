"""The search index per group (searching itself is tested in Chromium, in test_theme.py)."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from pathlib import Path
from textwrap import dedent

from coursesite.build.search import part_of
from tests.conftest import Site, snapshot, stopped


def test_search_false_builds_no_index_and_no_search_box(site: Site) -> None:
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome.\n")
    assert site.build("--group", "rtc").code == 0
    assert (site.root / "output/rtc/pagefind/pagefind.js").is_file()
    assert 'class="site-search"' in site.out("rtc/index.html")
    config = site.root / "site.yaml"
    config.write_text("search: false\n" + config.read_text())
    assert site.build("--group", "rtc").code == 0
    assert not (site.root / "output/rtc/pagefind").exists()
    assert 'class="site-search"' not in site.out("rtc/index.html")


def test_the_index_holds_listed_pages_only(site: Site) -> None:
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome.\n")
    site.page("open.md", "title: Open\ngroups: rtc\n\nAardvark listed.\n")
    site.page("secret.md", "title: Secret\ngroups: rtc\nstatus: hidden\n\nAardvark hidden.\n")
    site.page("moved.md", "title: Moved\ngroups: rtc\nredirect: open.md\n\n")
    assert site.build("--group", "rtc").code == 0
    fragments = sorted(gzip.decompress(p.read_bytes()).decode()
                       for p in (site.root / "output/rtc/pagefind/fragment").glob("*"))
    urls = sorted(text.split('"url":"')[1].split('"')[0] for text in fragments)
    assert urls == ["/", "/open/"]


# -- Pagefind within its limit, and its whole error ------------------------------------


def fake_pagefind(folder: Path, main: str) -> dict[str, str]:
    """A `pagefind_bin` package ahead of the real one: the environment that makes the
    build run the program `main` (Python) as Pagefind's binary."""
    program = folder / "fake-pagefind"
    folder.mkdir(parents=True)
    program.write_text(f"#!{sys.executable}\n{dedent(main)}")
    program.chmod(0o755)
    package = folder / "pagefind_bin"
    package.mkdir()
    (package / "__init__.py").write_text(
        f"from pathlib import Path\n\ndef get_executable():\n    return Path({str(program)!r})\n")
    return {"PYTHONPATH": str(folder)}


def indexed(site: Site, index: dict[str, bytes] | None = None) -> str:
    """The text of every page in the group's index (or in a snapshot of one)."""
    files = snapshot(site.root / "output/rtc/pagefind") if index is None else index
    return "".join(gzip.decompress(data).decode() for path, data in files.items()
                   if path.startswith("fragment/"))



def test_pagefind_past_its_limit_is_stopped_and_the_old_index_kept(site: Site,
                                                                   tmp_path: Path) -> None:
    config = site.root / "site.yaml"
    config.write_text(config.read_text() + "limits:\n  search_seconds: 1\n")
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome.\n")
    site.page("open.md", "title: Open\ngroups: rtc\n\nAardvarks.\n")
    assert site.build("--group", "rtc").code == 0
    index = snapshot(site.root / "output/rtc/pagefind")
    site.page("open.md", "title: Open\ngroups: rtc\n\nAardvarks and zebras.\n")
    pid_file = tmp_path / "helper.pid"
    slow = fake_pagefind(tmp_path / "slow", f"""
        import pathlib, subprocess, time
        helper = subprocess.Popen(["sleep", "300"])  # what Pagefind starts goes with it
        pathlib.Path({str(pid_file)!r}).write_text(str(helper.pid))
        time.sleep(300)
        """)
    started = time.monotonic()
    result = site.build("--group", "rtc", env=slow)
    assert time.monotonic() - started < 20
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err == (
        "output/rtc: error: Pagefind, indexing group rtc, took longer than "
        "limits.search_seconds (1 s) and was stopped\n"
        "    hint: raise limits.search_seconds in site.yaml; the old search index is left "
        "as it was\n"
        "build failed: 1 error; the pages were written, the search index left as it was\n")
    assert snapshot(site.root / "output/rtc/pagefind") == index
    assert "zebras" in site.out("rtc/open/index.html")
    assert sorted(os.listdir(site.root / "output")) == ["rtc"]  # no half-made index left
    assert stopped(int(pid_file.read_text()))
    # The next build makes the index it could not make.
    assert site.build("--group", "rtc").code == 0
    assert "zebras" in indexed(site) and "zebras" not in indexed(site, index)


def test_a_failing_pagefind_shows_what_it_printed(site: Site, tmp_path: Path) -> None:
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome.\n")
    broken = fake_pagefind(tmp_path / "broken", """
        import sys
        site = sys.argv[sys.argv.index("--site") + 1]
        print(f"Error: cannot read {site}/index.html", file=sys.stderr)
        print("", file=sys.stderr)
        print("Caused by: permission denied", file=sys.stderr)
        sys.exit(3)
        """)
    result = site.build("--group", "rtc", env=broken)
    assert result.code == 0  # a warning: the site is built, only not searchable
    assert ("output/rtc: warning: the search index could not be made: Pagefind exited with "
            "status 3\n"
            "    | Error: cannot read output/rtc/index.html\n"
            "    | Caused by: permission denied\n"
            "    hint: ") in result.err
    assert str(site.root) not in result.err


# -- a large group's index in parts ------------------------------------------------------


def many_pages(site: Site, count: int) -> None:
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome.\n")
    for n in range(count):
        site.page(f"notes/note-{n:03d}.md",
                  f"title: Note {n}\ngroups: rtc\n\nThe word zebra{n:03d} is here.\n")


def part_files(site: Site) -> dict[str, int]:
    """Each part's pagefind-entry.json, by part, with its mtime."""
    folder = site.root / "output/rtc/pagefind"
    return {p.parent.name: p.stat().st_mtime_ns for p in folder.glob("*/pagefind-entry.json")}


def test_a_large_group_is_indexed_in_parts_and_an_edit_remakes_one(site: Site) -> None:
    many_pages(site, 300)  # 302 pages: over SHARD_PAGES (250), two parts
    assert site.build("--group", "rtc").code == 0
    parts = part_files(site)
    assert sorted(parts) == ["1", "2"]
    loader = site.out("rtc/pagefind/pagefind.js")
    assert '["1", "2"]' in loader and "mergeIndex" in loader
    everything = "".join(gzip.decompress(p.read_bytes()).decode() for p in
                         (site.root / "output/rtc/pagefind").glob("*/fragment/*"))
    assert all(f"zebra{n:03d}" in everything for n in range(300))  # each page in a part
    site.page("notes/note-007.md", "title: Note 7\ngroups: rtc\n\nNow it says okapi.\n")
    assert site.build("--group", "rtc").code == 0
    again = part_files(site)
    assert sum(again[name] != parts[name] for name in parts) == 1  # only its part
    # A part changed by hand is noticed, and made again.
    entry = site.root / "output/rtc/pagefind/1/pagefind-entry.json"
    entry.write_text("{}")
    assert site.build("--group", "rtc").code == 0
    assert entry.read_text() != "{}"


def test_a_listings_part_is_not_remade_when_only_its_items_change(site: Site) -> None:
    # The listing's items have pages of their own and are left out of the index: a new
    # title of an item changes the listing's HTML, not what search reads of it.
    many_pages(site, 300)
    site.page("projects.md", "title: Projects\ntemplate: projects\ngroups: rtc\n\n"
                             "Our projects, among them the tapir one.\n")
    for n in range(6):
        site.page(f"projects/p{n}.md", f"title: Project {n}\ntemplate: project-single\n"
                                       f"groups: rtc\n\nAbout project {n}.\n")
    assert site.build("--group", "rtc").code == 0
    listing = part_of("projects/index.html", 2)
    item = next(n for n in range(6) if part_of(f"projects/p{n}/index.html", 2) != listing)
    parts = part_files(site)
    site.page(f"projects/p{item}.md", f"title: Project okapi\ntemplate: project-single\n"
                                      f"groups: rtc\n\nAbout project {item}.\n")
    assert site.build("--group", "rtc").code == 0
    assert "Project okapi" in site.out("rtc/projects/index.html")
    again = part_files(site)
    assert again[str(listing + 1)] == parts[str(listing + 1)]
    assert again[str(2 - listing)] != parts[str(2 - listing)]
    words = "".join(gzip.decompress(p.read_bytes()).decode() for p in
                    (site.root / "output/rtc/pagefind").glob(f"{listing + 1}/fragment/*"))
    assert "tapir" in words  # the listing's own text is indexed


def test_a_part_past_the_limit_leaves_no_part_made_aside(site: Site, tmp_path: Path) -> None:
    many_pages(site, 300)
    config = site.root / "site.yaml"
    config.write_text(config.read_text() + "limits:\n  search_seconds: 2\n")
    # The first part Pagefind is given is made at once, the other never ends.
    slow = fake_pagefind(tmp_path / "slow", f"""
        import os, pathlib, sys, time
        out = pathlib.Path(sys.argv[sys.argv.index("--output-path") + 1])
        claim = pathlib.Path({str(tmp_path / "first")!r})
        try:
            os.mkdir(claim)
        except FileExistsError:
            time.sleep(300)
        out.mkdir(parents=True, exist_ok=True)
        (out / "pagefind.js").write_text("//")
        (out / "pagefind-entry.json").write_text("{{}}")
        """)
    result = site.build("--group", "rtc", env=slow)
    assert result.code == 1 and "limits.search_seconds (2 s)" in result.err
    assert sorted(os.listdir(site.root / "output")) == ["rtc"]  # nothing left aside


def test_a_large_group_with_no_page_to_index_gets_a_search_that_finds_nothing(
        site: Site) -> None:
    site.page("index.md", "title: Home\ngroups: rtc\nstatus: hidden\n\nWelcome.\n")
    for n in range(260):
        site.page(f"notes/n{n}.md", f"title: N{n}\ngroups: rtc\nstatus: hidden\n\nHidden.\n")
    result = site.build("--group", "rtc")
    assert result.code == 0 and "warning" not in result.err, result.err
    assert "results: []" in site.out("rtc/pagefind/pagefind.js")
    assert not list((site.root / "output/rtc/pagefind").glob("*/"))


def test_a_build_killed_while_pagefind_runs_takes_pagefind_with_it(site: Site,
                                                                  tmp_path: Path) -> None:
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome.\n")
    pid_file = tmp_path / "pagefind.pid"
    slow = fake_pagefind(tmp_path / "slow", f"""
        import os, pathlib, time
        pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))
        time.sleep(300)
        """)
    build = subprocess.Popen([sys.executable, "-m", "coursesite", "--group", "rtc"],
                             cwd=site.root, env={**os.environ, **slow},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and build.poll() is None
        time.sleep(0.05)
    build.kill()  # SIGKILL: the build can do nothing more
    build.wait()
    # Else it would go on writing into a folder the next build removes.
    assert stopped(int(pid_file.read_text()))
