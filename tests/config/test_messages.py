"""Every mistake in site.yaml, with the exact message, hint and line it gets.

These pin the messages users see, so that the way site.yaml is read can change
without a message changing by accident.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coursesite.config.site import PUBLISH_HINT, load_config
from coursesite.errors import ConfigError
from tests.config.test_yamltext import BOMB

G = "groups:\n  rtc: {title: R, url: 'https://r.org/'}\n"
RTC = "groups:\n  rtc:\n    title: R\n    url: 'https://r.org/'\n"
NO_GROUPS = ("add 'groups:' with at least one group, "
             "e.g. 'rtc: {title: RTC, url: https://rtc.example.org/}'")

MISTAKES = [
    ('- a\n- b\n',
     1, 'the file must be a mapping of keys to values',
     None),
    (G + 'outptu: x\n',
     3, "unknown key 'outptu' in the file",
     "did you mean 'output'?"),
    (G + 'zzzzzz: x\n',
     3, "unknown key 'zzzzzz' in the file",
     'known keys: cache, content, default_groups, edit_uri, exclude, groups, images, '
     'language, limits, link_tags, list_fields, markdown_extensions, output, paginate, '
     'paginate_publications, '
     'repo_url, search, static, templates, ungrouped'),
    (G + 'content: [a]\n',
     3, "'content' must be text, not a list",
     None),
    (G + 'content:\n',
     3, "'content' must be text, not empty",
     None),
    (G + 'cache: {a: 1}\n',
     3, "'cache' must be text, not a mapping",
     None),
    (G + 'search: yes please\n',
     3, "'search' must be true or false, not str",
     None),
    (G + 'search:\n',
     3, "'search' must be true or false, not empty",
     None),
    (G + 'language: [en]\n',
     3, "'language' must be text, not a list",
     None),
    (G + 'default_groups: 5\n',
     3, "'default_groups' must be a list, not int",
     None),
    (G + 'default_groups:\n',
     3, "'default_groups' must be a list, not empty",
     None),
    (G + 'default_groups: rtc, nope\n',
     3, "default_groups names unknown group 'nope'",
     'groups are: rtc'),
    (G + 'list_fields: {a: 1}\n',
     3, "'list_fields' must be a list, not a mapping",
     None),
    (G + 'list_fields: [[a]]\n',
     3, "'list_fields.0' must be text, not a list",
     None),
    ('groups:\n',
     1, 'site.yaml defines no groups',
     NO_GROUPS),
    ('groups: {}\n',
     1, 'site.yaml defines no groups',
     NO_GROUPS),
    ('groups: []\n',
     1, 'site.yaml defines no groups',
     NO_GROUPS),
    ('groups: [rtc]\n',
     1, 'groups must be a mapping of keys to values',
     None),
    ('groups:\n  rtc:\n',
     2, 'groups.rtc must be a mapping of keys to values',
     None),
    ('groups:\n  rtc: 5\n',
     2, 'groups.rtc must be a mapping of keys to values',
     None),
    ("groups:\n  Rtc: {title: R, url: 'https://r.org/'}\n",
     2, "'Rtc' cannot be a group name",
     "use lower-case letters, digits, '-' and '_'; 'all' is reserved"),
    ("groups:\n  rtc: {url: 'https://r.org/'}\n",
     2, "group 'rtc' has no 'title'",
     None),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', nav: 5}\n",
     2, "'nav' must be a list of {title, url}",
     None),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', nav: [5]}\n",
     2, 'groups.rtc.nav.0 must be a mapping of keys to values',
     None),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', nav: [{title: A, url: /a/, x: 1}]}\n",
     2, "unknown key 'x' in groups.rtc.nav.0",
     'known keys: title, url'),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', nav: [{title: A, url: [x]}]}\n",
     2, "'groups.rtc.nav.0.url' must be text, not a list",
     None),
    ("groups:\n  rtc: {title: R, url: 'ftp://r.org/'}\n",
     2, "'ftp://r.org/' is not an absolute http(s) URL",
     'write the full address, e.g. https://rtc.example.org/'),
    ('groups:\n  rtc: {title: R, url: 5}\n',
     2, "'5' is not an absolute http(s) URL",
     'write the full address, e.g. https://rtc.example.org/'),
    ("repo_url: github.com/me/site\ngroups:\n  rtc: {title: R, url: 'https://r.org/'}\n",
     1, "'github.com/me/site' is not an absolute http(s) URL",
     'write the full address, e.g. https://rtc.example.org/'),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', imgurl: [a]}\n",
     2, "'groups.rtc.imgurl' must be text, not a list",
     None),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', description: [a]}\n",
     2, "'groups.rtc.description' must be text, not a list",
     None),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', description: null}\n",
     2, "'groups.rtc.description' must be text, not empty",
     None),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', picture: {a: 1}}\n",
     2, "'groups.rtc.picture' must be text, not a mapping",
     None),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', publish: {}}\n",
     2, "'publish' needs either 'target' or 'command'",
     PUBLISH_HINT),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', publish: {target: /a, command: b}}\n",
     2, "'publish' needs either 'target' or 'command'",
     PUBLISH_HINT),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', publish: {target: /a, regoin: b}}\n",
     2, "unknown key 'regoin' in groups.rtc.publish",
     "did you mean 'region'?"),
    (RTC + "    publish:\n      target: 'ftp://x/y'\n",
     6, "publish target 'ftp://x/y': unknown kind of target 'ftp://'",
     PUBLISH_HINT),
    (RTC + "    publish: 'git+https://h/r.git'\n",
     5, "publish target 'git+https://h/r.git': a git target names its branch after '#', "
     "e.g. ...repo.git#gh-pages",
     PUBLISH_HINT),
    (RTC + "    publish:\n      command: '  '\n",
     5, "publish target 'command:  ': the command is empty",
     PUBLISH_HINT),
    (RTC + "    publish:\n      target: /srv\n      region: [a]\n",
     7, "'groups.rtc.publish.region' must be text, not a list",
     None),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', publish: [a]}\n",
     2, "'groups.rtc.publish.target' must be text, not a list",
     None),
    # A value of the wrong kind is a mistake even when it looks like "nothing".
    (G + 'images: []\n',
     3, 'images must be a mapping of keys to values',
     None),
    (G + 'images: false\n',
     3, 'images must be a mapping of keys to values',
     None),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', nav: {}}\n",
     2, "'nav' must be a list of {title, url}",
     None),
    ("groups:\n  rtc: {title: R, url: 'https://r.org/', nav: false}\n",
     2, "'nav' must be a list of {title, url}",
     None),
    (G + 'images: 5\n',
     3, 'images must be a mapping of keys to values',
     None),
    (G + 'images:\n  widht: [1]\n',
     4, "unknown key 'widht' in images",
     "did you mean 'widths'?"),
    (G + 'images:\n  widths: [1]\n',
     4, 'images.widths must be a list of whole numbers from 16 to 8000',
     None),
    (G + 'images:\n  widths: []\n',
     4, 'images.widths must be a list of whole numbers from 16 to 8000',
     None),
    (G + 'images:\n  widths: 800\n',
     4, 'images.widths must be a list of whole numbers from 16 to 8000',
     None),
    (G + 'images:\n  thumbnail: [100]\n',
     4, 'images.thumbnail must be 2 whole numbers from 16 to 8000',
     None),
    (G + 'images:\n  thumbnail: [100, true]\n',
     4, 'images.thumbnail must be 2 whole numbers from 16 to 8000',
     None),
    (G + 'images:\n  quality: 0\n',
     4, 'images.quality must be a whole number 1-100',
     None),
    (G + 'images:\n  quality: true\n',
     4, 'images.quality must be a whole number 1-100',
     None),
    (G + 'images:\n  quality:\n',
     4, 'images.quality must be a whole number 1-100',
     None),
    (G + 'images:\n  formats: [webp, gif]\n',
     4, "unknown image format 'gif'",
     'choose from webp, avif'),
    (G + 'images:\n  formats: 5\n',
     4, "'images.formats' must be a list, not int",
     None),
    (G + 'images:\n  sizes: [a]\n',
     4, "'images.sizes' must be text, not a list",
     None),
    # site.yaml is read bounded, by the default of limits.yaml_nodes whatever it says.
    (G + 'limits: {yaml_nodes: 10000000}\n' + BOMB,
     9, 'site.yaml holds more than 100,000 values (aliases counted at each use)',
     'use fewer aliases: site.yaml itself may hold 100,000 values whatever limits.yaml_nodes '
     'says'),
    (G + 'language: &a [*a]\n',
     3, "the alias '*a' is inside the value it repeats (that value would contain itself)",
     'an alias may only repeat a value that ends before it'),
    (G + 'language: ' + '[' * 5000 + ']' * 5000 + '\n',
     3, 'site.yaml nests values more than 100 deep',
     'write the values less deeply nested'),
    ('groups:\n  rtc: {title: R, url: "https://r.org/",\n        description: 2024-02-30}\n',
     3, "'2024-02-30' is not a date (day is out of range for month)",
     'write a date that exists, as YYYY-MM-DD'),
]


@pytest.mark.parametrize(("text", "line", "message", "hint"), MISTAKES)
def test_each_mistake_has_its_message(tmp_path: Path, text: str, line: int, message: str,
                                      hint: str | None) -> None:
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "site.yaml")
    diagnostic = caught.value.diagnostic
    assert (diagnostic.path, diagnostic.line, diagnostic.message, diagnostic.hint) == (
        "site.yaml", line, message, hint)


def test_every_mistake_of_site_yaml_is_reported_in_one_run(tmp_path: Path) -> None:
    """Not the first only: a user fixing site.yaml should not need a run per mistake."""
    (tmp_path / "site.yaml").write_text("""\
groups:
  g:
    title: G
    url: https://g.example.org/
    nav:
      - {titl: About, url: /about/}
  h:
    url: notaurl
    titel: x
images:
  quality: 500
languag: en
""", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "site.yaml")
    found = [(d.line, d.message) for d in caught.value.diagnostics]
    assert found == [
        (6, "a nav entry needs both 'title' and 'url'"),
        (6, "unknown key 'titl' in groups.g.nav.0"),
        (7, "group 'h' has no 'title'"),
        (8, "'notaurl' is not an absolute http(s) URL"),
        (9, "unknown key 'titel' in groups.h"),
        (11, "images.quality must be a whole number 1-100"),
        (12, "unknown key 'languag' in the file"),
    ]
