from __future__ import annotations

from pathlib import Path

import pytest

from coursesite.config.site import load_config
from coursesite.errors import ConfigError


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
