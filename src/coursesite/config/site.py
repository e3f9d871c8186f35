"""site.yaml: loaded into typed, validated models.

Unknown keys and wrong types are errors that name the file, the line and the
key, with a did-you-mean, because a typo that passes silently costs an author
an afternoon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from coursesite.config import yamltext
from coursesite.errors import ConfigError, did_you_mean

GROUP_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

TOP_KEYS: dict[str, Any] = {
    "content": "content",
    "templates": "templates",
    "static": "static",
    "output": "output",
    "cache": ".cache",
    "images": {},
    "default_groups": [],
    "list_fields": [],
    "language": "en",
    "search": True,
    "groups": None,
}
GROUP_KEYS = {"title", "url", "imgurl", "description", "picture", "nav", "publish"}
NAV_KEYS = {"title", "url"}
PUBLISH_KEYS = {"target", "command", "endpoint_url", "region"}
# Where `build-site publish` can send a group; a plain folder path is a target too.
PUBLISH_SCHEMES = ("file", "ssh", "rsync", "git+file", "git+ssh", "git+https", "s3")
IMAGE_FORMATS = ("webp", "avif")


@dataclass(frozen=True)
class ImageSettings:
    """How images are processed; every value has a default."""

    widths: tuple[int, ...] = (480, 800, 1200, 1600)  # srcset candidates, never upscaled
    formats: tuple[str, ...] = ("webp",)  # formats of the srcset variants
    quality: int = 80  # for lossy formats (WebP, AVIF, JPEG)
    thumbnail: tuple[int, int] = (640, 360)  # card pictures, cropped around the centre
    sizes: str = "(max-width: 46rem) 100vw, 46rem"  # the <img sizes> of content images

    def fingerprint(self) -> str:
        """What a variant's bytes depend on besides its source."""
        return f"{self.widths}|{self.formats}|{self.quality}|{self.thumbnail}|v1"



@dataclass(frozen=True)
class NavItem:
    title: str
    url: str


@dataclass(frozen=True)
class PublishSettings:
    """A group's `publish:` in site.yaml: where `build-site publish` sends it."""

    target: str  # a URL (file://, ssh://, git+https://, s3://, ...), a folder, or command:...
    endpoint_url: str | None = None  # S3-compatible hosts (MinIO, R2, ...)
    region: str | None = None
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


PUBLISH_HINT = ("targets: a folder or file:///path, ssh://user@host/path, rsync://host/module, "
                "git+https://host/org/repo.git#gh-pages (or git+ssh, git+file), "
                "s3://bucket/prefix, command:<a command with {output}>")


@dataclass(frozen=True)
class GroupConfig:
    name: str
    title: str
    url: str  # canonical base URL, always ending in "/"
    imgurl: str | None
    description: str
    picture: str | None
    nav: tuple[NavItem, ...]
    publish: PublishSettings | None = None

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
    config_path: Path
    root: Path
    content_dir: Path
    templates_dir: Path
    static_dir: Path
    output_dir: Path
    cache_dir: Path
    images: ImageSettings
    default_groups: tuple[str, ...]
    list_fields: tuple[str, ...]
    language: str
    groups: dict[str, GroupConfig]
    search: bool = True  # a Pagefind index and a search box in every group
    # The line of each key of site.yaml, for messages about a setting found wrong later.
    lines: dict[yamltext.KeyPath, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, *key_path: str) -> int | None:
        return yamltext.line_of(self.lines, key_path) if self.lines else None

    def rel(self, path: Path) -> str:
        """A path as it appears in messages: relative to the site root."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


class _Reader:
    """Type checks with the file and line of each key at hand."""

    def __init__(self, path: str, lines: dict[yamltext.KeyPath, int]):
        self.path = path
        self.lines = lines

    def fail(self, key_path: yamltext.KeyPath, message: str,
             hint: str | None = None) -> ConfigError:
        return ConfigError(self.path, yamltext.line_of(self.lines, key_path), message, hint)

    def mapping(self, value: Any, key_path: yamltext.KeyPath, allowed: set[str]) -> dict[str, Any]:
        where = ".".join(str(p) for p in key_path) or "the file"
        if not isinstance(value, dict):
            raise self.fail(key_path, f"{where} must be a mapping of keys to values")
        for key in value:
            if str(key) not in allowed:
                hint = (did_you_mean(str(key), allowed)
                        or f"known keys: {', '.join(sorted(allowed))}")
                raise self.fail((*key_path, str(key)), f"unknown key '{key}' in {where}", hint)
        return value

    def text(self, value: Any, key_path: yamltext.KeyPath) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            name = ".".join(str(p) for p in key_path)
            raise self.fail(key_path, f"'{name}' must be text, not {_kind(value)}")
        return str(value)

    def flag(self, value: Any, key_path: yamltext.KeyPath) -> bool:
        if not isinstance(value, bool):
            name = ".".join(str(p) for p in key_path)
            raise self.fail(key_path, f"'{name}' must be true or false, not {_kind(value)}")
        return value

    def names(self, value: Any, key_path: yamltext.KeyPath) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            name = ".".join(str(p) for p in key_path)
            raise self.fail(key_path, f"'{name}' must be a list, not {_kind(value)}")
        return tuple(self.text(v, (*key_path, i)) for i, v in enumerate(value))

    def url(self, value: Any, key_path: yamltext.KeyPath) -> str:
        url = self.text(value, key_path)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.fail(
                key_path,
                f"'{url}' is not an absolute http(s) URL",
                "write the full address, e.g. https://rtc.example.org/",
            )
        return url if url.endswith("/") else url + "/"


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", type(None): "empty", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


def load_config(config_path: Path) -> SiteConfig:
    """Read and validate site.yaml; raise ConfigError at the first mistake."""
    config_path = config_path.resolve()
    shown = config_path.name
    try:
        text = config_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            shown, None, "no such file", "run build-site in a site folder, or pass --config PATH"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(shown, None, f"cannot read the file: {exc}") from None
    try:
        data, lines = yamltext.load(text)
    except yamltext.YamlSyntaxError as exc:
        raise ConfigError(shown, exc.line, exc.message,
                          "check the indentation and quoting") from None
    if data is None:
        data = {}
    reader = _Reader(shown, lines)
    top = reader.mapping(data, (), set(TOP_KEYS))
    return _site_config(config_path, top, reader)


def _site_config(config_path: Path, top: dict[str, Any], reader: _Reader) -> SiteConfig:
    root = config_path.parent

    def folder(key: str) -> Path:
        return (root / reader.text(top.get(key, TOP_KEYS[key]), (key,))).resolve()

    raw_groups = top.get("groups")
    if not raw_groups:
        raise reader.fail(
            ("groups",) if "groups" in top else (),
            "site.yaml defines no groups",
            "add 'groups:' with at least one group, e.g. 'rtc: {title: RTC, url: https://rtc.example.org/}'",
        )
    groups_map = reader.mapping(raw_groups, ("groups",), {str(k) for k in raw_groups or {}})
    groups = {str(name): _group(str(name), value, reader) for name, value in groups_map.items()}
    default_groups = reader.names(top.get("default_groups", []), ("default_groups",))
    for index, name in enumerate(default_groups):
        if name not in groups and name != "all":
            raise reader.fail(
                ("default_groups", index),
                f"default_groups names unknown group '{name}'",
                did_you_mean(name, groups) or f"groups are: {', '.join(groups)}",
            )
    return SiteConfig(
        config_path=config_path,
        root=root,
        content_dir=folder("content"),
        templates_dir=folder("templates"),
        static_dir=folder("static"),
        output_dir=folder("output"),
        cache_dir=folder("cache"),
        images=_image_settings(top.get("images") or {}, reader),
        default_groups=default_groups,
        list_fields=tuple(
            f.lower() for f in reader.names(top.get("list_fields", []), ("list_fields",))
        ),
        language=reader.text(top.get("language", "en"), ("language",)),
        groups=groups,
        search=reader.flag(top.get("search", True), ("search",)),
        lines=reader.lines,
    )


def _group(name: str, value: Any, reader: _Reader) -> GroupConfig:
    path: yamltext.KeyPath = ("groups", name)
    if not GROUP_NAME.match(name) or name == "all":
        raise reader.fail(
            path,
            f"'{name}' cannot be a group name",
            "use lower-case letters, digits, '-' and '_'; 'all' is reserved",
        )
    data = reader.mapping(value, path, GROUP_KEYS)
    for required in ("title", "url"):
        if required not in data:
            raise reader.fail(path, f"group '{name}' has no '{required}'")
    nav = []
    raw_nav = data.get("nav") or []
    if not isinstance(raw_nav, list):
        raise reader.fail((*path, "nav"), "'nav' must be a list of {title, url}")
    for index, item in enumerate(raw_nav):
        item_path = (*path, "nav", index)
        entry = reader.mapping(item, item_path, NAV_KEYS)
        if "title" not in entry or "url" not in entry:
            raise reader.fail(item_path, "a nav entry needs both 'title' and 'url'")
        nav.append(
            NavItem(reader.text(entry["title"], (*item_path, "title")),
                    reader.text(entry["url"], (*item_path, "url")))
        )
    imgurl = data.get("imgurl")
    picture = data.get("picture")
    return GroupConfig(
        name=name,
        title=reader.text(data["title"], (*path, "title")),
        url=reader.url(data["url"], (*path, "url")),
        imgurl=None if imgurl is None else reader.text(imgurl, (*path, "imgurl")),
        description=reader.text(data.get("description", ""), (*path, "description")),
        picture=None if picture is None else reader.text(picture, (*path, "picture")),
        nav=tuple(nav),
        publish=_publish(data.get("publish"), (*path, "publish"), reader),
    )


def _publish(value: Any, path: yamltext.KeyPath, reader: _Reader) -> PublishSettings | None:
    """`publish: TARGET`, or a mapping with target (or command), endpoint_url and region."""
    if value is None:
        return None
    if not isinstance(value, dict):
        value = {"target": value}
    data = reader.mapping(value, path, PUBLISH_KEYS)
    if ("target" in data) == ("command" in data):
        raise reader.fail(path, "'publish' needs either 'target' or 'command'", PUBLISH_HINT)
    if "command" in data:
        target = "command:" + reader.text(data["command"], (*path, "command"))
    else:
        target = reader.text(data["target"], (*path, "target"))
    problem = publish_problem(target)
    if problem:
        raise reader.fail((*path, "target") if "target" in data else path,
                          f"publish target '{target}': {problem}", PUBLISH_HINT)
    optional = {key: reader.text(data[key], (*path, key)) if key in data else None
                for key in ("endpoint_url", "region")}
    # `publish: TARGET` has no `target:` key: its line is the line of `publish:`
    line = yamltext.line_of(reader.lines, (*path, "command" if "command" in data else "target"))
    return PublishSettings(target, optional["endpoint_url"], optional["region"], line)


def _image_settings(value: Any, reader: _Reader) -> ImageSettings:
    path: yamltext.KeyPath = ("images",)
    known = {"widths", "formats", "quality", "thumbnail", "sizes"}
    data = reader.mapping(value, path, known)
    default = ImageSettings()

    def numbers(key: str, count: int | None = None) -> tuple[int, ...]:
        raw = data[key]
        ok = isinstance(raw, list) and raw and all(
            isinstance(n, int) and not isinstance(n, bool) and 16 <= n <= 8000 for n in raw)
        if not ok or (count is not None and len(raw) != count):
            what = f"{count} whole numbers" if count else "a list of whole numbers"
            raise reader.fail((*path, key), f"images.{key} must be {what} from 16 to 8000")
        return tuple(sorted(raw)) if count is None else tuple(raw)

    formats = default.formats
    if "formats" in data:
        formats = reader.names(data["formats"], (*path, "formats"))
        for index, name in enumerate(formats):
            if name not in IMAGE_FORMATS:
                raise reader.fail((*path, "formats", index), f"unknown image format '{name}'",
                                  f"choose from {', '.join(IMAGE_FORMATS)}")
    quality = data.get("quality", default.quality)
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        raise reader.fail((*path, "quality"), "images.quality must be a whole number 1-100")
    thumbnail = numbers("thumbnail", 2) if "thumbnail" in data else default.thumbnail
    return ImageSettings(
        widths=numbers("widths") if "widths" in data else default.widths,
        formats=formats,
        quality=quality,
        thumbnail=(thumbnail[0], thumbnail[1]),
        sizes=reader.text(data.get("sizes", default.sizes), (*path, "sizes")),
    )
