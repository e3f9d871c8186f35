"""`build-site new`: a site that builds, from nothing; and courses and lessons added to one.

Nothing is ever written over: every file is checked before any is written, and each is
made with exclusive creation, so a file that appeared meanwhile is left as it was.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import os
import re
from pathlib import Path

from coursesite.config.options import GROUP_NAME
from coursesite.config.site import SiteConfig
from coursesite.content.loader import load_page
from coursesite.content.placing import slugify
from coursesite.errors import ConfigError, ContentError, Problems
from coursesite.fsutil import shown_path

COURSES = "courses"  # the folder of courses under content/, as in the demo


def new_site(folder: Path, course: str | None = None) -> list[Path]:
    """A site in `folder` (which must be new or empty): site.yaml with one group, a home
    page, a page of courses, and a course of two lessons with its picture."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(shown_path(folder, Path.cwd()), None, "the folder is not empty: "
                          "a new site is made only in a new or empty folder",
                          "choose another name, or add to this site with --course / --lesson")
    name = slugify(folder.resolve().name).replace("_", "-")
    group = name if GROUP_NAME.match(name) and name != "all" else "site"
    title = readable(folder.resolve().name)
    files: dict[Path, str | bytes] = {
        folder / "site.yaml": SITE_YAML.format(group=group, title=title),
        folder / "content" / "index.md": HOME.format(title=title),
        folder / "content" / COURSES / "index.md": COURSES_PAGE,
    }
    course_title = course or "First steps"
    files.update(course_files(folder / "content", course_title, [group]))
    lesson_dir = folder / "content" / COURSES / slugify(course_title)
    files.update(lesson_files(lesson_dir, "Getting started", [group], 1))
    files.update(lesson_files(lesson_dir, "Going further", [group], 2))
    return write_new(files)


def new_course(config: SiteConfig, title: str, groups: tuple[str, ...]) -> list[Path]:
    """A course (its section page and picture) in the site's `courses/` folder."""
    return write_new(course_files(config.content_dir, title, chosen_groups(config, groups)))


def new_lesson(config: SiteConfig, title: str, course: str | None) -> list[Path]:
    """A lesson at the end of a course (`course`: its folder name or title; may be left
    out when the site has one course), in the groups of the course."""
    folder = course_folder(config, course)
    problems = Problems()
    groups = list(load_page(config, str(folder / "index.md"), problems).groups)
    if problems.errors:  # the lesson would inherit the course's mistake: fix it first
        first = problems.errors[0]
        raise ContentError(first.path, first.line, first.message, first.hint)
    lessons = [p for p in folder.glob("*.md") if p.name != "index.md"]
    return write_new(lesson_files(folder, title, groups, len(lessons) + 1))


def chosen_groups(config: SiteConfig, groups: tuple[str, ...]) -> list[str]:
    for group in groups:
        if group not in config.groups:
            raise ConfigError(config.rel(config.config_path), None, f"no group '{group}'",
                              f"the groups are {', '.join(config.groups)}")
    if groups:
        return list(groups)
    if len(config.groups) == 1:
        return list(config.groups)
    raise ConfigError(config.rel(config.config_path), None, "the site has several groups: "
                      "say which the course is for", f"add --group NAME (one of "
                      f"{', '.join(config.groups)}; repeat it for several)")


def has_course(config: SiteConfig, course: str) -> bool:
    """Whether the site has a course of this folder name or title."""
    folder = config.content_dir / COURSES
    return any((folder / name / "index.md").is_file() for name in (course, slugify(course)))


def course_folder(config: SiteConfig, course: str | None) -> Path:
    courses = config.content_dir / COURSES
    found = sorted(p.parent for p in courses.glob("*/index.md"))
    if course is not None:
        wanted = [p for p in found if p.name in (course, slugify(course))]
        if wanted:
            return wanted[0]
    elif len(found) == 1:
        return found[0]
    names = ", ".join(p.name for p in found) or "none yet"
    raise ConfigError(config.rel(courses), None,
                      f"no course '{course}'" if course else "which course is the lesson for?",
                      f"give --course NAME (the courses: {names}); "
                      "`build-site new --course TITLE` makes one")


def course_files(content: Path, title: str, groups: list[str]) -> dict[Path, str | bytes]:
    slug = slugify(title)
    return {
        content / COURSES / slug / "index.md": COURSE.format(
            title=title, groups=", ".join(groups), picture=f"{COURSES}/{slug}.png"),
        content / "images" / COURSES / f"{slug}.png": picture(slug),
    }


def lesson_files(folder: Path, title: str, groups: list[str],
                 order: int) -> dict[Path, str | bytes]:
    return {folder / f"{slugify(title)}.md": LESSON.format(
        title=title, groups=", ".join(groups), order=order)}


def write_new(files: dict[Path, str | bytes]) -> list[Path]:
    """Write every file, none of which may exist yet; returns them in order."""
    taken = [path for path in files if os.path.lexists(path)]
    if taken:
        raise ConfigError(shown_path(taken[0], Path.cwd()), None, "the file is there already: "
                          "nothing was written", "choose another title")
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as file:  # exclusive: never over a file made meanwhile
            file.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    return list(files)


def readable(name: str) -> str:
    """"my-course_site" -> "My course site"."""
    words = re.sub(r"[-_.]+", " ", name).strip()
    return (words[:1].upper() + words[1:]) or "My site"


def picture(seed: str) -> bytes:
    """A course picture: a diagonal of two colours chosen by the name, the same each time."""
    from PIL import Image, ImageDraw  # here, not at the top: only `new` draws

    digest = hashlib.sha256(seed.encode()).digest()
    hue = digest[0] / 255
    image = Image.new("RGB", (1200, 630), _colour(hue, 0.45))
    draw = ImageDraw.Draw(image)
    for step in range(0, 1800, 120):
        draw.line([(step - 630, 630), (step, 0)], fill=_colour(hue, 0.55), width=36)
    draw.ellipse((780, 150, 1110, 480), fill=_colour((hue + 0.5) % 1, 0.6))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _colour(hue: float, light: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hls_to_rgb(hue, light, 0.55)
    return round(red * 255), round(green * 255), round(blue * 255)


SITE_YAML = """\
# This site's settings; every key is in the README's site.yaml reference.
# One website per group: a page's `groups:` says which websites have it.
groups:
  {group}:
    title: {title}
    # Where the site will live: its sitemap and the links other groups make to it.
    url: https://example.org/
    nav:
      - {{title: Courses, url: /courses/}}
"""

HOME = """\
title: {title}
description: Courses and lessons, free to read.
groups: all

Welcome. Every course on this site is a series of short lessons: start with
one of the courses below.
"""

COURSES_PAGE = """\
title: Courses
description: Every course of this site.
groups: all

Each course is a series of lessons, best read in order.
"""

COURSE = """\
title: {title}
description: What this course teaches, in one sentence.
groups: {groups}
picture: {picture}
order: 1

Say here who the course is for and what it assumes. Its lessons are listed
below, in the order of their `order:`.
"""

LESSON = """\
title: {title}
description: What this lesson teaches, in one sentence.
groups: {groups}
order: {order}

## A first section

Write the lesson in Markdown. Code is highlighted:

```python
print("hello")
```

and formulas are typeset: $E = mc^2$.
"""
