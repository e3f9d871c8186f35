"""Group websites (SPEC §8): people, projects, vacancies, events and news, built as a
user builds them, and read as a reader sees them.

One build (as of 2 December 2026) is shared by the tests that only read it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Result, Site, run_cli

SITE_YAML = """\
groups:
  lab:
    title: The Lab
    url: https://lab.example.org/
    nav:
      - {title: People, url: /people/}
      - {title: Events, url: /events/}
"""

PAGES = {
    "index.md": "title: The Lab\ngroups: lab\n\nWelcome.\n",
    "people.md": "title: People\ntemplate: people\ngroups: lab\n\nWho we are.\n",
    "projects.md": "title: Projects\ntemplate: projects\ngroups: lab\n",
    "vacancies.md": "title: Vacancies\ntemplate: vacancies\ngroups: lab\n",
    "students.md": "title: Student projects\ntemplate: student-vacancies\ngroups: lab\n",
    "events.md": "title: Events\ntemplate: calendar-archive\ngroups: lab\n",
    "news.md": "title: News\ntemplate: news-archive\ngroups: lab\n",
    "members/ann-smith.md": """\
        title: Ann Smith
        name: Ann Smith
        template: people-single
        picture: people/ann.png
        position: Associate Professor
        type: faculty
        groups: lab
        email: ann@example.org
        office: Room 2.31
        telephone: +31 24 123 4567
        scholar: https://scholar.google.com/citations?user=x
        orcid: https://orcid.org/0000-0000-0000-0001

        Ann leads the lab.
        """,
    "members/bo-li.md": "title: Bo Li\nname: Bo Li\ntemplate: people-single\n"
                        "position: PhD Candidate\ntype: phd\ngroups: lab\n\nBo segments.\n",
    "members/cy-old.md": "title: Cy Old\nname: Cy Old\ntemplate: people-single\n"
                         "position: Postdoc\ntype: postdoc\nactive: no\ngroups: lab\n",
    "projects/seg.md": "title: Segmentation\ntemplate: project-single\n"
                       "people: Ann Smith, Bo Li, Someone Else\ngroups: lab\n"
                       "description: Outlining organs.\n\nA project.\n",
    "vacancies/phd.md": "title: PhD position\ntemplate: vacancy-single\nclosed: false\n"
                        "people: Ann Smith\ngroups: lab\n\nApply.\n",
    "vacancies/old.md": "title: Old position\ntemplate: vacancy-single\nclosed: true\n"
                        "groups: lab\n\nGone.\n",
    "vacancies/msc.md": "title: Master project\ntemplate: vacancy-single\ntype: student\n"
                        "groups: lab\n\nFor students.\n",
    "calendar/defence.md": "title:\ndate: 2027-03-01\ngroups: lab\n"
                           "content_before: [member/bo-li] will defend a thesis.\n"
                           "content_after: Bo Li defended a thesis.\n",
    "calendar/talk.md": "title:\ndate: 2025-03-01\ngroups: lab\n"
                        "content_after: A talk by **Ann**.\n",
    "news/grant.md": "title: A grant\ndate: 2026-05-01\ngroups: lab\n\nWe got a grant.\n",
    "news/prize.md": "title: A prize\ndate: 2026-09-01\ngroups: lab\n\nWe won a prize.\n",
}


def make_site(root: Path) -> Site:
    site = Site(root)
    site.write("site.yaml", SITE_YAML.replace("groups:\n", "link_tags: {member: members}\n"
                                              "groups:\n", 1))
    for rel, text in PAGES.items():
        site.page(rel, text)
    site.image("people/ann.png", (300, 300))
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("groupsite")
    make_site(root)
    result = run_cli("--date", "2026-12-02", cwd=root)
    assert result.code == 0, result.err
    return root / "output" / "lab"


def main_of(out: Path, rel: str) -> str:
    text = (out / rel).read_text(encoding="utf-8")
    return text[text.index("<main"):text.index("</main>")]


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_people_are_grouped_by_type_with_former_members_apart(built: Path) -> None:
    shown = words(main_of(built, "people/index.html"))
    assert shown.index("Faculty") < shown.index("Ann Smith") < shown.index("PhD candidates") \
        < shown.index("Bo Li") < shown.index("Former members") < shown.index("Cy Old")
    assert "Associate Professor" in shown and "Who we are." in shown
    html = main_of(built, "people/index.html")
    assert 'href="/members/ann-smith/"' in html
    assert re.search(r'<img class="person-photo" src="/images/people/ann\.[^"]+"', html)
    assert 'person-initials" aria-hidden="true">BL<' in html  # no picture: initials


def test_a_member_page_shows_contact_profiles_and_projects(built: Path) -> None:
    html = main_of(built, "members/ann-smith/index.html")
    assert '<a href="mailto:ann@example.org">ann@example.org</a>' in html
    assert '<a href="tel:+31241234567">+31 24 123 4567</a>' in html
    assert "Room 2.31" in words(html)
    assert re.search(r'href="https://orcid.org/0000-0000-0000-0001">.*?ORCID</a>', html,
                     re.DOTALL)
    assert 'alt="Portrait of Ann Smith"' in html
    projects = html[html.index('id="projects-heading"'):]
    assert 'href="/projects/seg/"' in projects


def test_no_item_gets_lesson_navigation(built: Path) -> None:
    for rel in ("members/bo-li/index.html", "projects/seg/index.html",
                "vacancies/phd/index.html", "news/grant/index.html"):
        html = main_of(built, rel)
        assert 'class="pager"' not in html and 'class="sidebar"' not in html, rel
    home = words(main_of(built, "index.html"))
    assert "Bo Li" not in home and "A grant" not in home  # no "More to read" of items


def test_a_projects_people_link_to_their_pages(built: Path) -> None:
    html = main_of(built, "projects/seg/index.html")
    assert '<a href="/members/ann-smith/">Ann Smith</a>, <a href="/members/bo-li/">Bo Li</a>' \
           ', Someone Else' in html


def test_open_vacancies_come_first_closed_apart_students_on_their_own(built: Path) -> None:
    shown = words(main_of(built, "vacancies/index.html"))
    assert shown.index("Open positions") < shown.index("PhD position") \
        < shown.index("Closed") < shown.index("Old position")
    assert "Master project" not in shown
    assert "Master project" in words(main_of(built, "students/index.html"))
    assert "Closed" in words(main_of(built, "vacancies/old/index.html"))


def test_events_are_upcoming_or_past_as_of_the_build_date(built: Path) -> None:
    html = main_of(built, "events/index.html")
    upcoming, past = html.split('id="shelf-2"')
    assert '<a href="/members/bo-li/">Bo Li</a> will defend a thesis.' in upcoming
    assert "A talk by <strong>Ann</strong>." in past
    assert not (built / "calendar").exists()  # items with an empty title have no page


def test_news_is_newest_first(built: Path) -> None:
    shown = words(main_of(built, "news/index.html"))
    assert shown.index("A prize") < shown.index("A grant")


def test_the_build_date_moves_events_and_the_same_date_gives_the_same_bytes(
        tmp_path: Path) -> None:
    make_site(tmp_path)
    later = run_cli("--date", "2027-06-01", cwd=tmp_path)
    assert later.code == 0, later.err
    events = tmp_path / "output" / "lab" / "events" / "index.html"
    html = events.read_text(encoding="utf-8")
    assert "Upcoming" not in words(html) and "Bo Li defended a thesis." in html
    first = events.read_bytes()
    # SOURCE_DATE_EPOCH (1 June 2027, 12:00 UTC) is the same day: the same bytes.
    again = run_cli(cwd=tmp_path, env={"SOURCE_DATE_EPOCH": "1811851200"})
    assert again.code == 0, again.err
    assert events.read_bytes() == first
    wrong = run_cli(cwd=tmp_path, env={"SOURCE_DATE_EPOCH": "soon"})
    assert wrong.code == 2 and "SOURCE_DATE_EPOCH='soon'" in wrong.err


def test_a_broken_link_in_an_event_is_reported_at_the_event(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    site.page("calendar/talk.md", "title:\ndate: 2025-03-01\ngroups: lab\n"
                                  "content_after: See [the slides](slides.md).\n")
    result: Result = run_cli("--date", "2026-12-02", cwd=tmp_path)
    assert result.code == 1
    assert "content/calendar/talk.md:4: error: link 'slides.md'" in result.err
    assert "content/events.md" not in result.err


def test_a_tag_in_an_events_header_text_is_reported_at_its_line(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    site.page("members/ann.md", "title: Ann\ngroups: lab\n\nAnn.\n")
    site.page("calendar/talk.md", "title:\ndate: 2025-03-01\ngroups: lab\n"
                                  "content_after: A talk by [member/ann]\n"
                                  "    and [member/nobody].\n")
    result: Result = run_cli("--date", "2026-12-02", cwd=tmp_path)
    assert result.code == 1
    assert "content/calendar/talk.md:5: error: '[member/nobody]' names no page" in result.err


def news_site(root: Path, count: int, paginate: int | None) -> Site:
    site = make_site(root)
    if paginate is not None:
        site.write("site.yaml", f"paginate: {paginate}\n" + (root / "site.yaml").read_text())
    for n in range(1, count + 1):
        site.page(f"news/item-{n}.md", f"title: Item {n}\ndate: 2026-01-{n:02d}\ngroups: lab\n"
                                       f"\nNews number {n}.\n")
    return site


def titles_on(out: Path, rel: str) -> list[str]:
    return re.findall(r"(Item \d+|A prize|A grant)</a>", main_of(out, rel))


def test_news_is_paginated_newest_first_with_links_between_the_pages(tmp_path: Path) -> None:
    news_site(tmp_path, 5, paginate=3)  # with the two of PAGES: 7 items, 3 pages
    result = run_cli("--date", "2026-12-02", cwd=tmp_path)
    assert result.code == 0, result.err  # every link between the pages resolves
    out = tmp_path / "output" / "lab"
    pages = [titles_on(out, rel) for rel in
             ("news/index.html", "news/page/2/index.html", "news/page/3/index.html")]
    assert pages == [["A prize", "A grant", "Item 5"], ["Item 4", "Item 3", "Item 2"],
                     ["Item 1"]]
    assert not (out / "news/page/4").exists() and not (out / "news/page/1").exists()
    middle = main_of(out, "news/page/2/index.html")
    assert 'rel="prev" href="/news/"' in middle and 'rel="next" href="/news/page/3/"' in middle
    assert '<span aria-current="page">2</span>' in middle
    assert "News, page 2" in (out / "news/page/2/index.html").read_text(encoding="utf-8")
    # The count is of all the news, not of one page's.
    assert re.search(r'class="count">7<', main_of(out, "news/index.html"))
    # A new item moves one down every page: the later pages are rebuilt with it.
    Site(tmp_path).page("news/item-6.md", "title: Item 6\ndate: 2026-11-01\ngroups: lab\n\nNew.\n")
    assert run_cli("--date", "2026-12-02", cwd=tmp_path).code == 0
    assert titles_on(out, "news/page/3/index.html") == ["Item 2", "Item 1"]


def test_paginate_0_puts_all_news_on_one_page(tmp_path: Path) -> None:
    news_site(tmp_path, 12, paginate=0)
    assert run_cli("--date", "2026-12-02", cwd=tmp_path).code == 0
    out = tmp_path / "output" / "lab"
    assert len(titles_on(out, "news/index.html")) == 14 and not (out / "news/page").exists()


def test_a_bad_paginate_is_an_error_at_its_line(tmp_path: Path) -> None:
    news_site(tmp_path, 1, paginate=-1)
    result = run_cli(cwd=tmp_path)
    assert result.code == 2 and "site.yaml:1:" in result.err and "paginate" in result.err


def test_a_page_at_a_later_pages_url_is_an_error_at_that_page(tmp_path: Path) -> None:
    site = news_site(tmp_path, 5, paginate=3)
    site.page("news/page/2.md", "title: In the way\ngroups: lab\n\nA page of its own.\n")
    result = run_cli("--date", "2026-12-02", cwd=tmp_path)
    assert result.code == 1
    assert ("content/news/page/2.md:1: error: 'news/page/2/' is also the URL of page 2 of "
            "the listing content/news.md") in result.err
