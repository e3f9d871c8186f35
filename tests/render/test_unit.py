"""A unit renders with its own context: nothing of it is left on the objects all units share."""

from __future__ import annotations

from pathlib import Path

from coursesite.build.pipeline import Mode
from coursesite.markdown.extensions import NO_TARGET
from tests.conftest import Site, api_build

# Memos: rebound with what they remember, and used again only for the same input.
MEMOS = {"_last", "_protected"}  # BodyRenderer's last conversion, its last protected body


def fields(obj: object) -> dict[str, int]:
    return {name: id(value) for name, value in vars(obj).items()}


def test_rendering_units_rebinds_no_field_of_a_shared_object(demo: Site, tmp_path: Path) -> None:
    live = api_build(demo, output=tmp_path / "output", mode=Mode.SERVE).live
    assert live is not None
    renderer = live.renderers["rtc"]
    shared = [renderer, renderer.images, renderer.linker, renderer.bodies,
              renderer.bodies.hooks, renderer.bodies.markdown, renderer.context,
              renderer.checker]
    before = [fields(obj) for obj in shared]
    (tmp_path / "staging").mkdir()  # pages are written only below a staging folder
    for page in renderer.pages()[:6]:
        result = renderer.render_unit(page, tmp_path / "staging")
        assert result.ok, result.problems
    for obj, was in zip(shared, before, strict=True):
        now = fields(obj)
        rebound = {name for name in was if now.get(name) != was[name]}
        assert rebound <= MEMOS, (type(obj).__name__, rebound)
        assert set(now) == set(was), type(obj).__name__
    assert renderer.bodies.hooks._target is NO_TARGET


def test_a_markdown_filter_in_a_body_resolves_links_of_its_own_page(site: Site) -> None:
    site.page("a/one.md", "title: One\ngroups: rtc\n\nSee [two](../b/two.md).\n")
    site.page("b/two.md", "title: Two\ngroups: rtc\n\nBack to [one](../a/one.md).\n")
    full = """\
        title: Full
        groups: rtc

        {% extends "base.html" %}
        {% block content %}{% filter markdown %}[one](../a/one.md) LINK
        {% endfilter %}{% endblock %}
        """
    site.page("c/full.md", full.replace("LINK", ""))
    result = site.build()
    assert result.code == 0, result.err
    assert '<a href="/a/one/">one</a>' in site.out("rtc/c/full/index.html")
    site.page("c/full.md", full.replace("LINK", "[none](../a/none.md)"))
    result = site.build()
    assert result.code == 1
    assert "content/c/full.md:5: error: link '../a/none.md' points to no page" in result.err
