"""What learners see, in Chromium: search, accessibility, phones, dark mode, print, no tracking."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, Site, run_cli
from tests.test_browser import page_urls

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "tests" / "artifacts"
WIDTHS = {"phone": 375, "desktop": 1280}
MODES = ("light", "dark")
LESSON = "courses/deep-learning/the-mathematics/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, built once for this module."""
    root = tmp_path_factory.mktemp("theme") / "demo"
    root.mkdir()
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    result = run_cli(cwd=root)
    assert result.code == 0, result.err
    return root / "output"


@pytest.fixture
def sites(built: Path, http_server: Callable[[Path], str]) -> dict[str, str]:
    return {group: http_server(built / group) for group in ("rtc", "aifh")}


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def open_page(url: str, width: int = 1280, mode: str = "light") -> Any:
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      color_scheme=mode)
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    yield open_page
    for context in contexts:
        context.close()


def search(page: Any, words: str) -> tuple[list[str], str]:
    page.fill("#search-input", words)
    page.wait_for_selector(".search-results .search-status", timeout=10_000)
    page.wait_for_function("() => !document.querySelector('.search-results').hidden")
    links = page.eval_on_selector_all(".search-results li a", "els => els.map(e => e.href)")
    return links, page.inner_text(".search-results")


def test_search_finds_a_lesson_in_its_group_only(built: Path, sites: dict[str, str],
                                                 open_page: Callable[..., Any]) -> None:
    # "backpropagation" is written in one lesson of the rtc course and nowhere in aifh.
    assert not any("ackprop" in p.read_text() for p in (built / "aifh").rglob("*.html"))
    page = open_page(sites["rtc"] + "/")
    links, text = search(page, "backpropagation")
    assert links == [sites["rtc"] + "/" + LESSON]
    assert "<mark>" in page.inner_html(".search-results") and "The mathematics" in text
    other = open_page(sites["aifh"] + "/")
    links, text = search(other, "backpropagation")
    assert links == [] and "Nothing found" in text


def test_the_404_page_offers_a_search_and_the_courses(built: Path, sites: dict[str, str],
                                                      open_page: Callable[..., Any]) -> None:
    page = open_page(sites["rtc"] + "/404.html")  # what a static host answers a miss with
    courses = page.eval_on_selector_all("main .card-title a", "els => els.map(e => e.href)")
    assert sites["rtc"] + "/courses/deep-learning/" in courses
    page.fill("#not-found-query", "backpropagation")
    page.press("#not-found-query", "Enter")  # to the home page, which runs the search
    page.wait_for_selector(".search-results .search-status", timeout=10_000)
    links = page.eval_on_selector_all(".search-results li a", "els => els.map(e => e.href)")
    assert links == [sites["rtc"] + "/" + LESSON]
    assert page.input_value("#search-input") == "backpropagation"


def test_search_leaves_out_hidden_pages_and_redirects(built: Path, sites: dict[str, str],
                                                      open_page: Callable[..., Any]) -> None:
    page = open_page(sites["rtc"] + "/")
    links, _ = search(page, "teachers")  # the hidden teacher-notes page is about teachers
    assert not any("teacher-notes" in link for link in links)
    assert "teacher-notes" in "".join(p.as_posix() for p in (built / "rtc").rglob("*.html"))


ENTRIES_CHECKED = 3


def axe_urls(folder: Path) -> list[str]:
    """Every page, but only the first few publication entries: the demo's 54 entry pages
    share one layout and differ only in the text of their fields, and checking them all
    took a third of the suite's time."""
    urls = page_urls(folder)
    entries = [url for url in urls if url.startswith("/publications/") and url.count("/") == 3]
    return [url for url in urls if url not in entries[ENTRIES_CHECKED:]]


AXE_START = """() => { window.axeFound = axe.run(document).then(result => result.violations
    .filter(v => ['serious', 'critical'].includes(v.impact))
    .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))); }"""
AXE_AT_ONCE = 4  # pages checked side by side: axe waits on the page, not on the test


# One test per colour scheme (the workers of pytest-xdist share them); each page is
# opened once and checked at each width in turn, as a reader resizing the window would.
@pytest.mark.parametrize("mode", MODES)
def test_every_page_passes_axe_light_and_dark_phone_and_desktop(
        built: Path, sites: dict[str, str], browser: Any, axe_source: str, mode: str) -> None:
    urls = [(group, base, url) for group, base in sites.items()
            for url in [*axe_urls(built / group), "/404.html"]]
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900},
                                  color_scheme=mode)
    tabs = [context.new_page() for _ in range(AXE_AT_ONCE)]
    problems, checked = [], 0
    for start in range(0, len(urls), AXE_AT_ONCE):
        batch = list(zip(tabs, urls[start:start + AXE_AT_ONCE], strict=False))
        for tab, (_, base, url) in batch:
            tab.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
            tab.goto(base + url)
            tab.add_script_tag(content=axe_source)
        for width in WIDTHS.values():
            for tab, _ in batch:
                tab.set_viewport_size({"width": width, "height": 900})
                tab.evaluate(AXE_START)
            for tab, (group, _, url) in batch:
                found = tab.evaluate("() => window.axeFound")
                problems += [f"{group}{url} {mode} {width}px: {v}" for v in found]
                checked += 1
    context.close()
    assert checked == len(urls) * len(WIDTHS) and len(urls) > 20
    assert problems == [], "\n".join(problems)


def test_no_page_scrolls_sideways_on_a_phone(built: Path, sites: dict[str, str],
                                            open_page: Callable[..., Any]) -> None:
    wide, checked = [], 0
    tab = open_page("about:blank", WIDTHS["phone"])  # one tab, page after page
    for group, base in sites.items():
        for url in page_urls(built / group):
            tab.goto(base + url)
            overflow = tab.evaluate("document.documentElement.scrollWidth - innerWidth")
            if overflow > 0:
                wide.append(f"{group}{url}: {overflow}px too wide")
            checked += 1
    assert wide == [] and checked > 20


SHOTS = {"home": "/", "course": "/courses/deep-learning/", "lesson": "/" + LESSON,
         # the group website's layouts (SPEC §8)
         "people": "/people/", "member": "/members/maria-jansen/",
         "projects": "/projects/", "project": "/projects/nodule-detection/",
         "vacancies": "/vacancies/", "vacancy": "/vacancies/phd-uncertainty/",
         "events": "/calendar/", "news": "/news/", "publications": "/publications/",
         "publication": "/publications/bakk26/"}


# One test per colour scheme, so that the workers of pytest-xdist share them; one tab
# each, resized as a reader would.
@pytest.mark.parametrize("mode", MODES)
def test_screenshots_for_ci_artifacts(sites: dict[str, str], open_page: Callable[..., Any],
                                      mode: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tab = open_page("about:blank", WIDTHS["desktop"], mode)
    for name, url in SHOTS.items():
        for size, width in WIDTHS.items():
            tab.set_viewport_size({"width": width, "height": 900})
            tab.goto(sites["rtc"] + url)
            path = ARTIFACTS / f"rtc-{name}-{size}-{mode}.png"
            path.unlink(missing_ok=True)
            tab.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 10_000
    assert len(list(ARTIFACTS.glob(f"rtc-*-{mode}.png"))) >= 2 * len(SHOTS)


def test_formulas_are_mathml_and_the_lesson_has_its_contents(
        sites: dict[str, str], open_page: Callable[..., Any]) -> None:
    page = open_page(sites["rtc"] + "/" + LESSON)
    assert page.locator(".prose math").count() >= 15
    outside_code = page.evaluate("""() => {
        const prose = document.querySelector('.prose').cloneNode(true);
        prose.querySelectorAll('code, pre, math').forEach(e => e.remove());
        return prose.textContent; }""")
    assert "$" not in outside_code
    assert '"$5"' in " ".join(page.locator(".prose code").all_inner_texts())  # code keeps it
    toc = page.locator("nav.toc")
    assert toc.is_visible() and "Softmax" in toc.inner_text()
    assert open_page(sites["rtc"] + "/" + LESSON, 375).locator("nav.toc").is_hidden()


def test_dark_mode_follows_the_system_and_the_switch_is_remembered(
        sites: dict[str, str], open_page: Callable[..., Any]) -> None:
    page = open_page(sites["rtc"] + "/", mode="dark")
    background = "getComputedStyle(document.body).backgroundColor"
    dark = page.evaluate(background)
    switch = page.locator(".theme-toggle")
    assert switch.inner_text() == "Auto" and "follows the system" in switch.get_attribute(
        "aria-label")
    switch.focus()
    page.keyboard.press("Enter")  # from the system's dark, the first press shows light
    light = page.evaluate(background)
    assert light != dark and light == "rgb(255, 255, 255)"
    page.reload()
    assert page.evaluate(background) == light  # remembered
    switch = page.locator(".theme-toggle")
    assert switch.inner_text() == "Light"
    switch.click()
    assert page.evaluate(background) == dark and switch.inner_text() == "Dark"
    switch.click()  # the third press goes back to following the system
    assert switch.inner_text() == "Auto" and page.evaluate(background) == dark
    assert page.evaluate("localStorage.getItem('coursesite-theme')") is None
    page.emulate_media(color_scheme="light")
    assert page.evaluate(background) == light


def test_code_copy_button_works_by_keyboard(sites: dict[str, str], browser: Any) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(sites["rtc"] + "/" + LESSON)
    button = page.locator(".highlight .copy-code").first
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('.copy-code').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("def train_step(model, images, labels, optimizer):")
    assert page.locator(".highlight .filename").first.inner_text() == "train_step.py"
    assert page.locator(".highlight .hll").count() == 2
    context.close()


def test_content_tabs_switch_by_click_and_by_keyboard_without_javascript(
        sites: dict[str, str], browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(sites["aifh"] + "/courses/research-software/environments/")
    linux = page.locator(".tabbed-block", has_text="source .venv")
    windows = page.locator(".tabbed-block", has_text="PowerShell")
    assert linux.is_visible() and windows.is_hidden()
    page.locator(".tabbed-labels label", has_text="Windows").click()
    assert windows.is_visible() and linux.is_hidden()
    page.keyboard.press("ArrowLeft")  # the tabs are one group of radio buttons
    assert linux.is_visible() and windows.is_hidden()
    focused = page.evaluate("""() => getComputedStyle(document.querySelector(
        '.tabbed-labels label'), null).outlineStyle""")
    assert focused == "solid"  # the focused tab shows it
    assert page.locator(".task-list-item input[checked]").count() == 2
    assert page.locator("kbd.key-control").inner_text() == "Ctrl"
    context.close()


def test_print_shows_the_lesson_without_navigation(sites: dict[str, str],
                                                   open_page: Callable[..., Any]) -> None:
    page = open_page(sites["rtc"] + "/courses/deep-learning/training/")
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".pager", ".breadcrumbs"):
        assert page.locator(hidden).first.is_hidden(), hidden
    after = page.evaluate("""() => {
        const a = document.querySelector('.prose a[href^="http"], .prose a[href^="/"]');
        return a ? getComputedStyle(a, '::after').content : 'no link'; }""")
    assert after.startswith('" ('), after


def test_theme_css_and_js_stay_small(built: Path) -> None:
    """Everything of the theme a page loads (the search bundle loads only when used)."""
    files = [p for p in (built / "rtc").rglob("*") if p.suffix in (".css", ".js")
             and "pagefind" not in p.parts]
    assert {p.name for p in files} == {"site.css", "highlight.css", "site.js"}
    total = sum(p.stat().st_size for p in files)
    assert total < 50_000, f"{total} bytes of CSS and JS"


def test_search_asks_every_part_of_a_large_groups_index(
        tmp_path: Path, http_server: Callable[[Path], str], open_page: Callable[..., Any]) -> None:
    site = Site(tmp_path)
    site.write("site.yaml", "groups:\n  rtc: {title: RTC, url: 'https://rtc.example.org/'}\n")
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome.\n")
    for n in range(300):  # over SHARD_PAGES (250): two parts, merged by pagefind.js
        site.page(f"notes/note-{n:03d}.md",
                  f"title: Note {n}\ngroups: rtc\n\nThe word zebra{n:03d} is here, and gnu.\n")
    assert run_cli(cwd=tmp_path).code == 0
    base = http_server(tmp_path / "output" / "rtc")
    page = open_page(base + "/")
    links, text = search(page, "gnu")
    assert "300 pages found" in text and len(links) == 10
    for n in (0, 150, 299):  # whichever part each is in
        # The last answer goes first: else it would be taken for this one's.
        page.evaluate("document.querySelector('.search-results').replaceChildren()")
        links, _ = search(page, f"zebra{n:03d}")
        assert links == [f"{base}/notes/note-{n:03d}/"]


def test_lessons_are_numbered_and_cards_without_a_picture_get_initials(built: Path) -> None:
    lesson = (built / "rtc/courses/deep-learning/training/index.html").read_text()
    assert '<p class="page-kicker" data-pagefind-ignore>Lesson 3 of 6</p>' in lesson
    course = (built / "rtc/courses/deep-learning/index.html").read_text()
    assert course.count('<p class="card-kicker">Lesson ') == 6
    assert '<p class="card-kicker">Lesson 6</p>' in course
    home = (built / "rtc/index.html").read_text()
    empty = re.findall(r'card-picture-empty" style="--hue: (\d+)" aria-hidden="true">(\w*)<', home)
    assert empty and all(initials.isupper() and 0 <= int(hue) < 360 for hue, initials in empty)
    assert len({hue for hue, _ in empty}) > 1  # a colour of each card's own


def test_on_a_phone_the_header_is_one_row_and_the_outline_one_tap_away(
        sites: dict[str, str], open_page: Callable[..., Any], browser: Any) -> None:
    page = open_page(sites["rtc"] + "/courses/deep-learning/training/", WIDTHS["phone"])
    assert page.evaluate("document.querySelector('.site-header').offsetHeight") <= 64
    nav, menu = page.locator(".site-nav"), page.locator(".menu-toggle")
    assert nav.is_hidden() and menu.get_attribute("aria-expanded") == "false"
    menu.focus()
    page.keyboard.press("Enter")
    assert nav.is_visible() and menu.get_attribute("aria-expanded") == "true"
    menu.click()
    assert nav.is_hidden()
    outline = page.locator(".outline > summary")
    assert outline.bounding_box()["y"] < 200  # at the top of the lesson, above its title
    lessons = page.locator(".outline ol")
    assert lessons.is_hidden()
    outline.click()
    assert lessons.is_visible() and page.locator(".outline [aria-current]").inner_text() == (
        "Training a network")
    # Without JavaScript nothing is folded away: the links and the outline are there.
    context = browser.new_context(viewport={"width": WIDTHS["phone"], "height": 800},
                                  java_script_enabled=False)
    bare = context.new_page()
    bare.goto(sites["rtc"] + "/courses/deep-learning/training/")
    assert bare.locator(".site-nav").is_visible() and bare.locator(".outline ol").is_visible()
    assert bare.locator(".menu-toggle").is_hidden()
    context.close()
    # On a laptop the outline is the sidebar, always open, with no summary to click.
    wide = open_page(sites["rtc"] + "/courses/deep-learning/training/", WIDTHS["desktop"])
    assert wide.locator(".outline ol").is_visible()
    assert wide.locator(".outline > summary").is_hidden()
    assert wide.locator(".menu-toggle").is_hidden() and wide.locator(".site-nav").is_visible()


def test_search_finds_no_page_for_a_word_in_none_and_clean_excerpts_that_fit_a_phone(
        sites: dict[str, str], open_page: Callable[..., Any]) -> None:
    page = open_page(sites["rtc"] + "/", 320)
    page.click(".menu-toggle")
    links, text = search(page, "xyzzy")  # Pagefind alone answered a lesson with an "x"
    assert links == [] and "Nothing found" in text
    page.fill("#search-input", "")
    links, text = search(page, "convolution")
    assert sites["rtc"] + "/courses/deep-learning/convolutional-networks/" in links
    # No heading's "#", no "Lesson 4 of 6" and no date glued to the words.
    assert "#" not in text and "Lesson 4 of 6" not in text and "min read" not in text
    box = page.locator(".search-results").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    page.focus("#search-input")
    page.keyboard.press("ArrowDown")  # from the box to the first result, and back
    assert page.evaluate("document.activeElement.href") == links[0]
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-input"
