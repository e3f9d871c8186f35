"""Where on a page's file something a unit reports was written."""

from __future__ import annotations

from coursesite.content import Page


def find_source_line(page: Page, value: str, default: int = 1) -> int:
    """The file line of the body that holds `value` (or the longest tail of its path)."""
    body = page.body
    path = value.split("#")[0].split("?")[0]
    last = path.rfind("/", 0, len(path) - 1)  # the last '/' that has something after it
    if (path[last + 1:] if last >= 0 else value) not in body:
        return default  # not even the shortest tail is there: most links are not
    tails = [value]
    while "/" in path:
        path = path.split("/", 1)[1]
        if path:
            tails.append(path)
    for tail in tails:
        # The first occurrence is on the first line that holds it; no line holds a newline.
        found = body.find(tail) if "\n" not in tail else -1
        if found >= 0:
            return page.body_line + body.count("\n", 0, found)
    return default
