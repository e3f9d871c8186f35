"""Every key of site.yaml, declared once: one table per mapping.

Each `Key` gives the key's name, its kind (schema.py), its default as site.yaml
would write it, and what it is for. The loader (site.py) takes the keys a
mapping may hold, the type checks and the defaults from here and nowhere else;
tests/config/test_options.py checks the README's reference against these tables.

A new key is one `Key(...)` in its table, plus the code that uses its value:
the field of that name on the model in site.py (or `field=` to name another)
and whatever reads it.
"""

from __future__ import annotations

import re

from coursesite.config.extensions import MarkdownExtensions
from coursesite.config.schema import (
    REQUIRED,
    Choice,
    Flag,
    Folder,
    Globs,
    Integer,
    Integers,
    Key,
    ListOf,
    Named,
    Names,
    Nullable,
    Section,
    Table,
    Text,
    Url,
    UrlOrPath,
    UrlPattern,
)

GROUP_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
IMAGE_FORMATS = ("webp", "avif")
# A folder of content, as `urls:` and `link_tags:` name it: 'members', 'pages/members'.
FOLDER_NAME = re.compile(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$")
TAG_NAME = re.compile(r"^[A-Za-z0-9_-]+$")

NAV = Table((
    Key("title", Text(), REQUIRED, "the link's text"),
    Key("url", Text(), REQUIRED, "where it goes: a path of the site such as /courses/, or a URL"),
), missing="a nav entry needs both {required}")

# Either target or command is given; site.py checks that, and the target itself.
PUBLISH = Table((
    Key("target", Text(), None, "a folder, file://, ssh://, rsync://, git+...#branch or s3:// URL"),
    Key("command", Text(), None, "instead of a target: a command, with {output} and {group}"),
    Key("endpoint_url", Text(), None, "the endpoint of an S3-compatible host (MinIO, R2, ...)"),
    Key("region", Text(), None, "the region of an S3 bucket"),
))

GROUP = Table((
    Key("title", Text(), REQUIRED, "the name of the group's site"),
    Key("url", Url(), REQUIRED, "the canonical base URL (sitemap, og:url, feeds)"),
    Key("imgurl", Nullable(UrlOrPath()), None,
        "the value of {{ IMGURL }}; else the path part of url"),
    Key("description", Text(), "",
        "the description of pages that have none (meta, social cards)"),
    Key("picture", Nullable(Text()), None,
        "the social image of pages that have none, a path in content/images/"),
    Key("nav", Nullable(ListOf(Section(NAV))), [], "the links of the top navigation"),
    Key("publish", Nullable(Section(PUBLISH, short="target")), None,
        "where `build-site publish` sends the group; `publish: TARGET` is short for a target"),
    Key("content", Nullable(Folder()), None,
        "the group's own pages (e.g. website-rtc/content), laid out like content/",
        field="content_dir"),
    Key("urls", Nullable(Named(UrlPattern(), "folder", FOLDER_NAME,
                               rule="name a folder of pages, e.g. members or pages/members")),
        {}, "URL patterns of a folder's pages in this group, e.g. members: people/{slug}/"),
), missing="group '{name}' has no '{key}'")

IMAGES = Table((
    Key("widths", Integers(16, 8000), [480, 800, 1200, 1600],
        "the widths of the srcset candidates; never wider than the original"),
    Key("formats", Names(IMAGE_FORMATS, what="image format"), ["webp"],
        "the formats of the srcset variants"),
    Key("quality", Integer(1, 100), 80, "the quality of lossy formats (WebP, AVIF, JPEG)"),
    Key("thumbnail", Integers(16, 8000, count=2), [640, 360],
        "the width and height of card pictures, cropped around the centre"),
    Key("sizes", Text(), "(max-width: 46rem) 100vw, 46rem", "the <img sizes> of content images"),
))

# site.yaml is read before its own limits are known: it is held to this default.
YAML_NODES = 100_000

# What any one input may cost, so that no page, header or image can hang a build
# or exhaust memory; a site that needs more raises its limit (README: Limits).
LIMITS = Table((
    Key("render_seconds", Integer(1, 3600), 10,
        "the time one page's body may take to render: its Jinja2 part, and its Markdown"),
    Key("render_steps", Integer(1000, 10**9), 1_000_000,
        "the loop rounds and calls one page's body may make"),
    Key("render_chars", Integer(1000, 10**9), 5_000_000,
        "the characters a page's rendered body, or any text made in it, may have"),
    Key("nesting", Integer(4, 100), 50,
        "how deep lists, quotes, <div markdown> and [brackets] may nest in a page"),
    Key("yaml_nodes", Integer(100, 10**7), YAML_NODES,
        "the values a page header may hold, aliases counted at each use"),
    Key("image_pixels", Integer(10**6, 10**10), 89_478_485,
        "the pixels (width x height) an image may have"),
    Key("search_seconds", Integer(1, 86400), 600, "the time Pagefind may take for one group"),
    Key("publish_seconds", Integer(1, 86400), 3600,
        "the time git, rsync or a publish command may take for one group"),
    Key("page_bytes", Integer(10_000, 10**9), 10_000_000,
        "the bytes one page file may have; a larger one is not read"),
    Key("attachment_bytes", Integer(1000, 10**11), 100_000_000,
        "the bytes one file that a page links to (a handout, a notebook) may have"),
))

# In the order they are checked: with groups first, a site.yaml with no groups says so.
SITE = Table((
    Key("groups", Named(Section(GROUP), "group", GROUP_NAME, ("all",),
                        "use lower-case letters, digits, '-' and '_'; 'all' is reserved"),
        REQUIRED, "one site per group, at least one",
        hint="add 'groups:' with at least one group, "
             "e.g. 'rtc: {title: RTC, url: https://rtc.example.org/}'"),
    Key("default_groups", Names(), [],
        "the groups of pages with no `groups:`; empty: such a page is an error"),
    Key("content", Folder(), "content", "the pages, and content/images/", field="content_dir"),
    Key("templates", Folder(), "templates", "layouts that override the theme's",
        field="templates_dir"),
    Key("static", Folder(), "static", "files copied into every group's output",
        field="static_dir"),
    Key("output", Folder(), "output", "where the build writes output/<group>/",
        field="output_dir"),
    Key("cache", Folder(), ".cache", "processed images and the build state, outside the output",
        field="cache_dir"),
    Key("images", Nullable(Section(IMAGES)), {}, "how images are processed"),
    Key("limits", Nullable(Section(LIMITS)), {}, "what any one page, image or program may cost"),
    Key("exclude", Globs(), [],
        "globs of files under each content folder that are not pages, e.g. pages/drafts/**"),
    Key("ungrouped", Choice(("error", "skip")), "error",
        "a page whose header names no groups: an error, or left out with a warning (and then "
        "a page with no title too, as Pelican leaves it out)"),
    Key("link_tags", Nullable(Named(Text(), "tag", TAG_NAME,
                                    rule="a tag is letters, digits, '-' and '_'")), {},
        "[tag/slug] links to page slug of a folder, e.g. member: members"),
    Key("list_fields", Names(lower=True), [],
        "header keys whose text is split on commas, e.g. [people, bibkeys]"),
    Key("markdown_extensions", MarkdownExtensions(), [],
        "more Python-Markdown extensions for every page, e.g. [pymdownx.smartsymbols]; "
        "an item may be a name with its options, as in mkdocs.yml"),
    Key("language", Text(), "en", "<html lang>, and the language of the search index"),
    Key("search", Flag(), True, "a Pagefind search index and a search box in every group"),
    Key("repo_url", Nullable(Url()), None,
        "the repository of the site's sources: each page links to its file there"),
    Key("edit_uri", Text(), "edit/main/",
        "the path from repo_url to the site's folder in the repository's editor, e.g. "
        "edit/main/ (GitHub), -/edit/main/ (GitLab), edit/main/website/ (a site in a folder)"),
    Key("paginate", Integer(0, 10_000), 10,
        "the items of a news listing per page (news/page/2/ and on); 0: all on one page"),
    Key("paginate_publications", Integer(0, 100_000), 1000,
        "the entries of a group's list of publications per page (publications/page/2/ "
        "and on); 0: all on one page"),
), missing="site.yaml defines no {key}")
