"""What search engines, feed readers and link previews see."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from PIL import Image

from tests.conftest import Site

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_head_tags_on_every_page(demo: Site) -> None:
    assert demo.build().code == 0
    for group, base in (("rtc", "https://rtc.example.org/"), ("aifh", "https://aifh.example.org/")):
        folder = demo.root / "output" / group
        for path in folder.rglob("*.html"):
            html = path.read_text(encoding="utf-8")
            for tag in ('<link rel="canonical" href="https://', 'property="og:title"',
                        'property="og:url" content="https://', 'name="twitter:card"',
                        'property="og:description"'):
                assert tag in html, (path, tag)
            image = re.search(r'property="og:image" content="([^"]*)"', html)
            assert image is not None and image.group(1).startswith(base), path
            assert (folder / image.group(1)[len(base):]).is_file()


def test_lesson_picture_is_its_social_image(demo: Site) -> None:
    assert demo.build().code == 0
    html = demo.out("rtc/courses/deep-learning/what-is-deep-learning/index.html")
    social = re.search(r'<meta property="og:image" content="https://rtc.example.org/'
                       r'(images/courses/Front_image2\.[0-9a-f]{10}\.1200x630\.png)">', html)
    assert social is not None
    with Image.open(demo.root / "output" / "rtc" / social.group(1)) as image:
        assert image.size == (1200, 630)
    assert ('<link rel="canonical" href="https://rtc.example.org/courses/deep-learning/'
            'what-is-deep-learning/">') in html


def test_redirect_page(demo: Site) -> None:
    assert demo.build().code == 0
    html = demo.out("rtc/courses/intro-to-deep-learning/index.html")
    assert '<meta http-equiv="refresh" content="0; url=/courses/deep-learning/">' in html
    assert '<link rel="canonical" href="https://rtc.example.org/courses/deep-learning/">' in html
    assert '<a href="/courses/deep-learning/">' in html
    assert "intro-to-deep-learning" not in demo.out("rtc/sitemap.xml")
    assert "Introduction to deep learning" not in demo.out("rtc/courses/index.html")


def test_feed_is_atom_newest_first(demo: Site) -> None:
    assert demo.build().code == 0
    feed = ET.fromstring(demo.out("rtc/feed.xml"))
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) >= 4
    dates = [e.findtext(f"{ATOM}updated") for e in entries]
    assert dates == sorted(dates, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == dates[0]
    for entry in entries:
        assert (entry.findtext(f"{ATOM}id") or "").startswith("https://rtc.example.org/")
        assert entry.find(f"{ATOM}link").get("href") == entry.findtext(f"{ATOM}id")  # type: ignore[union-attr]
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert "Reading an AI report" not in titles  # an aifh lesson


def test_sitemap_lists_exactly_the_listed_pages(demo: Site) -> None:
    assert demo.build().code == 0
    folder = demo.root / "output" / "rtc"
    sitemap = ET.fromstring(demo.out("rtc/sitemap.xml"))
    listed = {loc.text for loc in sitemap.iter(f"{SITEMAP}loc")}
    expected = set()
    for path in folder.rglob("index.html"):
        html = path.read_text(encoding="utf-8")
        if "http-equiv=\"refresh\"" in html or "teacher-notes" in str(path) \
                or "/news/page/" in path.as_posix():
            continue  # redirects, hidden pages and a listing's later pages (as Hugo) stay out
        rel = path.relative_to(folder).as_posix().removesuffix("index.html")
        expected.add("https://rtc.example.org/" + rel)
    assert listed == expected
