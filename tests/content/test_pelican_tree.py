"""A tree laid out the Pelican way (SPEC §7) builds as it is: tests/pelican/tree, written
in the style of DIAGNijmegen/website-content, with a site.yaml of only §7's keys.

One build of it is shared by the tests that only read what it wrote.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, Result, Site, run_cli

TREE = REPO / "tests" / "pelican" / "tree"

# Which pages land in which site, at which URL: the golden answer.
PAGES = {
    "diag": {
        "404.html", "index.html", "about/index.html", "alumni/index.html", "contact/index.html",
        "highlights/index.html", "highlights/2026-grant/index.html", "members/index.html",
        "presentations/midl-talk/index.html",
        "people/noor-peeters/index.html", "people/sem-de-wit/index.html",
        "projects/lung-screening/index.html", "software/segmenter/index.html",
        "vacancies/phd-detection/index.html"},
    "rtc": {
        "404.html", "index.html", "contact/index.html", "courses/index.html",
        "courses/intro/index.html", "members/noor-peeters/index.html",
        "news/index.html", "news/2026-grant/index.html", "projects/lung-screening/index.html",
        "publications/peet19/index.html", "vacancies/phd-detection/index.html"},
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    root = tmp_path_factory.mktemp("pelican") / "tree"
    shutil.copytree(TREE, root)
    return root, run_cli(cwd=root)


def html(built: tuple[Path, Result], group: str, rel: str) -> str:
    return (built[0] / "output" / group / rel).read_text(encoding="utf-8")


def test_the_tree_builds_with_no_error(built: tuple[Path, Result]) -> None:
    _, result = built
    assert result.code == 0, result.err
    assert "error" not in result.err


@pytest.mark.parametrize("group", sorted(PAGES))
def test_each_page_lands_in_its_sites_at_its_url(built: tuple[Path, Result], group: str) -> None:
    out = built[0] / "output" / group
    written = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert written == PAGES[group]


def test_a_sites_own_page_is_in_that_site_alone_whatever_its_header_says(
        built: tuple[Path, Result]) -> None:
    assert "The lab builds tools" in html(built, "diag", "about/index.html")
    assert ("website-diag/content/pages/about.md:2: warning: the page is in group diag's own "
            "content folder: it is built into diag alone, not rtc") in built[1].err


def test_a_sites_own_page_replaces_a_default_at_its_url(built: tuple[Path, Result]) -> None:
    assert "The RTC desk answers" in html(built, "rtc", "contact/index.html")
    assert "Write to the lab office" in html(built, "diag", "contact/index.html")


def test_a_default_page_is_in_the_sites_whose_nav_names_it(built: tuple[Path, Result]) -> None:
    assert "Everyone who works at the lab" in html(built, "diag", "members/index.html")
    assert not (built[0] / "output" / "rtc" / "members" / "index.html").exists()


def test_url_patterns_place_a_folder_in_one_site_and_links_follow(
        built: tuple[Path, Result]) -> None:
    diag = html(built, "diag", "projects/lung-screening/index.html")
    assert '<a href="/people/noor-peeters/">Noor Peeters</a>' in diag
    rtc = html(built, "rtc", "projects/lung-screening/index.html")
    assert '<a href="/members/noor-peeters/">Noor Peeters</a>' in rtc
    # Sem is in diag only: from rtc, the link goes to his page there.
    assert '<a href="https://diag.example.org/people/sem-de-wit/">Sem de Wit</a>' in rtc


def test_a_member_tag_shows_the_members_name(built: tuple[Path, Result]) -> None:
    about = html(built, "diag", "about/index.html")
    assert '<a href="/people/noor-peeters/">Noor Peeters</a>' in about


def test_a_tag_that_pelicans_plugin_did_not_match_stays_as_it_was_written(
        built: tuple[Path, Result]) -> None:
    # Its slugs are letters, digits and hyphens: `[member/reader_2]` was never a tag.
    project = html(built, "diag", "projects/lung-screening/index.html")
    assert "first read by [member/reader_2] in 2019" in project
    assert "reader_2" not in built[1].err


def test_a_page_with_no_groups_is_left_out_with_a_warning(built: tuple[Path, Result]) -> None:
    assert "content/pages/orphan.md:1: warning: the page names no groups: it is left out" \
        in built[1].err
    assert not list((built[0] / "output").rglob("orphan"))


def test_an_excluded_file_is_no_page(built: tuple[Path, Result]) -> None:
    assert "half-done" not in built[1].err  # it has no title: as a page, it would fail
    assert not list((built[0] / "output").rglob("half-done"))


def test_a_data_only_item_gets_no_page(built: tuple[Path, Result]) -> None:
    assert not list((built[0] / "output").rglob("defence-sem*"))
    assert "defence-sem" not in built[1].err


def test_a_lazy_loaded_image_is_published_with_a_real_src(built: tuple[Path, Result]) -> None:
    page = html(built, "diag", "vacancies/phd-detection/index.html")
    assert '<img src="/images/people/noor.png" class="lazy"' in page
    assert (built[0] / "output" / "diag" / "images" / "people" / "noor.png").is_file()


def test_email_links_are_left_alone(built: tuple[Path, Result]) -> None:
    # Markdown writes the autolink <lab-office@example.org> with its letters as entities.
    page = html(built, "diag", "projects/lung-screening/index.html")
    assert "&#64;" in page and "lab-office" not in built[1].err
    vacancy = html(built, "diag", "vacancies/phd-detection/index.html")
    assert 'href="mailto:lab-office@example.org"' in vacancy


def test_a_header_ended_by_a_comment_line_starts_the_body_there(
        built: tuple[Path, Result]) -> None:
    page = html(built, "diag", "software/segmenter/index.html")
    assert "<!--- a note for editors" in page and "Segmenter outlines organs" in page
    assert ("content/pages/software/segmenter.md:3: warning: the header ends at '<!--- a note "
            "for editors: keep this page short -->'") in built[1].err


def test_pelican_links_to_pages_and_static_files_resolve(built: tuple[Path, Result]) -> None:
    intro = html(built, "rtc", "courses/intro/index.html")
    assert '<a href="/members/noor-peeters/">Noor</a>' in intro
    assert 'src="/images/people/noor.png"' in intro
    assert '<a href="/images/people/noor.png">photo</a>' in intro  # {filename} to a file
    assert (built[0] / "output" / "rtc" / "images" / "people" / "noor.png").is_file()


def test_save_as_makes_the_sites_own_404_page(built: tuple[Path, Result]) -> None:
    page = html(built, "diag", "404.html")
    assert "<h1>Not found</h1>" in page and '<a href="/about/">about page</a>' in page
    assert "Page not found" in html(built, "rtc", "404.html")  # the theme's


# -- mistakes in such a tree -----------------------------------------------------------


def test_a_member_tag_to_nobody_is_an_error_at_its_line(site: Site) -> None:
    site.write("site.yaml", "link_tags: {member: members}\ngroups:\n"
               "  rtc: {title: R, url: 'https://r.org/'}\n")
    site.page("pages/members/ann.md", "title: Ann\ngroups: rtc\n\nHi.\n")
    site.page("pages/about.md", "title: About\ngroups: rtc\n\nMeet [member/ann].\n"
              "And [member/anne-x].\n")
    result = site.build()
    assert result.code == 1
    assert "content/pages/about.md:5: error: '[member/anne-x]' names no page" in result.err


def test_ungrouped_pages_are_errors_unless_skipped(site: Site) -> None:
    site.write("site.yaml", "groups:\n  rtc: {title: R, url: 'https://r.org/'}\n")
    site.page("pages/a.md", "title: A\n\nText.\n")
    result = site.build()
    assert result.code == 1
    assert "content/pages/a.md:1: error: the page names no groups" in result.err
    assert "'ungrouped: skip' in site.yaml leaves such pages out" in result.err


def test_a_groups_content_folder_that_is_not_there_is_a_site_yaml_error(site: Site) -> None:
    site.write("site.yaml", "groups:\n  rtc:\n    title: R\n    url: 'https://r.org/'\n"
               "    content: website-rtc/content\n")
    site.page("a.md", "title: A\ngroups: rtc\n\nText.\n")
    result = site.build()
    assert result.code == 2
    assert ("site.yaml:5: error: group rtc's content folder website-rtc/content does not exist"
            in result.err)


def test_a_url_pattern_with_an_unknown_part_is_a_site_yaml_error(site: Site) -> None:
    site.write("site.yaml", "groups:\n  rtc:\n    title: R\n    url: 'https://r.org/'\n"
               "    urls:\n      members: 'people/{name}/'\n")
    site.page("a.md", "title: A\ngroups: rtc\n\nText.\n")
    result = site.build()
    assert result.code == 2
    assert "site.yaml:6: error: unknown part '{name}' in URL pattern 'people/{name}/'" \
        in result.err


# -- the migration check: the tree without §7's keys -------------------------------------


def test_check_names_the_key_that_fixes_each_gap(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    shutil.copytree(TREE, root)
    (root / "site.yaml").write_text(
        "groups:\n  diag:\n    title: D\n    url: https://diag.example.org/\n"
        "    nav:\n      - {title: Members, url: /members/}\n"
        "  rtc: {title: R, url: 'https://rtc.example.org/'}\n", encoding="utf-8")
    (root / "website-diag" / "pelicanconf.py").write_text(
        "SITENAME = 'D'\nARTICLE_URL = 'highlights/{slug}/'\nPAGE_MEMBERS_URL = 'people/{slug}/'\n"
        "PAGE_LANG_URL = '{lang}/{slug}/'\nPAGE_PROJECTS_URL = 'projects/{slug}/'\n"
        "INDEX_SAVE_AS = 'highlights/index.html'\n", encoding="utf-8")
    result = run_cli("check", cwd=root)
    assert result.code == 1
    err = result.err
    assert ("website-rtc/content: warning: 6 pages here are in no content folder: not built\n"
            "    hint: add 'content: website-rtc/content' to group rtc in site.yaml") in err
    assert "hint: add 'content: website-diag/content' to group diag in site.yaml" in err
    assert ("website-diag/pelicanconf.py:2: warning: articles (the news folder) are at "
            "'highlights/{slug}/'") in err
    assert "hint: add to group diag in site.yaml: urls: {news: 'highlights/{slug}/'}" in err
    assert ("website-diag/pelicanconf.py:3: warning: pages of members/ are at 'people/{slug}/' "
            "on diag's Pelican site, at members/{slug}/ here\n"
            "    hint: add to group diag in site.yaml: urls: {members: 'people/{slug}/'}") in err
    assert "pages of lang/" not in err and "pages of projects/" not in err
    assert "INDEX_SAVE_AS" not in err and "list of articles" not in err  # made anyway
    assert ("content/pages/projects/lung-screening.md:7: error: '[member/noor-peeters]' names "
            "no page\n    hint: a page 'noor-peeters' is in folder members: add "
            "'link_tags: {member: members}' to site.yaml") in err
    assert "'ungrouped: skip' in site.yaml leaves such pages out" in err
    assert "a file that is no page is left out by 'exclude:' in site.yaml" in err
    assert not (root / "output").exists()


def test_escaped_tags_are_links_and_players_as_pelicans_plugin_made_them(
        built: tuple[Path, Result]) -> None:
    sem = html(built, "diag", "people/sem-de-wit/index.html")
    assert 'with <a href="/people/noor-peeters/">Noor Peeters</a> as supervisor' in sem
    project = html(built, "diag", "projects/lung-screening/index.html")
    assert "youtube-nocookie.com/embed/a1B2c3D4e5F" in project
    assert "\\[youtube" not in project and "[youtube" not in project


def test_a_header_line_with_no_space_after_the_colon_is_read(
        built: tuple[Path, Result]) -> None:
    # `title:Finding…`, as Python-Markdown's meta extension reads it.
    talk = html(built, "diag", "presentations/midl-talk/index.html")
    assert "<h1>Finding nodules in a stream of scans</h1>" in talk


def test_a_date_pelican_reads_is_read_as_pelican_reads_it(built: tuple[Path, Result]) -> None:
    # dateutil, month first: 11-03-2018 is 3 November 2018 on the real site too.
    talk = html(built, "diag", "presentations/midl-talk/index.html")
    assert '<time datetime="2018-11-03">' in talk


def test_a_group_no_site_of_this_yaml_builds_is_a_warning_a_near_miss_an_error(
        built: tuple[Path, Result], tmp_path: Path) -> None:
    assert ("content/pages/presentations/midl-talk.md:4: warning: site.yaml has no group "
            "'cara-lab': the page is built without it") in built[1].err
    assert ("content/pages/news/cara-survey.md:3: warning: site.yaml has no group 'cara-lab': "
            "the page is in none of the groups built here: it is left out") in built[1].err
    root = tmp_path / "tree"
    shutil.copytree(TREE, root)
    talk = root / "content/pages/presentations/midl-talk.md"
    talk.write_text(talk.read_text().replace("cara-lab", "dig"))
    result = run_cli(cwd=root)
    assert result.code == 1
    assert ("content/pages/presentations/midl-talk.md:4: error: unknown group 'dig'\n"
            "    hint: did you mean 'diag'?") in result.err


def test_layouts_of_the_real_theme_that_this_one_lacks_stand_in_for_them(
        built: tuple[Path, Result]) -> None:
    # presentation-single is shown as a page, people-former as the people listing.
    assert "A talk at MIDL" in html(built, "diag", "presentations/midl-talk/index.html")
    alumni = html(built, "diag", "alumni/index.html")
    assert 'href="/people/noor-peeters/"' in alumni and "Everyone who once worked" in alumni


def test_a_page_saved_as_index_html_with_the_home_layout_is_the_sites_home(
        built: tuple[Path, Result]) -> None:
    home = html(built, "rtc", "index.html")
    assert "<h1>Deep learning for health care</h1>" in home
    assert '<div class="alert">The spring course is full' in home


def test_a_publication_page_made_from_bibtex_elsewhere_shows_its_header(
        built: tuple[Path, Result]) -> None:
    page = html(built, "rtc", "publications/peet19/index.html")
    assert "<h1>Nodule detection in low-dose CT with few labels</h1>" in page
    assert "N. Peeters and S. de Wit" in page
    assert "Medical Image Analysis 2019;52:1-10" in page  # pub_details, as text
    assert '<a href="https://doi.org/10.1000/example.peet19">DOI</a>' in page
    assert "javascript:" not in page  # a header's pmid that is no web address is no link
    assert "finds nine in ten nodules" in page  # the abstract: the body


def test_an_event_with_an_empty_title_is_data_for_the_calendar_only(
        built: tuple[Path, Result]) -> None:
    # calendar/defence-noor.md: `title:` empty, its text in the body; no page, no error.
    assert not list((built[0] / "output" / "diag").glob("calendar/defence-noor*"))
    assert "defence-noor" not in built[1].err


def test_a_page_with_no_title_is_left_out_with_a_warning_as_pelican_does(
        built: tuple[Path, Result]) -> None:
    # website-rtc/content/pages/customers.md has no header at all (`ungrouped: skip`).
    assert ("website-rtc/content/pages/customers.md:1: warning: the page has no title: "
            "it is left out") in built[1].err
    assert not (built[0] / "output" / "rtc" / "customers").exists()


def test_an_image_path_with_a_double_slash_is_found_and_written_as_one_path(
        built: tuple[Path, Result]) -> None:
    talk = html(built, "diag", "presentations/midl-talk/index.html")
    assert '<img src="/images/people/noor.png" alt="Noor at the poster"' in talk
    assert "srcset=" in talk


def test_the_folder_of_the_news_items_is_their_listing(built: tuple[Path, Result]) -> None:
    # diag's news items are at highlights/<slug>/, with no page at highlights/: Pelican's
    # INDEX_SAVE_AS made the article index there, and so does coursesite (its title from
    # the nav entry at that URL); rtc's are at news/<slug>/, with no nav entry.
    listing = html(built, "diag", "highlights/index.html")
    assert "<h1>Highlights</h1>" in listing
    assert 'href="/highlights/2026-grant/"' in listing
    news = html(built, "rtc", "news/index.html")
    assert "<h1>News</h1>" in news and 'href="/news/2026-grant/"' in news
    assert not (built[0] / "output" / "diag" / "news" / "index.html").exists()


def test_a_sites_own_news_copy_replaces_the_shared_news_item(built: tuple[Path, Result]) -> None:
    # website-diag/content/news/2026-grant.md is where the copy script put
    # content/pages/news/2026-grant.md: one item at one URL, the site's own copy.
    assert "runs for four years" in html(built, "diag", "highlights/2026-grant/index.html")
    assert "runs for four years" not in html(built, "rtc", "news/2026-grant/index.html")
    assert "also the URL of" not in built[1].err


def test_a_page_of_sites_this_yaml_does_not_build_is_not_checked_further(
        built: tuple[Path, Result]) -> None:
    # news/cara-survey.md is cara-lab's alone; its picture is on that site, not here.
    assert ("content/pages/news/cara-survey.md:3: warning: site.yaml has no group "
            "'cara-lab'") in built[1].err
    assert "cara_survey_chart" not in built[1].err
    assert not list((built[0] / "output").rglob("cara-survey*"))
