"""The sandbox page bodies render in, and the bounds on what one body may cost.

Jinja2's sandbox keeps a page away from Python's internals, but not from
spending: `{{ 'a' * 10**9 }}` asks for a gigabyte, two nested loops over
`range(99999)` for ten billion rounds, and either would hang the build (and
`serve` with it). Each render is given a `Budget` (from `limits:` in site.yaml)
in its context, under a key no template can name. The environment charges it
for every loop round, call, operator and filter, checks the clock at each
charge, and refuses any text or list longer than `render_chars` before making
it where its length can be known beforehand, else as soon as it is made.

Every way a template makes work passes one of these points: loops (each `for`
is rewritten to iterate through the `rounds` filter), calls (macros, methods,
functions: `call`), operators (`call_binop`), `~` (rewritten into the `joined`
filter), filters (each wrapped), and the output (`Budget.output`).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg
from jinja2.visitor import NodeTransformer

from coursesite.config.site import GroupConfig, Limits
from coursesite.content import Page
from coursesite.render.arith import digits_of, int_cost, is_int

BUDGET = "coursesite budget"  # its key in a render's context: a space, so no template names it
ROUNDS = "coursesite_rounds"  # the filter every loop's iterable goes through
JOINED = "coursesite_joined"  # the filter `~` becomes
# Filters whose result grows with an argument, not with the value they are given.
WIDTH_FILTERS = {"center", "indent", "truncate", "wordwrap"}
STR_WIDTH_METHODS = {"ljust", "rjust", "center", "zfill", "expandtabs"}
# The widths and precisions of '%' and str.format fields: '%999999999s', '{:>999999999}'.
PERCENT_WIDTHS = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d*)(?:\.(\d+))?")
FORMAT_WIDTHS = re.compile(r"\{[^{}]*:[^{}\d]*(\d+)(?:\.(\d+))?")


def amount(n: int) -> str:
    """`n` as a message shows it: 'a' * 10**5000 asks for more characters than Python
    turns into digits (4,300), and a number of a thousand digits says nothing more."""
    if n < 10**15:
        return f"{n:,}"
    return f"about 10**{digits_of(n.bit_length()) - 1}"


class OverLimit(Exception):
    """A page body that would cost more than a limit allows."""

    def __init__(self, message: str, key: str):
        super().__init__(message)
        self.message = message
        self.hint = f"raise limits.{key} in site.yaml if the page really needs more"


class Budget:
    """What one render may still spend: rounds and calls, time, and characters."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.steps_left = limits.render_steps
        self.deadline = time.monotonic() + limits.render_seconds
        self.written = 0

    def charge(self) -> None:
        """One loop round, call, operator or filter."""
        self.steps_left -= 1
        if self.steps_left < 0:
            raise OverLimit(f"the page body makes more than {self.limits.render_steps:,} loop "
                            "rounds and calls", "render_steps")
        if time.monotonic() > self.deadline:
            raise OverLimit(f"the page body takes longer than {self.limits.render_seconds} s "
                            "to render", "render_seconds")

    def size(self, length: int) -> None:
        """A text or list of `length` characters or items, about to be made or just made."""
        if length > self.limits.render_chars:
            raise OverLimit(f"the page body makes a text or list of {amount(length)} characters or "
                            f"items, over the limit of {self.limits.render_chars:,}",
                            "render_chars")

    def number(self, digits: int) -> None:
        """A number of `digits` decimal digits, about to be made."""
        if digits > self.limits.render_chars:
            raise OverLimit(f"the page body makes a number of {amount(digits)} digits, over the "
                            f"limit of {self.limits.render_chars:,}", "render_chars")

    def work(self, steps: int) -> None:
        """Arithmetic worth `steps` steps, charged (or refused) before it is done."""
        if steps > self.steps_left:
            raise OverLimit("the page body computes with numbers so long that it would take "
                            f"more than {self.limits.render_steps:,} steps", "render_steps")
        self.steps_left -= steps

    def output(self, chunks: Iterable[str]) -> str:
        """The rendered body, refused as soon as it grows over the limit."""
        parts = []
        for chunk in chunks:
            self.charge()
            self.written += len(chunk)
            self.size(self.written)
            parts.append(chunk)
        return "".join(parts)


def budget_of(context: Context) -> Budget:
    budget = context.parent.get(BUDGET)
    if not isinstance(budget, Budget):  # every render puts one there: see BoundedSandbox.render
        raise RuntimeError("a page body rendered without a budget")
    return budget


def length(value: Any) -> int:
    """The length of what an operation made, when it is a text or a collection."""
    return len(value) if isinstance(value, str | bytes | list | tuple | dict) else 0


def sized(value: Any) -> bool:
    return isinstance(value, str | bytes | list | tuple)


def field_widths(pattern: re.Pattern[str], text: str) -> int:
    """The widest field a format string asks for: it is made that wide, whatever it holds."""
    return max((int(n) for groups in pattern.findall(text) for n in groups if n), default=0)


def largest_int(values: Iterable[Any]) -> int:
    return max((v for v in values if isinstance(v, int)), default=0)


def operator_size(operator: str, left: Any, right: Any) -> int:
    """The length of `left <operator> right` worked out before it is made (0: not a sequence)."""
    if operator == "*":
        if sized(left) and isinstance(right, int):
            return len(left) * right
        if sized(right) and isinstance(left, int):
            return len(right) * left
    if operator == "+" and sized(left) and sized(right):
        return len(left) + len(right)
    if operator == "%" and isinstance(left, str):  # '%*s' takes its width from the values
        values = right if isinstance(right, tuple) else (right,)
        return max(field_widths(PERCENT_WIDTHS, left), largest_int(values))
    return 0


def asked_size(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """The length a str method will make, when an argument says it: 'x'.ljust(10**9)."""
    obj = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format to check its fields
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return 0
    if name in STR_WIDTH_METHODS:
        return largest_int(args)
    if name in ("format", "format_map"):  # '{:{w}}'.format(1, w=10**9) takes it from an argument
        return max(field_widths(FORMAT_WIDTHS, owner), largest_int((*args, *kwargs.values())))
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and args[0]:
        return len(owner) + owner.count(args[0]) * len(str(args[1]))
    if name == "join" and args and isinstance(args[0], Sized):
        return len(owner) * len(args[0])
    return 0


def filter_size(name: str, args: tuple[Any, ...]) -> int:
    """The length a filter will make, worked out from its arguments where they say it."""
    value = args[0] if args else None
    if name in WIDTH_FILTERS and len(args) > 1 and isinstance(args[1], int):
        lines = value.count("\n") + 1 if isinstance(value, str) else 1
        return args[1] * (lines if name == "indent" else 1)
    if name == "replace" and len(args) >= 3 and isinstance(value, str) and args[1]:
        return len(value) + value.count(str(args[1])) * len(str(args[2]))
    if name == "join" and isinstance(value, Sized) and len(args) > 1:
        return len(str(args[1])) * len(value)
    if name == "format" and isinstance(value, str):
        return max(field_widths(PERCENT_WIDTHS, value), largest_int(args[1:]))
    if name == "slice" and len(args) > 1 and isinstance(args[1], int):
        return args[1]
    return 0


def bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` charged to the budget, and refused when it would make too long a result."""
    passes = _PassArg.from_obj(func)

    @functools.wraps(func)
    def bounded(context: Context, *args: Any, **kwargs: Any) -> Any:
        budget = budget_of(context)
        budget.charge()
        budget.size(filter_size(name, args))
        if passes is _PassArg.context:
            args = (context, *args)
        elif passes is _PassArg.eval_context:
            args = (context.eval_ctx, *args)
        elif passes is _PassArg.environment:
            args = (context.environment, *args)
        result = func(*args, **kwargs)
        budget.size(length(result))
        return result

    bounded.jinja_pass_arg = _PassArg.context  # type: ignore[attr-defined]
    return bounded


@jinja2.pass_context
def rounds(context: Context, iterable: Iterable[Any]) -> Iterator[Any]:
    """A loop's items, each round charged."""
    budget = budget_of(context)
    for item in iterable:
        budget.charge()
        yield item


@jinja2.pass_context
def joined(context: Context, values: list[Any]) -> str:
    """What `a ~ b` makes, refused when too long."""
    budget = budget_of(context)
    budget.charge()
    texts = [str(value) for value in values]
    budget.size(sum(map(len, texts)))
    return markup_join(texts) if context.eval_ctx.autoescape else str_join(texts)


class _Charged(NodeTransformer):
    """Rewrites a template so that its loops and `~` go through the budget's filters."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, ROUNDS, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(nodes.List(node.nodes, lineno=node.lineno), JOINED, [], [], None,
                            None, lineno=node.lineno)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, with every loop, call, operator and filter charged."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Where the site sits on this machine, and where it is published (a URL may hold
        # a user name): not for a page, whose output would differ from machine to machine.
        if (attr == "source" and isinstance(obj, Page)) or (
                attr == "publish" and isinstance(obj, GroupConfig)):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def bound(self) -> None:
        """Wrap the filters, once they are all registered."""
        self.filters = {name: bounded_filter(name, func) for name, func in self.filters.items()}
        self.filters[ROUNDS] = rounds
        self.filters[JOINED] = joined

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = _Charged().visit(super()._parse(source, name, filename))
        assert isinstance(tree, nodes.Template)
        return tree

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = budget_of(context)
        budget.charge()
        budget.size(operator_size(operator, left, right))
        if is_int(left) and is_int(right):
            digits, steps = int_cost(operator, left, right)
            budget.number(digits)
            budget.work(steps)
        result = super().call_binop(context, operator, left, right)
        budget.size(length(result))  # '%' formats: its length is known once made
        return result

    def call(__self, __context: Context, __obj: Any, *args: Any,
             **kwargs: Any) -> Any:
        budget = budget_of(__context)
        budget.charge()
        budget.size(asked_size(__obj, args, kwargs))
        result = super().call(__context, __obj, *args, **kwargs)
        budget.size(length(result))
        return result

    def render(self, template: jinja2.Template, context: Mapping[str, Any],
               limits: Limits) -> str:
        """The template rendered within `limits`."""
        budget = Budget(limits)
        return budget.output(template.generate({**context, BUDGET: budget}))
