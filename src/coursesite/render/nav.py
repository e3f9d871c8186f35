"""The links of `nav:` in site.yaml, checked against the pages of their group.

A nav entry is written once in site.yaml but shown on every page by the layout:
checked as a link of the layout, one wrong entry gave an error per layout and
group, blaming templates/page.html (a file the site may not have). It is
checked here instead, once per group, at its line of site.yaml.
"""

from __future__ import annotations

from collections.abc import Collection

from coursesite.config.site import GroupConfig, SiteConfig
from coursesite.errors import Diagnostic, did_you_mean


def nav_target(url: str) -> str | None:
    """The output path a nav url of the site names ('/about/' -> 'about/index.html'),
    or None for a URL of another site (https://..., mailto:...)."""
    if ":" in url or url.startswith("//"):
        return None
    path = url.split("#", 1)[0].split("?", 1)[0].lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def missing_nav(config: SiteConfig, group: GroupConfig,
                known: Collection[str]) -> list[tuple[str, Diagnostic]]:
    """Each nav entry of `group` that names no file of it: its target, and the error."""
    found = []
    pages = sorted("/" + k.removesuffix("index.html") for k in known if k.endswith(".html"))
    for index, item in enumerate(group.nav):
        target = nav_target(item.url)
        if target is None or target in known or f"{target}/index.html" in known:
            continue
        line = config.line_of("groups", group.name, "nav", index, "url")
        hint = did_you_mean(item.url, pages) or "a nav url is a path of the group's site, " \
            "such as /courses/, or a full URL"
        found.append((target, Diagnostic(
            config.rel(config.config_path), line,
            f"nav entry '{item.title}' links to '{item.url}', which is not in the "
            f"{group.name} site", hint)))
    return found
