"""The body renderer: site variables in bodies, then Markdown.

Bodies are untrusted: they are expanded in Jinja2's immutable sandbox with
strict undefined, and code (fenced blocks and inline spans) is set aside
before expansion so that a lesson about Jinja shows `{{ x }}` literally.
Layouts in templates/ are the site's own code and run unsandboxed (layouts.py).
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import jinja2
import jinja2.meta
from markupsafe import Markup

from coursesite.config.extensions import MarkdownExtension
from coursesite.config.site import Limits
from coursesite.content import Page
from coursesite.content.fences import fences
from coursesite.digest import code_fingerprint
from coursesite.errors import ContentError, did_you_mean
from coursesite.markdown.extensions import Converter, Hooks, Target
from coursesite.markdown.mathml import INLINE
from coursesite.render.reproducible import (
    UNDEFINED_NAME,
    UNREPRODUCIBLE,
    NotReproducible,
    make_reproducible,
    not_available,
    unreproducible,
)
from coursesite.render.sandbox import BoundedSandbox, OverLimit

# A run of backticks not preceded by one, up to the same run. The first backtick comes
# before the look-behind so that the regex engine can skip to each backtick (20x faster).
CODE_SPAN = re.compile(r"(`(?<!``)`*)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
ANGLE_VARIABLE = re.compile(r"<<\s*([A-Za-z_][A-Za-z0-9_.]*)\s*>>")
EXTENDS = re.compile(r"^\s*(?:\{#.*?#\}\s*)*\{%-?\s*extends\s", re.DOTALL)
SIMPLE_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
UNCLOSED = re.compile(r"innermost block that needs to be closed is '(\w+)'")
TOKEN = "\x00{}\x00"
# What Python says of str() on an int past sys.get_int_max_str_digits(), a guard of its own
# against quadratic work: a limit of the page, not a failure of the build.
LONG_INT_TEXT = "for integer string conversion"
DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.DOTALL)
INLINE_MATH = re.compile(INLINE)


def protect_code(text: str) -> tuple[str, list[str]]:
    """Replace code and formulas with tokens (keeping line counts) so Jinja never sees them."""
    saved: list[str] = []

    def stash(code: str) -> str:
        saved.append(code)
        return TOKEN.format(len(saved) - 1) + "\n" * code.count("\n")

    out: list[str] = []
    prose = 0  # where the text between fenced blocks starts
    for fence in fences(text):
        out.append(_protect_spans(text[prose:fence.start], stash))
        out.append(stash(text[fence.start:fence.end]))
        prose = fence.end
    out.append(_protect_spans(text[prose:], stash))
    return "".join(out), saved


def _protect_spans(prose: str, stash: Callable[[str], str]) -> str:
    """Code spans, then formulas: LaTeX such as `x^{{2}}` is not a site variable."""
    # Each pattern is tried at every position of the text: only where it can match.
    if "`" in prose:
        prose = CODE_SPAN.sub(lambda m: stash(m.group(0)), prose)
    if "$" in prose:
        prose = DISPLAY_MATH.sub(lambda m: stash(m.group(0)), prose)
        prose = INLINE_MATH.sub(lambda m: stash(m.group(0)), prose)
    return prose


def restore_code(text: str, saved: list[str]) -> str:
    for index, code in enumerate(saved):
        text = text.replace(TOKEN.format(index) + "\n" * code.count("\n"), code, 1)
    return text


def unclosed_block(source: str, line: int, message: str) -> tuple[int, str]:
    """Point an 'unexpected end of template' at the block that is never closed."""
    block = UNCLOSED.search(message)
    if not block:
        return line, message
    opening = re.compile(r"\{%-?\s*" + re.escape(block.group(1)) + r"\b")
    lines = source.split("\n")[:line]
    for index in range(len(lines) - 1, -1, -1):
        if opening.search(lines[index]):
            return index + 1, f"'{{% {block.group(1)} %}}' is never closed"
    return line, message


def substitute_simple(text: str, context: Mapping[str, Any]) -> str | None:
    """`{{ NAME }}` filled in without compiling a template, or None when Jinja is needed.

    Most bodies use nothing but site variables; compiling each one as a template
    costs more than rendering its Markdown. The result is what the sandbox would
    give: every name must be defined, and anything fancier goes to Jinja.
    """
    parts = SIMPLE_VARIABLE.split(text)  # text, name, text, name, ..., text: one pass
    names, rest = parts[1::2], "".join(parts[::2])
    if "{{" in rest or "{%" in rest or "{#" in rest or not all(n in context for n in names):
        return None
    parts[1::2] = [str(context[name]) for name in names]
    return "".join(parts)


def error_line(exc: BaseException, filename: str) -> int | None:
    """The template line of the innermost frame of `filename` in a Jinja traceback."""
    line = getattr(exc, "lineno", None)
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@dataclass(frozen=True)
class Call:
    """One question the Markdown extensions asked of the link resolvers, and its answer."""

    kind: str
    args: tuple[str | None, ...]
    answer: object

    def replay(self, links: Target) -> bool:
        """Ask the question again of another unit's links: True when the answer is the same."""
        if self.kind == "rewrite":
            tag, value = self.args
            return links.rewrite(tag or "", value or "") == self.answer
        ref, group, source = self.args
        return links.page_ref(ref or "", group, source or "") == self.answer


class Recording:
    """A unit's links, noting each question a conversion asks of them and its answer:
    the HTML is reused for the same text while every answer is the same (`convert`)."""

    __slots__ = ("calls", "links")

    def __init__(self, links: Target):
        self.links = links
        self.calls: list[Call] = []

    def rewrite(self, tag: str, value: str) -> str:
        answer = self.links.rewrite(tag, value)
        self.calls.append(Call("rewrite", (tag, value), answer))
        return answer

    def page_ref(self, ref: str, group: str | None, source: str) -> tuple[str, str] | None:
        answer = self.links.page_ref(ref, group, source)
        self.calls.append(Call("ref", (ref, group, source), answer))
        return answer

    def problem(self, message: str, written: str, hint: str, at: int | None) -> None:
        self.links.problem(message, written, hint, at)


@dataclass(frozen=True)
class TocEntry:
    """A heading for a lesson's "on this page" list."""

    level: int
    id: str
    name: Markup  # as Python-Markdown gives it: HTML-escaped text


def flatten_toc(tokens: list[dict[str, Any]], levels: tuple[int, ...] = (2, 3)) -> list[TocEntry]:
    entries = []
    for token in tokens:
        if token["level"] in levels:
            entries.append(TocEntry(token["level"], token["id"], Markup(token["name"])))
        entries += flatten_toc(token["children"], levels)
    return entries


@dataclass(frozen=True)
class Converted:
    text: str
    html: str
    calls: list[Call]
    toc: list[TocEntry]


def body_key(text: str, more: tuple[MarkdownExtension, ...] = ()) -> str:
    """What a converted body is kept under: its text, the code that converts it and
    site.yaml's markdown_extensions."""
    salt = code_fingerprint() + repr(more) if more else code_fingerprint()
    return hashlib.sha256(salt.encode() + text.encode("utf-8")).hexdigest()


def stored(converted: Converted) -> dict[str, Any]:
    return {
        "html": converted.html,
        "calls": [[call.kind, call.args, call.answer] for call in converted.calls],
        "toc": [[entry.level, entry.id, str(entry.name)] for entry in converted.toc],
    }


def from_store(value: Any | None, text: str) -> Converted | None:
    if value is None:
        return None  # not in the store
    try:
        calls = [Call(kind, tuple(args), tuple(answer) if isinstance(answer, list) else answer)
                 for kind, args, answer in value["calls"]]
        toc = [TocEntry(level, anchor, Markup(name)) for level, anchor, name in value["toc"]]
        return Converted(text, value["html"], calls, toc)
    except (ValueError, TypeError, KeyError):
        return None  # not what this version stores: converted again


class BodyCache(Protocol):
    """Where converted bodies are kept between builds (the build state's, passed in)."""

    def get(self, key: str) -> Any | None: ...

    def put(self, key: str, value: Any) -> None: ...

    def flush(self) -> None: ...


class NoBodyCache:
    """Keeps nothing: for a renderer used outside a build."""

    def get(self, key: str) -> Any | None:
        return None

    def put(self, key: str, value: Any) -> None:
        pass

    def flush(self) -> None:
        pass


class BodyRenderer:
    """Expands site variables in page bodies and turns Markdown into HTML."""

    def __init__(self, loader: jinja2.BaseLoader, limits: Limits,
                 store: BodyCache | None = None, more: tuple[MarkdownExtension, ...] = ()):
        self.limits = limits
        self.env = BoundedSandbox(
            loader=loader,
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
            keep_trailing_newline=True,
            auto_reload=False,  # as the layouts' (one build, one renderer)
        )
        self.hooks = Hooks()
        self.markdown = Converter(self.hooks, more)
        self.store: BodyCache = store or NoBodyCache()
        # Memos, not a unit's state: each is asked again with its input and used only
        # when the input is the same (the last conversion: its text and the answers
        # of its links; the last body with its code set aside: the body itself).
        self._last: Converted | None = None
        self._protected = ("", "", [""])  # see expand
        # `| markdown` in a body: converted with the unit's links, bound by `_render`.
        self.env.filters["markdown"] = lambda text: Markup(self.to_html(str(text)))
        make_reproducible(self.env)
        self.env.bound()

    def to_html(self, text: str) -> str:
        return self.markdown.convert(text)[0]

    def convert(self, links: Target, text: str) -> tuple[Converted, str]:
        """Markdown to HTML with the unit's links, reusing the last result for the same
        text in another group; returns it with the key to store it under ("" when it
        was not made here: it is stored already, or was kept from the last build).

        A page in several groups differs between them only where its links
        resolve differently; the links of the last conversion are asked again
        of this group's resolvers, and when every answer is the same, so is the HTML.
        """
        last = self._last
        if last is not None and last.text == text and all(
                call.replay(links) for call in last.calls):
            return last, ""
        key = body_key(text, self.markdown.more)
        kept = from_store(self.store.get(key), text)
        if kept is not None and all(call.replay(links) for call in kept.calls):
            self._last = kept
            return kept, ""
        recording = Recording(links)
        with self.hooks.bound(recording):
            html, toc_tokens = self.markdown.convert(text)
        self._last = Converted(text, html, recording.calls, flatten_toc(toc_tokens))
        return self._last, key

    def keep(self, key: str, converted: Converted) -> None:
        """Keep a conversion for later builds (once its page showed no problem)."""
        self.store.put(key, stored(converted))

    @staticmethod
    def is_full_page(page: Page) -> bool:
        return bool(EXTENDS.match(page.body))

    def expand(self, links: Target, page: Page, context: Mapping[str, Any]) -> str:
        """The body with site variables filled in; code stays as written."""
        body = page.body
        if "{" not in body and "<<" not in body:
            return body  # nothing to expand: skip Jinja, the common case
        if self._protected[0] is not body:  # a page's groups are rendered one after another
            protected, saved = protect_code(body)
            self._protected = (body, ANGLE_VARIABLE.sub(r"{{ \1 }}", protected), saved)
        _, protected, saved = self._protected
        simple = substitute_simple(protected, context)
        expanded = (simple if simple is not None
                    else self._render(links, page, protected, context))
        return restore_code(expanded, saved)

    def render_full(self, links: Target, page: Page, context: Mapping[str, Any]) -> str:
        """A body that extends a layout is a whole Jinja page."""
        return self._render(links, page, page.body, context)

    def _render(self, links: Target, page: Page, source: str,
                context: Mapping[str, Any]) -> str:
        """The body as a sandboxed template; `| markdown` in it converts with `links`."""
        name = f"<body of {page.path}>"
        try:
            code = self.env.compile(source, name=name, filename=name)
            template = self.env.template_class.from_code(self.env, code, self.env.globals)
            with self.hooks.bound(links):
                return self.env.render(template, context, self.limits)
        except OverLimit as exc:
            raise self._error(page, error_line(exc, name), exc.message, exc.hint) from None
        except RecursionError:
            raise self._error(page, None, "the page body calls itself too deeply",
                              "a macro that calls itself needs a case that stops") from None
        except MemoryError:
            raise self._error(page, None, "the page body needs more memory than there is",
                              "make the texts or loops in it smaller") from None
        except jinja2.exceptions.SecurityError as exc:  # before its base, TemplateRuntimeError
            raise self._error(page, error_line(exc, name), f"not allowed in a page: {exc}",
                              "pages may use site variables, not Python internals") from None
        except (jinja2.TemplateSyntaxError, jinja2.TemplateRuntimeError) as exc:
            raise self._jinja_error(page, source, context, name, exc) from None
        except NotReproducible as exc:
            raise self._error(page, error_line(exc, name), exc.message(), exc.hint) from None
        except ValueError as exc:
            if LONG_INT_TEXT not in str(exc):
                raise self._error(page, error_line(exc, name),
                                  f"ValueError in page body: {exc}") from None
            raise self._error(page, error_line(exc, name), "the page body turns a number of "
                              f"more than {sys.get_int_max_str_digits():,} digits into text",
                              "Python shows no longer number; show part of it, such as "
                              "n % 10**100") from None
        except jinja2.TemplateNotFound as exc:
            raise self._error(page, error_line(exc, name), f"no template '{exc.name}'") from None
        except Exception as exc:  # untrusted input: any failure is the page's mistake
            raise self._error(page, error_line(exc, name),
                              f"{type(exc).__name__} in page body: {exc}") from None

    def _jinja_error(self, page: Page, source: str, context: Mapping[str, Any], name: str,
                     exc: jinja2.TemplateSyntaxError | jinja2.TemplateRuntimeError
                     ) -> ContentError:
        removed = unreproducible(str(exc))
        if removed:  # found when compiled, or (in a block Jinja2 compiles lazily) when run
            line = exc.lineno if isinstance(exc, jinja2.TemplateSyntaxError) else error_line(
                exc, name)
            return self._error(page, line, not_available(removed, "page"),
                               UNREPRODUCIBLE[removed])
        if isinstance(exc, jinja2.TemplateSyntaxError):
            line, message = unclosed_block(source, exc.lineno, exc.message or "")
            return self._error(page, line, f"template syntax: {message}",
                               "check that every {{ has its }} and every {% its %}")
        if not isinstance(exc, jinja2.UndefinedError):
            return self._error(page, error_line(exc, name),
                               f"{type(exc).__name__} in page body: {exc}")
        missing = UNDEFINED_NAME.search(str(exc))
        hint = did_you_mean(missing.group(1), context) if missing else None
        return self._error(page, error_line(exc, name), str(exc),
                           hint or "site variables: " + ", ".join(sorted(context)))

    @staticmethod
    def _error(page: Page, line: int | None, message: str, hint: str | None = None) -> ContentError:
        file_line = page.body_line + (line or 1) - 1
        return ContentError(page.path, file_line, message, hint)
