"""site.yaml: loaded into typed, validated models.

What site.yaml may hold (every key, its kind and its default) is declared in
options.py, and checked by the tables there: unknown keys and wrong types are
errors that name the file, the line and the key, with a did-you-mean. This
module holds the models the rest of the code uses, and the rules that span
several keys (a group named in default_groups exists, a publish target).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from coursesite.config import options, yamltext
from coursesite.config.extensions import MarkdownExtension
from coursesite.config.schema import Reader
from coursesite.errors import ConfigError, ConfigErrors, did_you_mean
from coursesite.fsutil import shown_path

# Where `build-site publish` can send a group; a plain folder path is a target too.
PUBLISH_SCHEMES = ("file", "ssh", "rsync", "git+file", "git+ssh", "git+https", "s3")


@dataclass(frozen=True)
class ImageSettings:
    """How images are processed: `images:` in site.yaml (options.IMAGES has the defaults)."""

    widths: tuple[int, ...]  # srcset candidates, never upscaled
    formats: tuple[str, ...]  # formats of the srcset variants
    quality: int  # for lossy formats (WebP, AVIF, JPEG)
    thumbnail: tuple[int, int]  # card pictures, cropped around the centre
    sizes: str  # the <img sizes> of content images

    def fingerprint(self) -> str:
        """What a variant's bytes depend on besides its source."""
        return f"{self.widths}|{self.formats}|{self.quality}|{self.thumbnail}|v1"


@dataclass(frozen=True)
class Limits:
    """What any one input may cost: `limits:` in site.yaml (options.LIMITS has the defaults)."""

    render_seconds: int  # one page body's Jinja2 part, and its Markdown part
    render_steps: int  # loop rounds and calls of one page body
    render_chars: int  # a rendered body, and any text made while rendering it
    nesting: int  # lists, quotes, <div markdown> and [brackets] in a page
    yaml_nodes: int  # values of one page header, aliases counted at each use
    image_pixels: int  # width x height of an image
    search_seconds: int  # Pagefind, per group
    publish_seconds: int  # git, rsync or a publish command, per group
    page_bytes: int  # one page file, read no further
    attachment_bytes: int  # one file a page links to (a handout, a notebook), published


@dataclass(frozen=True)
class NavItem:
    title: str
    url: str


@dataclass(frozen=True)
class PublishSettings:
    """A group's `publish:` in site.yaml: where `build-site publish` sends it."""

    target: str  # a URL (file://, ssh://, git+https://, s3://, ...), a folder, or command:...
    endpoint_url: str | None  # S3-compatible hosts (MinIO, R2, ...)
    region: str | None
    line: int | None = None  # of `target:` (or `command:`) in site.yaml, for messages


def publish_problem(target: str) -> str | None:
    """Why a publish target cannot be used, or None when it can."""
    if target.startswith("command:"):
        return None if target[len("command:"):].strip() else "the command is empty"
    scheme = urlsplit(target).scheme
    if "://" not in target:  # a folder; 'C:' would be a Windows drive, not a scheme
        if not target.strip():
            return "the target is empty"
        return f"unknown kind of target '{scheme}:'" if len(scheme) > 1 else None
    if scheme not in PUBLISH_SCHEMES:
        return f"unknown kind of target '{scheme}://'"
    parts = urlsplit(target)
    if scheme.startswith("git+") and not parts.fragment:
        return "a git target names its branch after '#', e.g. ...repo.git#gh-pages"
    if scheme in ("ssh", "rsync", "s3", "git+ssh", "git+https") and not parts.netloc:
        return f"'{scheme}://' needs a host (or a bucket)"
    if scheme in ("file", "git+file"):
        return file_url_problem(parts.netloc, parts.path)
    return None


def file_url_problem(host: str, path: str) -> str | None:
    """A file:// URL's host is ignored (git ignores it too): `file://www/site` would be /site,
    and `file://public` the site folder, so a host other than localhost is an error."""
    if host not in ("", "localhost"):
        return (f"a file:// URL names no host ('{host}'): write file:///absolute/path "
                "(three slashes) or a plain folder path")
    if not path:
        return "'file://' needs a path, e.g. file:///srv/www"
    return None


# site.yaml cannot be bounded by its own limits.yaml_nodes: it is held to the default.
SITE_YAML_BOUND = yamltext.Bound(
    options.YAML_NODES, "site.yaml",
    f"use fewer aliases: site.yaml itself may hold {options.YAML_NODES:,} values whatever "
    "limits.yaml_nodes says")

PUBLISH_HINT = ("targets: a folder or file:///path, ssh://user@host/path, rsync://host/module, "
                "git+https://host/org/repo.git#gh-pages (or git+ssh, git+file), "
                "s3://bucket/prefix, command:<a command with {output}>")


@dataclass(frozen=True)
class GroupConfig:
    """One group of site.yaml: its keys are declared, with their defaults, in options.GROUP."""

    name: str
    title: str
    url: str  # canonical base URL, always ending in "/"
    imgurl: str | None
    description: str
    picture: str | None
    nav: tuple[NavItem, ...]
    publish: PublishSettings | None
    content_dir: Path | None  # the group's own pages (SPEC §7), or None
    urls: dict[str, str] = field(hash=False)  # folder -> URL pattern, in this group only

    @property
    def base_path(self) -> str:
        """The path part of `url` without its trailing slash: '' or '/rtc'."""
        return urlsplit(self.url).path.rstrip("/")

    @property
    def img_url(self) -> str:
        """The value of {{ IMGURL }}: never ends in '/', so '{{ IMGURL }}/x' has no '//'."""
        return (self.imgurl if self.imgurl is not None else self.base_path).rstrip("/")

    def absolute(self, path: str) -> str:
        """The absolute URL of a site path such as 'courses/intro/'."""
        return self.url + path.lstrip("/")


@dataclass(frozen=True)
class SiteConfig:
    """site.yaml, read: its keys are declared, with their defaults, in options.SITE."""

    config_path: Path
    root: Path
    content_dir: Path
    templates_dir: Path
    static_dir: Path
    output_dir: Path
    cache_dir: Path
    images: ImageSettings
    limits: Limits
    default_groups: tuple[str, ...]
    list_fields: tuple[str, ...]
    language: str
    groups: dict[str, GroupConfig]
    search: bool  # a Pagefind index and a search box in every group
    repo_url: str | None  # the sources' repository: an "Edit this page" link on each page
    edit_uri: str  # from repo_url to the site's folder in the repository's editor
    paginate: int  # a news listing's items per page; 0: one page
    paginate_publications: int  # a list of publications' entries per page; 0: one page
    exclude: tuple[str, ...]  # globs of files under each content folder that are not pages
    ungrouped: str  # "error" or "skip": a page whose header names no groups
    markdown_extensions: tuple[MarkdownExtension, ...]  # beside coursesite's own
    link_tags: dict[str, str] = field(hash=False)  # [tag/slug] -> the page slug of folder
    # The line of each key of site.yaml, for messages about a setting found wrong later.
    lines: dict[yamltext.KeyPath, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, *key_path: str | int) -> int | None:
        return yamltext.line_of(self.lines, key_path) if self.lines else None

    def content_roots(self) -> list[tuple[Path, str | None]]:
        """Each folder of pages with the group it belongs to alone (None: shared)."""
        own = [(g.content_dir, name) for name, g in self.groups.items() if g.content_dir]
        return [(self.content_dir, None), *own]

    def rel(self, path: Path) -> str:
        """A path as it appears in messages: relative to the site root."""
        return shown_path(path, self.root)


def load_config(config_path: Path) -> SiteConfig:
    """Read and validate site.yaml; raise ConfigError at the first mistake."""
    config_path = config_path.resolve()
    shown = config_path.name
    try:
        data_bytes = config_path.read_bytes()
        text = data_bytes.decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            shown, None, "no such file", "run build-site in a site folder, or pass --config PATH"
        ) from None
    except UnicodeDecodeError as exc:
        line = data_bytes[:exc.start].count(b"\n") + 1
        raise ConfigError(shown, line, "the file is not valid UTF-8",
                          "save it as UTF-8 in your editor") from None
    except OSError as exc:
        raise ConfigError(shown, None, f"cannot read the file: {exc.strerror or exc}",
                          "check that it is a file you may read") from None
    try:
        data, lines = yamltext.load(text, bound=SITE_YAML_BOUND)
    except yamltext.YamlSyntaxError as exc:
        raise ConfigError(shown, exc.line, exc.message,
                          exc.hint or "check the indentation and quoting") from None
    reader = Reader(shown, lines, config_path.parent)
    try:
        values = options.SITE.read(reader, {} if data is None else data, ())
    except ConfigError as error:  # not a mapping at all: nothing else can be read
        reader.errors.append(error)
    if reader.errors:  # every key and value of the file checked: all their mistakes at once
        raise ConfigErrors(reader.errors)
    return _site_config(config_path, values, reader)


def _site_config(config_path: Path, values: dict[str, Any], reader: Reader) -> SiteConfig:
    """The model of the values read by options.SITE (every key there is a field here)."""
    groups = {name: _group(name, group, reader) for name, group in values.pop("groups").items()}
    _check_own_content(values["content_dir"], groups, reader)
    for index, name in enumerate(values["default_groups"]):
        if name not in groups and name != "all":
            raise reader.fail(
                ("default_groups", index),
                f"default_groups names unknown group '{name}'",
                did_you_mean(name, groups) or f"groups are: {', '.join(groups)}",
            )
    return SiteConfig(config_path=config_path, root=config_path.parent, groups=groups,
                      images=ImageSettings(**values.pop("images")),
                      limits=Limits(**values.pop("limits")), lines=reader.lines,
                      **values)


def _check_own_content(shared: Path, groups: dict[str, GroupConfig], reader: Reader) -> None:
    """A group's own content folder exists, and is neither the shared one nor another's."""
    seen: dict[Path, str] = {}
    for name, group in groups.items():
        folder = group.content_dir
        if folder is None:
            continue
        where = ("groups", name, "content")
        if not folder.is_dir():
            raise reader.fail(where, f"group {name}'s content folder "
                              f"{reader.relative(folder)} does not exist",
                              "set it to the folder of the group's own pages, relative to "
                              "site.yaml, e.g. website-rtc/content")
        if folder == shared or folder in seen:
            other = "the shared content folder" if folder == shared else f"group {seen[folder]}'s"
            raise reader.fail(where, f"group {name}'s content folder is also {other}",
                              "each group's own pages need a folder of their own")
        seen[folder] = name


def _group(name: str, values: dict[str, Any], reader: Reader) -> GroupConfig:
    """The model of the values read by options.GROUP."""
    nav = tuple(NavItem(**item) for item in values.pop("nav"))
    publish = _publish(values.pop("publish"), ("groups", name, "publish"), reader)
    return GroupConfig(name=name, nav=nav, publish=publish, **values)


def _publish(values: dict[str, Any] | None, path: yamltext.KeyPath,
             reader: Reader) -> PublishSettings | None:
    """`publish: TARGET`, or a mapping with target (or command), endpoint_url and region."""
    if values is None:
        return None
    target, command = values["target"], values["command"]
    if (target is None) == (command is None):
        raise reader.fail(path, "'publish' needs either 'target' or 'command'", PUBLISH_HINT)
    if command is not None:
        target = "command:" + command
    problem = publish_problem(target)
    if problem:
        raise reader.fail(path if command is not None else (*path, "target"),
                          f"publish target '{target}': {problem}", PUBLISH_HINT)
    # `publish: TARGET` has no `target:` key: its line is the line of `publish:`
    line = yamltext.line_of(reader.lines, (*path, "target" if command is None else "command"))
    return PublishSettings(target, values["endpoint_url"], values["region"], line)
