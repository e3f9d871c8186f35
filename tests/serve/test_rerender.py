"""The in-memory re-render of `serve`: the same bytes as a clean build, or a build instead."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import pytest

from coursesite.build.pipeline import BuildOptions, BuildResult, LiveSite, Mode, build
from coursesite.config.site import load_config
from coursesite.errors import BuildFailed
from coursesite.report import Reporter
from coursesite.serve.rerender import rerender
from tests.conftest import Site
from tests.conftest import snapshot as whole_snapshot

LESSON = "content/courses/deep-learning/training.md"


def snapshot(folder: Path) -> dict[str, bytes]:
    """The output but its search index, which `serve` makes again after a re-render."""
    return {k: v for k, v in whole_snapshot(folder).items() if "/pagefind/" not in k}


def kept_build(site: Site, output: Path) -> LiveSite:
    result: BuildResult = build(load_config(site.root / "site.yaml"),
                                BuildOptions(output=output, mode=Mode.SERVE), Reporter())
    assert result.live is not None
    return result.live


def clean_build(site: Site, output: Path) -> dict[str, bytes]:
    build(load_config(site.root / "site.yaml"), BuildOptions(output=output),
          Reporter())
    return snapshot(output)


def edit(site: Site, rel: str, old: str, new: str) -> Path:
    path = site.root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_body_edit_writes_what_a_clean_build_writes(demo: Site, tmp_path: Path) -> None:
    live = kept_build(demo, tmp_path / "live")
    before = snapshot(tmp_path / "live")
    changed = edit(demo, LESSON, "## The training loop", "## The training loop\n\nA new line.")
    assert rerender(live, [changed], nullcontext) == {"rtc": 1}
    after = snapshot(tmp_path / "live")
    assert after == clean_build(demo, tmp_path / "clean")
    assert [k for k in after if after[k] != before.get(k)] == [
        "rtc/courses/deep-learning/training/index.html"]
    # A second edit of the same page goes the same way.
    changed = edit(demo, LESSON, "A new line.", "Another line.")
    assert rerender(live, [changed], nullcontext) == {"rtc": 1}
    assert snapshot(tmp_path / "live") == clean_build(demo, tmp_path / "clean2")


def test_a_page_in_two_groups_is_rendered_in_both(demo: Site, tmp_path: Path) -> None:
    live = kept_build(demo, tmp_path / "live")
    changed = edit(demo, "content/courses/research-software/environments.md", "\n\n",
                   "\n\nShared edit.\n\n")
    assert rerender(live, [changed], nullcontext) == {"rtc": 1, "aifh": 1}
    assert snapshot(tmp_path / "live") == clean_build(demo, tmp_path / "clean")


@pytest.mark.parametrize("old,new", [
    ("title: Training a network", "title: Training networks"),  # the header: listings change
    ("## The training loop", "## The training loop\n\n{{ NO_SUCH_VARIABLE }}"),  # an error
    ("## The training loop", "## The loop of training"),  # teacher-notes links to its anchor
    ("## The training loop", "## The training loop\n\n[gone](nowhere.md)"),  # a broken link
])
def test_anything_but_a_clean_body_edit_is_left_to_a_build(demo: Site, tmp_path: Path,
                                                           old: str, new: str) -> None:
    live = kept_build(demo, tmp_path / "live")
    before = snapshot(tmp_path / "live")
    changed = edit(demo, LESSON, old, new)
    assert rerender(live, [changed], nullcontext) is None
    assert snapshot(tmp_path / "live") == before  # nothing written


def test_the_anchor_left_to_a_build_is_reported_there(demo: Site, tmp_path: Path) -> None:
    live = kept_build(demo, tmp_path / "live")
    changed = edit(demo, LESSON, "## The training loop", "## The loop of training")
    assert rerender(live, [changed], nullcontext) is None
    with pytest.raises(BuildFailed) as failed:
        kept_build(demo, tmp_path / "live")
    assert any("no '#the-training-loop' on that page" in d.message
               for d in failed.value.diagnostics)


def test_new_deleted_and_other_files_are_left_to_a_build(demo: Site, tmp_path: Path) -> None:
    live = kept_build(demo, tmp_path / "live")
    added = demo.page("courses/deep-learning/extra.md", "title: Extra\ngroups: rtc\n\nText.\n")
    assert rerender(live, [added], nullcontext) is None
    live = kept_build(demo, tmp_path / "live")
    css = demo.root / "static/css/site.css"
    assert rerender(live, [css], nullcontext) is None
    lesson = demo.root / LESSON
    lesson.unlink()
    assert rerender(live, [lesson], nullcontext) is None



def test_a_page_replaced_by_a_link_out_of_content_is_left_to_a_build(
        demo: Site, tmp_path: Path) -> None:
    live = kept_build(demo, tmp_path / "live")
    before = snapshot(tmp_path / "live")
    lesson = demo.root / LESSON
    moved = tmp_path / "outside.md"
    moved.write_text(lesson.read_text(encoding="utf-8") + "\nA SECRET line.\n", encoding="utf-8")
    lesson.unlink()
    lesson.symlink_to(moved)
    assert rerender(live, [lesson], nullcontext) is None
    assert snapshot(tmp_path / "live") == before


def test_a_page_that_shows_other_bodies_is_rendered_again(site: Site, tmp_path: Path) -> None:
    site.page("index.md", "title: Home\ngroups: rtc\n\nWelcome.\n")
    lesson = site.page("lesson.md", "title: Lesson\ngroups: rtc\n\nFirst words.\n")
    site.page("digest.md", "title: Digest\ngroups: rtc\n\n"
              "{% for p in pages %}- {{ p.title }}: {{ p.body | trim }}\n{% endfor %}\n")
    live = kept_build(site, tmp_path / "live")
    assert b"First words." in (tmp_path / "live/rtc/digest/index.html").read_bytes()
    lesson.write_text("title: Lesson\ngroups: rtc\n\nSecond words.\n", encoding="utf-8")
    assert rerender(live, [lesson], nullcontext) == {"rtc": 2}  # the lesson and the digest
    assert b"Second words." in (tmp_path / "live/rtc/digest/index.html").read_bytes()
    assert snapshot(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_a_page_placed_by_a_url_pattern_is_rendered_at_its_place(tmp_path: Path) -> None:
    """A member page is at people/<slug>/ in one group (a copy of the page, SPEC §7) and at
    members/<slug>/ in the other: an edit reaches both, as a clean build would write it."""
    import shutil

    from tests.content.test_pelican_tree import TREE

    root = tmp_path / "tree"
    shutil.copytree(TREE, root)
    site = Site(root)
    live = kept_build(site, tmp_path / "live")
    changed = edit(site, "content/pages/members/noor-peeters.md", "chest CT", "chest MRI")
    rendered = rerender(live, [changed], nullcontext)
    assert rendered is not None and set(rendered) == {"diag", "rtc"}
    after = snapshot(tmp_path / "live")
    assert "chest MRI" in after["diag/people/noor-peeters/index.html"].decode()
    assert after == clean_build(site, tmp_path / "clean")
