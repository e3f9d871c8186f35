from __future__ import annotations

from pathlib import Path

import pytest

from coursesite.config import yamltext
from coursesite.config.site import ImageSettings, Limits, NavItem, PublishSettings, load_config
from coursesite.errors import ConfigError
from tests.config.test_options import DECLARED, matches


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_derived_values(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """\
groups:
  rtc: {title: RTC, url: "https://x.github.io/rtc"}
  aifh: {title: AIFH, url: "https://aifh.example.org/", imgurl: "https://assets.example.org/"}
"""))
    assert config.content_dir == tmp_path / "content"
    assert config.output_dir == tmp_path / "output"
    assert config.default_groups == ()
    rtc, aifh = config.groups["rtc"], config.groups["aifh"]
    assert rtc.url == "https://x.github.io/rtc/"
    assert rtc.base_path == "/rtc"
    assert rtc.img_url == "/rtc"
    assert aifh.base_path == ""
    # No value ever produces '//' when a page writes '{{ IMGURL }}/images/x.png'.
    assert aifh.img_url == "https://assets.example.org"
    assert list(config.groups) == ["rtc", "aifh"]


def test_unknown_key_is_named_with_line_and_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, "groups:\n  rtc: {title: RTC, url: 'https://r.org/'}\noutptu: site\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.diagnostic.format().startswith(
        "site.yaml:3: error: unknown key 'outptu' in the file")
    assert "did you mean 'output'?" in str(caught.value)


def test_unknown_group_key_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "groups:\n  rtc:\n    title: RTC\n    url: https://r.org/\n"
                           "    tilte: oops\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.diagnostic.line == 5
    assert "did you mean 'title'?" in str(caught.value)


@pytest.mark.parametrize(("text", "line", "words"), [
    ("content: content\n", 1, "defines no groups"),
    ("groups:\n  rtc: {title: RTC}\n", 2, "has no 'url'"),
    ("groups:\n  rtc: {title: RTC, url: rtc.org}\n", 2, "not an absolute http(s) URL"),
    ("groups:\n  rtc: {title: [a, b], url: 'https://r.org/'}\n", 2, "must be text"),
    ("groups:\n  all: {title: A, url: 'https://r.org/'}\n", 2, "cannot be a group name"),
    ("default_groups: [rtx]\ngroups:\n  rtc: {title: R, url: 'https://r.org/'}\n", 1,
     "unknown group 'rtx'"),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', nav: [{title: A}]}\n", 2,
     "needs both 'title' and 'url'"),
    ("groups:\n  rtc: [\n", 3, "invalid YAML"),
    ("markdown_extensions: [pymdownx.smartsymbol]\ngroups:\n  rtc: {title: R, url: 'https://r.org/'}\n",
     1, "unknown Markdown extension 'pymdownx.smartsymbol'"),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/'}\nmarkdown_extensions:\n  - toc\n"
     "  - smarty: {smart_quotez: false}\n", 5, "'smarty' has no option 'smart_quotez'"),
    ("markdown_extensions:\n- tables: {x: 1}\ngroups:\n  rtc: {title: R, url: 'https://r.org/'}\n",
     2, "'tables' is on already"),
    ("markdown_extensions: [os]\ngroups:\n  rtc: {title: R, url: 'https://r.org/'}\n",
     1, "'os' is no Markdown extension"),
    ("markdown_extensions: [markdown.extensions.meta]\ngroups:\n  rtc: {title: R, "
     "url: 'https://r.org/'}\n", 1, "'markdown.extensions.meta' cannot be used"),
    ("markdown_extensions: [smarty, {smarty: {smart_quotes: false}}]\ngroups:\n  rtc: "
     "{title: R, url: 'https://r.org/'}\n", 1, "'smarty' is listed twice"),
    ("markdown_extensions: [{smarty: {substitutions: 5}}]\ngroups:\n  rtc: "
     "{title: R, url: 'https://r.org/'}\n", 1, "'smarty' does not take the options given"),
])
def test_wrong_values_are_config_errors(tmp_path: Path, text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.diagnostic.line == line
    assert words in caught.value.diagnostic.message
    assert caught.value.exit_code == 2


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "site.yaml")


def test_every_default(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "groups:\n  rtc: {title: RTC, url: 'https://r.org'}\n"))
    assert (config.content_dir, config.templates_dir, config.static_dir, config.output_dir,
            config.cache_dir) == tuple(tmp_path / name for name in (
                "content", "templates", "static", "output", ".cache"))
    assert (config.default_groups, config.list_fields, config.language, config.search,
            config.paginate) == ((), (), "en", True, 10)
    images = config.images
    assert (images.widths, images.formats, images.quality, images.thumbnail, images.sizes) == (
        (480, 800, 1200, 1600), ("webp",), 80, (640, 360), "(max-width: 46rem) 100vw, 46rem")
    rtc = config.groups["rtc"]
    assert (rtc.name, rtc.title, rtc.url, rtc.imgurl, rtc.description, rtc.picture, rtc.nav,
            rtc.publish) == ("rtc", "RTC", "https://r.org/", None, "", None, (), None)


# Every key of site.yaml, set to a value other than its default.
EVERY_KEY = """\
content: pages
templates: layouts
static: assets
output: public
cache: tmp/cache
default_groups: rtc, aifh
list_fields: [People, bibkeys]
language: nl
search: false
images:
  widths: [800, 400]
  formats: [avif, webp]
  quality: 60
  thumbnail: [300, 200]
  sizes: 100vw
groups:
  rtc:
    title: RTC
    url: https://r.org/rtc
    imgurl: https://img.org/
    description: Deep learning
    picture: social/rtc.png
    nav:
      - {title: Courses, url: /courses/}
    publish: /srv/www/rtc
  aifh:
    title: AIFH
    url: https://a.org/
    publish:
      target: s3://sites/aifh
      endpoint_url: https://s3.example.com
      region: eu-central-1
  tl:
    title: TL
    url: https://t.org/
    publish:
      command: rsync -a {output}/ host:/srv
    content: website-tl/content
    urls:
      members: people/{slug}/
      pages/news: "news/{date:%Y}/{slug}.html"
limits:
  render_seconds: 20
  render_steps: 2000000
  render_chars: 6000000
  nesting: 60
  yaml_nodes: 5000
  image_pixels: 200000000
  search_seconds: 60
  publish_seconds: 120
  page_bytes: 2000000
  attachment_bytes: 5000000
exclude: ["pages/drafts/**", "*.tmp.md"]
ungrouped: skip
markdown_extensions: [pymdownx.smartsymbols, {smarty: {smart_quotes: false}}, tables]
link_tags: {member: members}
paginate: 25
paginate_publications: 250
repo_url: https://git.example.org/site
edit_uri: -/edit/main/
"""


def test_every_key_is_read(tmp_path: Path) -> None:
    (tmp_path / "website-tl" / "content").mkdir(parents=True)
    config = load_config(write(tmp_path, EVERY_KEY))
    assert config.content_dir == tmp_path / "pages"
    assert config.templates_dir == tmp_path / "layouts"
    assert config.static_dir == tmp_path / "assets"
    assert config.output_dir == tmp_path / "public"
    assert config.cache_dir == tmp_path / "tmp" / "cache"
    assert config.default_groups == ("rtc", "aifh")
    assert config.list_fields == ("people", "bibkeys")
    assert (config.language, config.search, config.paginate) == ("nl", False, 25)
    assert config.paginate_publications == 250
    assert (config.repo_url, config.edit_uri) == ("https://git.example.org/site/", "-/edit/main/")
    assert config.images == ImageSettings((400, 800), ("avif", "webp"), 60, (300, 200), "100vw")
    rtc, aifh, tl = config.groups.values()
    assert (rtc.url, rtc.imgurl, rtc.description, rtc.picture, rtc.nav) == (
        "https://r.org/rtc/", "https://img.org/", "Deep learning", "social/rtc.png",
        (NavItem("Courses", "/courses/"),))
    assert rtc.publish == PublishSettings("/srv/www/rtc", None, None, 25)
    assert aifh.publish == PublishSettings("s3://sites/aifh", "https://s3.example.com",
                                           "eu-central-1", 30)
    assert tl.publish == PublishSettings("command:rsync -a {output}/ host:/srv", None, None, 37)
    assert config.line_of("groups", "tl", "publish", "command") == 37
    assert config.line_of("images", "quality") == 13
    assert config.limits == Limits(20, 2_000_000, 6_000_000, 60, 5000, 200_000_000, 60, 120,
                                   2_000_000, 5_000_000)
    assert (tl.content_dir, rtc.content_dir) == (tmp_path / "website-tl" / "content", None)
    assert tl.urls == {"members": "people/{slug}/", "pages/news": "news/{date:%Y}/{slug}.html"}
    assert config.exclude == ("pages/drafts/**", "*.tmp.md")
    assert (config.ungrouped, config.link_tags) == ("skip", {"member": "members"})
    assert [(e.name, e.options) for e in config.markdown_extensions] == [  # tables is on anyway
        ("pymdownx.smartsymbols", {}), ("smarty", {"smart_quotes": False})]


def test_keys_left_empty_that_mean_their_default(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """\
images:
groups:
  rtc:
    title: RTC
    url: https://r.org/
    imgurl:
    picture:
    nav:
    publish:
"""))
    assert config.images.widths == (480, 800, 1200, 1600)
    rtc = config.groups["rtc"]
    assert (rtc.imgurl, rtc.picture, rtc.nav, rtc.publish) == (None, None, (), None)


@pytest.mark.parametrize(("url", "imgurl", "canonical", "value"), [
    ("https://x.org//rtc/", None, "https://x.org/rtc/", "/rtc"),
    ("https://x.org/rtc//", None, "https://x.org/rtc/", "/rtc"),
    ("https://x.org/a//b", None, "https://x.org/a/b/", "/a/b"),
    ("https://x.org/", "https://assets.org//img//", "https://x.org/", "https://assets.org/img"),
    ("https://x.org/", "/assets//img", "https://x.org/", "/assets/img"),
    ("https://x.org/", "///assets", "https://x.org/", "/assets"),
    ("https://x.org/", "//cdn.example.org//img", "https://x.org/", "//cdn.example.org/img"),
])
def test_no_value_produces_a_double_slash_in_a_path(tmp_path: Path, url: str, imgurl: str | None,
                                                    canonical: str, value: str) -> None:
    """SPEC §2: slashes are normalised, so '{{ IMGURL }}/x' never reads '//rtc/x' (a host)."""
    extra = "" if imgurl is None else f", imgurl: '{imgurl}'"
    group = load_config(write(tmp_path, f"groups:\n  rtc: {{title: R, url: '{url}'{extra}}}\n")
                        ).groups["rtc"]
    assert (group.url, group.img_url) == (canonical, value)
    assert "//" not in group.absolute("/courses/").split("://", 1)[1]


def test_every_key_is_set_in_every_key() -> None:
    """So that a key added to options.py is read (and checked) by the test above too."""
    _, lines = yamltext.load(EVERY_KEY)
    unset = [".".join(path) for path, key in DECLARED.items()
             if key is not None and not any(matches(given, path) for given in lines)]
    assert not unset, f"EVERY_KEY does not set {unset}"


def test_a_site_yaml_that_is_not_utf8_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_bytes(b"groups:\n  a: {title: \"caf\xe9\", url: x}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "site.yaml")
    found = caught.value.diagnostic
    assert (found.path, found.line, found.message) == ("site.yaml", 2,
                                                       "the file is not valid UTF-8")
