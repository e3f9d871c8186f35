"""Whole builds of the demo site and of small sites: what lands in output/."""

from __future__ import annotations

import hashlib
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.conftest import REPO, Site, snapshot

GOLDEN = Path(__file__).parents[1] / "golden" / "demo.sha256"
GROUP_URLS = {"rtc": "https://rtc.example.org/", "aifh": "https://aifh.example.org/"}


class LinkCollector(HTMLParser):
    """Every href and src of a page, read with a real HTML parser."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)


def unresolved_links(folder: Path, group: str) -> list[str]:
    """Links of the group's output that reach neither a file of it nor another site."""
    bad = []
    for page in folder.rglob("*.html"):
        collector = LinkCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        for link in collector.links:
            parts = urlsplit(link)
            if link.startswith(("#", "mailto:", "tel:")):
                continue
            if parts.scheme in ("http", "https"):
                if any(link.startswith(u) for g, u in GROUP_URLS.items() if g != group):
                    continue
                if not link.startswith(GROUP_URLS[group]):
                    if parts.netloc.endswith("example.org"):
                        bad.append(f"{page}: {link}")  # an unknown host of ours
                    continue
            path = unquote(parts.path)
            target = folder / path.lstrip("/") if path.startswith("/") else page.parent / path
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                bad.append(f"{page.relative_to(folder)}: {link}")
    return bad


def test_demo_builds_every_group(demo: Site) -> None:
    result = demo.build()
    assert result.code == 0, result.err
    assert re.search(r"^rtc: \d+ pages, \d+ images in [\d.]+ s$", result.out, re.M)
    assert re.search(r"^aifh: \d+ pages, \d+ images in [\d.]+ s$", result.out, re.M)
    for group in ("rtc", "aifh"):
        folder = demo.root / "output" / group
        for name in ("index.html", "404.html", "sitemap.xml", "robots.txt", "css/site.css"):
            assert (folder / name).is_file(), name
        assert unresolved_links(folder, group) == []
        for page in folder.rglob("*.html"):
            text = page.read_text(encoding="utf-8")
            outside_code = re.sub(r"<code>.*?</code>|<pre.*?</pre>", "", text, flags=re.S)
            assert "{{" not in outside_code and "<<" not in outside_code, page


def test_example_page_is_in_rtc_only_and_rendered(demo: Site) -> None:
    assert demo.build().code == 0
    rel = "courses/deep-learning/what-is-deep-learning/index.html"
    html = demo.out(f"rtc/{rel}")
    assert '<h3 id="deep-neural-networks">Deep neural networks' in html
    for image in ("images/projects/what_is_ai.png", "images/projects/examples.png"):
        assert f'src="/{image}"' in html
        assert (demo.root / "output" / "rtc" / image).is_file()
    assert "{{ IMGURL }}" not in html
    assert not (demo.root / "output" / "aifh" / rel).exists()
    assert not (demo.root / "output" / "aifh" / "images" / "projects" / "what_is_ai.png").exists()


def test_only_referenced_images_reach_a_group(demo: Site) -> None:
    assert demo.build().code == 0
    aifh = {p.relative_to(demo.root / "output" / "aifh").as_posix()
            for p in (demo.root / "output" / "aifh" / "images").rglob("*") if p.is_file()}
    assert "images/projects/chest-xray.jpg" in aifh
    assert "images/courses/deep-learning.png" not in aifh  # an rtc-only course's card


def test_two_clean_builds_are_byte_identical(demo: Site, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    assert demo.build("--output", str(first)).code == 0
    assert demo.build("--output", str(second)).code == 0
    assert snapshot(first) == snapshot(second)


def test_golden_demo(demo: Site) -> None:
    """The demo's output file by file, as of a fixed day (its events are upcoming or
    past by the build's date); UPDATE_GOLDEN=1 rewrites the expectation."""
    assert demo.build("--date", "2026-12-01").code == 0
    files = snapshot(demo.root / "output")
    lines = [f"{hashlib.sha256(data).hexdigest()}  {path}"
             for path, data in files.items()
             if not path.endswith("css/highlight.css") and "/pagefind/" not in path]
    text = "\n".join(lines) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), \
        "run UPDATE_GOLDEN=1 pytest tests/build/test_pipeline.py -k golden"


def test_sitemap_robots_and_404(demo: Site) -> None:
    assert demo.build().code == 0
    sitemap = demo.out("rtc/sitemap.xml")
    lesson = "https://rtc.example.org/courses/deep-learning/what-is-deep-learning/"
    assert f"<loc>{lesson}</loc>" in sitemap
    assert "<loc>https://rtc.example.org/courses/deep-learning/training/</loc>" \
           "<lastmod>2026-09-15</lastmod>" in sitemap
    assert "aifh.example.org" not in sitemap
    assert "Sitemap: https://rtc.example.org/sitemap.xml" in demo.out("rtc/robots.txt")
    assert "Page not found" in demo.out("aifh/404.html")


def test_failed_rebuild_leaves_previous_output(demo: Site) -> None:
    assert demo.build().code == 0
    before = snapshot(demo.root / "output")
    lesson = demo.root / "content/courses/deep-learning/training.md"
    lesson.write_text(lesson.read_text().replace("groups: rtc", "groups: rtc, aifx"))
    demo.page("courses/deep-learning/new.md", "title: New\ngroups: rtc\n\nNew text\n")
    result = demo.build()
    assert result.code == 1
    assert "content/courses/deep-learning/training.md:3: error: unknown group 'aifx'" \
        in result.err
    assert snapshot(demo.root / "output") == before
    assert sorted(p.name for p in (demo.root / "output").iterdir()) == ["aifh", "rtc"]


def test_a_later_build_removes_deleted_pages(site: Site) -> None:
    site.page("a.md", "title: A\ngroups: rtc\n\nText\n")
    site.page("b.md", "title: B\ngroups: rtc\n\nText\n")
    assert site.build().code == 0
    (site.root / "content/b.md").unlink()
    assert site.build().code == 0
    assert (site.root / "output/rtc/a/index.html").is_file()
    assert not (site.root / "output/rtc/b").exists()


def test_default_theme_from_an_installed_package_alone(site: Site) -> None:
    """A site with only site.yaml and content/ builds with the shipped theme."""
    site.page("p.md", "title: P\ngroups: rtc\n\nText\n")
    assert not (site.root / "templates").exists()
    assert site.build().code == 0
    assert '<link rel="stylesheet" href="/css/site.css">' in site.out("rtc/p/index.html")
    assert (site.root / "output/rtc/css/site.css").read_bytes() == \
        (REPO / "static/css/site.css").read_bytes()


def test_site_static_overrides_theme_file_by_file(site: Site) -> None:
    site.write("static/css/site.css", "body { color: red }\n")
    site.write("static/js/extra.js", "console.log('x')\n")
    site.page("p.md", "title: P\ngroups: rtc\n\nText\n")
    assert site.build().code == 0
    assert site.out("rtc/css/site.css") == "body { color: red }\n"
    assert (site.root / "output/rtc/js/extra.js").is_file()
    assert (site.root / "output/rtc/favicon.svg").is_file()  # still from the theme
