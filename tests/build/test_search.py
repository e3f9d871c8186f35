"""The search index per group (searching itself is tested in Chromium, in test_theme.py)."""

from __future__ import annotations

import gzip

from tests.conftest import Site


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
