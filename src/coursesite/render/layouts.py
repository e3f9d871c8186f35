"""The site's Jinja2 layouts: templates/ first, then the default theme.

Layouts are the site's own code and run unsandboxed (bodies are rendered in
render/body.py); an error in one is reported at its file and line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from coursesite.config.site import SiteConfig
from coursesite.errors import TemplateError
from coursesite.render.reproducible import (
    NotReproducible,
    make_reproducible,
    not_available,
    unreproducible,
)


def web_address(value: object) -> str:
    """A header's link (`website:`, `orcid:`, ...) if a browser goes there as a link: an
    http(s) or mailto URL, or a path of the site; else "" (`javascript:` is no link)."""
    text = str(value or "").strip()
    scheme = text.partition(":")[0].lower() if ":" in text.partition("/")[0] else ""
    return text if scheme in ("", "http", "https", "mailto") else ""


def hue(value: object) -> int:
    """A colour (a hue, 0-359) of its own for a text: a card with no picture is drawn in
    it, the same on every build."""
    return int.from_bytes(hashlib.sha256(str(value).encode()).digest()[:2], "big") % 360


class LayoutStore(jinja2.BytecodeCache):
    """Where builds keep the layouts' compiled code and the templates each one uses, by
    source (state/layouts.py); this one keeps nothing."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        return None

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        return None

    def references(self, source: str) -> list[str | None] | None:
        """The templates a template of this source names (None: a name made at run
        time), when known."""
        return None

    def keep(self, source: str, references: list[str | None]) -> None:
        return None


class Layouts:
    """The Jinja2 layouts of templates/ (site first, then the default theme)."""

    def __init__(self, config: SiteConfig, template_dirs: tuple[Path, ...],
                 store: LayoutStore | None = None):
        self.config = config
        self.loader = jinja2.FileSystemLoader([str(d) for d in template_dirs])
        self.env = jinja2.Environment(
            loader=self.loader,
            bytecode_cache=store,  # the build state's (state/layouts.py), when it writes
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(["html", "xml"]),
            trim_blocks=True,
            lstrip_blocks=True,
            # Each build makes its own: a layout cannot change during one, so there is
            # no need for a stat of its file each time a page includes or extends it.
            auto_reload=False,
        )
        make_reproducible(self.env)
        self.env.filters["web_address"] = web_address
        self.env.filters["hue"] = hue
        self.store = store or LayoutStore()
        self._fingerprints: dict[str, str] = {}

    def fingerprint(self, name: str) -> str:
        """A hash of a layout and of every template it extends, includes or imports."""
        if name not in self._fingerprints:
            seen = {current: source for current, (_, source) in self.sources(name).items()}
            self._fingerprints[name] = hashlib.sha256(
                repr(sorted(seen.items())).encode()).hexdigest()
        return self._fingerprints[name]

    def sources(self, name: str) -> dict[str, tuple[str, str]]:
        """A layout and every template it extends, includes or imports, the layout first:
        name -> (file, source); a template that does not exist has no file and no text."""
        seen: dict[str, tuple[str, str]] = {}
        pending = [name]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            try:
                source, filename, _ = self.loader.get_source(self.env, current)
            except jinja2.TemplateNotFound:
                seen[current] = ("", "")
                continue
            seen[current] = (filename or "", source)
            found = self.references(source)
            if None in found:  # a name computed at run time: depend on every template
                found = list(self.env.list_templates())
            pending.extend(f for f in found if f)
        return seen

    def references(self, source: str) -> list[str | None]:
        """The templates a template names (None for a name made at run time)."""
        found = self.store.references(source)
        if found is None:
            try:
                found = list(jinja2.meta.find_referenced_templates(self.env.parse(source)))
            except jinja2.TemplateSyntaxError:
                return []  # reported when it is rendered
            self.store.keep(source, found)
        return found

    def exists(self, name: str) -> bool:
        try:
            self.env.get_template(name)
        except jinja2.TemplateNotFound:
            return False
        except jinja2.TemplateSyntaxError:
            return True  # reported when it is rendered
        return True

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            removed = unreproducible(exc.message or "")
            message = (not_available(removed, "layout") if removed
                       else f"template syntax: {exc.message}")
            raise self._error(exc.filename, exc.lineno, message) from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError("templates", None, f"no template '{exc.name}'") from None
        except Exception as exc:  # a template's mistake, not ours: report where it is
            filename, line = self._frame(exc)
            raise self._error(filename, line, self._message(exc)) from None

    @staticmethod
    def _message(exc: Exception) -> str:
        if isinstance(exc, NotReproducible):
            return exc.message()
        removed = unreproducible(str(exc)) if isinstance(exc, jinja2.TemplateRuntimeError) \
            else None
        return not_available(removed, "layout") if removed else f"{type(exc).__name__}: {exc}"

    def _frame(self, exc: BaseException) -> tuple[str | None, int | None]:
        found: tuple[str | None, int | None] = (None, None)
        tb = exc.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.endswith((".html", ".xml", ".txt")):
                found = (filename, tb.tb_lineno)
            tb = tb.tb_next
        return found

    def _error(self, filename: str | None, line: int | None, message: str) -> TemplateError:
        shown = self.config.rel(Path(filename)) if filename else "templates"
        return TemplateError(shown, line, message, "fix the layout; pages using it were not built")
