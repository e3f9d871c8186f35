"""Every page of the demo in real headless Chromium: no failed request, no console error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Site

pytestmark = pytest.mark.browser

# Lazy images below the fold load only when scrolled to: load them all, then look.
BROKEN_IMAGES = """async els => {
  els.forEach(e => { e.loading = "eager"; });
  await Promise.all(els.map(e => e.decode().catch(() => null)));
  return els.filter(e => !e.complete || e.naturalWidth === 0).map(e => e.src);
}"""


def page_urls(folder: Path) -> list[str]:
    urls = []
    for html in sorted(folder.rglob("*.html")):
        rel = html.relative_to(folder).as_posix()
        if rel != "404.html" and 'http-equiv="refresh"' not in html.read_text():
            urls.append("/" + rel.removesuffix("index.html"))
    return urls


def failed(request: Any, problems: list[str]) -> None:
    # Leaving a page cancels what it still loads (the favicon, say): not a failure.
    if request.failure != "net::ERR_ABORTED":
        problems.append(f"failed: {request.url} ({request.failure})")


def visit_all(browser: Any, base: str, folder: Path) -> tuple[int, list[str], list[str]]:
    """Open every page of a served group; return (pages, problems, external requests)."""
    context = browser.new_context()
    problems: list[str] = []
    external: list[str] = []

    def stand_in(route: Any) -> None:
        # Any request to another host is a failure (and the machine has no network).
        external.append(route.request.url)
        route.fulfill(status=200, body="", content_type="text/html")

    context.route(lambda url: not url.startswith(base), stand_in)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: failed(r, problems))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    urls = page_urls(folder)
    for url in urls:
        page.goto(base + url, wait_until="load")
        if not page.title():
            problems.append(f"{url}: no title")
        broken = page.eval_on_selector_all("img", BROKEN_IMAGES)
        if broken:
            problems.append(f"{url}: broken images {broken}")
    context.close()
    return len(urls), problems, external


def test_every_demo_page_loads_cleanly(demo: Site, browser: Any,
                                       http_server: Callable[[Path], str]) -> None:
    assert demo.build().code == 0
    visited = 0
    for group in ("rtc", "aifh"):
        folder = demo.root / "output" / group
        count, problems, external = visit_all(browser, http_server(folder), folder)
        assert problems == [], f"{group}: {problems}"
        assert external == [], f"{group}: requests to other hosts: {external}"
        visited += count
    assert visited >= 20


def test_a_missing_image_is_noticed(demo: Site, browser: Any,
                                    http_server: Callable[[Path], str]) -> None:
    """The check above can fail: a file removed after the build is reported."""
    assert demo.build().code == 0
    folder = demo.root / "output" / "rtc"
    for variant in (folder / "images" / "projects").glob("examples.*"):
        variant.unlink()
    _, problems, _ = visit_all(browser, http_server(folder), folder)
    assert any("examples.png" in p for p in problems)


def test_lesson_shows_breadcrumbs_and_next_link(demo: Site, browser: Any,
                                                http_server: Callable[[Path], str]) -> None:
    assert demo.build().code == 0
    base = http_server(demo.root / "output" / "rtc")
    page = browser.new_page()
    page.goto(base + "/courses/deep-learning/images-as-data/")
    crumbs = page.locator('nav[aria-label="Breadcrumb"] a').all_inner_texts()
    assert crumbs == ["Home", "Courses", "Deep learning for medical imaging"]
    page.click('a[rel="next"]')
    page.wait_for_url("**/neural-networks/")
    assert page.locator("h1").inner_text() == "Neural networks from scratch"
    page.close()


def test_click_through_a_course_by_next_links(demo: Site, browser: Any,
                                              http_server: Callable[[Path], str]) -> None:
    assert demo.build().code == 0
    base = http_server(demo.root / "output" / "rtc")
    page = browser.new_page()
    page.goto(base + "/courses/deep-learning/")
    lessons = page.locator(".cards .card-title a").all_inner_texts()
    page.click(f'.cards a:text-is("{lessons[0]}")')
    seen = [page.locator("h1").inner_text()]
    while page.locator('a[rel="next"]').count():
        page.click('a[rel="next"]')
        page.wait_for_load_state()
        seen.append(page.locator("h1").inner_text())
        current = page.locator('.sidebar a[aria-current="page"]').inner_text()
        assert current == seen[-1]
    assert seen == lessons
    assert seen[-1] == "What is deep learning?"
    page.close()


def test_redirect_page_takes_the_reader_to_its_target(demo: Site, browser: Any,
                                                     http_server: Callable[[Path], str]) -> None:
    assert demo.build().code == 0
    base = http_server(demo.root / "output" / "rtc")
    page = browser.new_page()
    page.goto(base + "/courses/intro-to-deep-learning/")
    page.wait_for_url(base + "/courses/deep-learning/")
    assert page.locator("h1").inner_text() == "Deep learning for medical imaging"
    page.close()
