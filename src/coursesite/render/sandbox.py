"""The sandbox page bodies render in, and the bounds on what one body may cost.

Jinja2's sandbox keeps a page away from Python's internals, but not from
spending: `{{ 'a' * 10**9 }}` asks for a gigabyte, two nested loops over
`range(99999)` for ten billion rounds, and either would hang the build (and
`serve` with it). Each render is given a `Budget` (from `limits:` in site.yaml),
held for the thread while it runs: not in the template's context, which a template
imported without context would not see. The environment charges it
for every loop round, call, operator and filter, checks the clock at each
charge, and refuses any text or list longer than `render_chars` before making
it where its length can be known beforehand, else as soon as it is made.

Every way a template makes work passes one of these points: loops (each `for`
is rewritten to iterate through the `rounds` filter), calls (macros, methods,
functions: `call`), operators (`call_binop`), `~` (rewritten into the `joined`
filter), filters (each wrapped), the output (`Budget.output`), and the text a
`{% set %}` or `{% filter %}` block, a macro or a `{% call %}` captures before it
is output (`Captured`, the buffer the compiled template appends it to).
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import (
    ImmutableSandboxedEnvironment,
    SandboxedEnvironment,
    SandboxedFormatter,
)
from jinja2.utils import _PassArg
from jinja2.visitor import NodeTransformer
from markupsafe import EscapeFormatter, Markup

from coursesite.config.site import GroupConfig, Limits
from coursesite.content import Page
from coursesite.render.arith import digits_of, int_cost, is_int
from coursesite.render.sizes import (
    SIZED_FILTERS,
    asked_size,
    filter_size,
    filter_work,
    length,
    operator_size,
    spec_size,
)

# The budget of the render running in this thread (serve renders in several at once).
BUDGET: contextvars.ContextVar[Budget] = contextvars.ContextVar("coursesite budget")
ROUNDS = "coursesite_rounds"  # the filter every loop's iterable goes through
JOINED = "coursesite_joined"  # the filter `~` becomes
# Filters that go through all the items of their value in one call of Python: each item is
# charged as the filter takes it, which checks the clock too.
ITERATING_FILTERS = {"batch", "groupby", "join", "list", "map", "max", "min", "reject",
                     "rejectattr", "select", "selectattr", "slice", "sort", "unique"}
# Adding lists copies them: about 200 items a microsecond (a step).
ITEMS_COPIED_PER_STEP = 200


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

    def work(self, steps: int, doing: str) -> None:
        """Work of `steps` steps in one call of Python, charged (or refused) before it is
        done: no clock check can stop it once it runs. `doing`: what the message says."""
        if steps > self.steps_left:
            raise OverLimit(f"the page body {doing} that it would take more than "
                            f"{self.limits.render_steps:,} steps", "render_steps")
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


def current_budget() -> Budget:
    """The budget of the render running in this thread."""
    try:
        return BUDGET.get()
    except LookupError:  # every render sets one: see BoundedSandbox.render
        raise RuntimeError("a page body rendered without a budget") from None


class Captured(list[str]):
    """The buffer that a `{% set %}` or `{% filter %}` block, a macro or a `{% call %}`
    collects its text in, refused as soon as it holds too much: the compiled template
    appends to it without passing any other check, and only its end makes a text."""

    def __init__(self, budget: Budget):
        super().__init__()
        self.budget = budget
        self.written = 0

    def append(self, chunk: str) -> None:
        self.written += length(chunk)
        self.budget.size(self.written)
        super().append(chunk)

    def extend(self, chunks: Iterable[str]) -> None:
        for chunk in chunks:
            self.append(chunk)


class BoundedFormatter(SandboxedFormatter):
    """The sandbox's str.format, each field refused before it is made when its spec (with
    the widths nested in it filled in: '{:{}}'.format(1, 10**9)) asks for too long a text,
    and the whole as soon as it grows too long ('{0}{0}{0}'.format(s))."""

    def __init__(self, env: SandboxedEnvironment, **kwargs: Any):
        super().__init__(env, **kwargs)
        self.budget = current_budget()
        self.written = 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        self.budget.size(spec_size(format_spec))
        text = super().format_field(value, format_spec)
        self.written += length(text)
        self.budget.size(self.written)
        return text


class BoundedEscapeFormatter(BoundedFormatter, EscapeFormatter):
    """The same for a Markup format string, whose values are escaped."""


class BoundedCode(CodeGenerator):
    """Jinja2's compiler, with every buffer a `Captured`, and a filter block's result
    made text (`{% filter length %}` gives a number, which Jinja2 itself fails to join)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.block_filters: set[int] = set()

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.captured()")

    def visit_FilterBlock(self, node: nodes.FilterBlock, frame: Frame) -> None:
        self.block_filters.add(id(node.filter))
        super().visit_FilterBlock(node, frame)

    def visit_Filter(self, node: nodes.Filter, frame: Frame) -> None:
        if id(node) not in self.block_filters:
            super().visit_Filter(node, frame)
            return
        self.write("str(")
        super().visit_Filter(node, frame)
        self.write(")")


def bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` charged to the budget, and refused when it would make too long a result or
    take too long: a filter is one call of Python, which no clock check interrupts."""
    passes = _PassArg.from_obj(func)
    signature = parameters(func) if name in SIZED_FILTERS else None

    @functools.wraps(func)
    def bounded(context: Context, *args: Any, **kwargs: Any) -> Any:
        budget = current_budget()
        budget.charge()
        args = taken(name, budget, args)
        if signature is not None:
            named = signature.bind(*args, **kwargs)
            named.apply_defaults()
            budget.size(filter_size(name, named.arguments))
            for steps in filter_work(name, named.arguments):
                budget.work(steps, f"gives | {name} a text so long")
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


def parameters(func: Callable[..., Any]) -> inspect.Signature:
    """A filter's parameters as a template gives them: without the environment or context
    that Jinja2 passes first (Jinja2 wraps most filters in one that takes it, too)."""
    inner = inspect.unwrap(func)
    signature = inspect.signature(inner)
    if _PassArg.from_obj(inner) is None:
        return signature
    return signature.replace(parameters=list(signature.parameters.values())[1:])


def taken(name: str, budget: Budget, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """A filter's arguments, its value charged item by item when the filter goes through
    them all. `join` takes them first, to know their number before it makes its text."""
    if name not in ITERATING_FILTERS or not args:
        return args
    items = charged(budget, args[0])
    return (list(items) if name == "join" else items, *args[1:])


def charged(budget: Budget, items: Iterable[Any]) -> Iterator[Any]:
    """Items, each charged as it is taken."""
    for item in items:
        budget.charge()
        yield item


def rounds(iterable: Iterable[Any]) -> Iterator[Any]:
    """A loop's items, each round charged."""
    return charged(current_budget(), iterable)


@jinja2.pass_context
def bounded_sum(context: Context, iterable: Iterable[Any], attribute: str | int | None = None,
                start: Any = 0) -> Any:
    """Jinja2's `sum`, each addition charged for what it copies: `[[1]] * 10**5 |
    sum(start=[])` copies the growing list at each item, 5 billion copies in one call."""
    budget = current_budget()
    budget.charge()
    if attribute is not None:
        iterable = map(make_attrgetter(context.environment, attribute), iterable)
    return sum(growing(budget, iterable, start), start)


def growing(budget: Budget, items: Iterable[Any], start: Any) -> Iterator[Any]:
    """The items of a sum, each charged for the length of the total it makes."""
    total = length(start)
    for item in items:
        total += length(item)
        budget.charge()
        budget.size(total)
        budget.work(total // ITEMS_COPIED_PER_STEP, "adds up lists so long")
        yield item


@jinja2.pass_context
def joined(context: Context, values: list[Any]) -> str:
    """What `a ~ b` makes, refused when too long."""
    budget = current_budget()
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
    code_generator_class = BoundedCode


    def bound(self) -> None:
        """Wrap the filters, once they are all registered."""
        self.filters = {name: bounded_filter(name, func) for name, func in self.filters.items()}
        self.filters["sum"] = bounded_sum
        self.filters[ROUNDS] = rounds
        self.filters[JOINED] = joined

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = _Charged().visit(super()._parse(source, name, filename))
        assert isinstance(tree, nodes.Template)
        return tree

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = current_budget()
        budget.charge()
        budget.size(operator_size(operator, left, right))
        if is_int(left) and is_int(right):
            digits, steps = int_cost(operator, left, right)
            budget.number(digits)
            budget.work(steps, "computes with numbers so long")
        result = super().call_binop(context, operator, left, right)
        budget.size(length(result))  # '%' formats: its length is known once made
        return result

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Where the site sits on this machine, and where it is published (a URL may hold
        # a user name): not for a page, whose output would differ from machine to machine.
        if (attr == "source" and isinstance(obj, Page)) or (
                attr == "publish" and isinstance(obj, GroupConfig)):
            return False
        # bytes have the methods of str without their checks here (b'x'.center(10**9)),
        # and a page has no use for them: none can be made or reached.
        if isinstance(obj, bytes | bytearray) or (attr == "encode" and isinstance(obj, str)):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """str.format and format_map, bounded field by field (see BoundedFormatter)."""
        if super().wrap_str_format(value) is None:  # not a str's format or format_map
            return None
        owner: str = value.__self__

        def bounded(*args: Any, **kwargs: Any) -> str:
            if value.__name__ == "format_map":
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                kwargs, args = args[0], ()
            formatter = (BoundedEscapeFormatter(self, escape=owner.escape)
                         if isinstance(owner, Markup) else BoundedFormatter(self))
            return type(owner)(formatter.vformat(owner, args, kwargs))

        return functools.update_wrapper(bounded, value)

    def call(__self, __context: Context, __obj: Any, *args: Any,
             **kwargs: Any) -> Any:
        budget = current_budget()
        budget.charge()
        if getattr(__obj, "__name__", "") == "join" and isinstance(
                getattr(__obj, "__self__", None), str) and args:  # to know its items' lengths
            args = (list(charged(budget, args[0])), *args[1:])
        budget.size(asked_size(__obj, args))
        result = super().call(__context, __obj, *args, **kwargs)
        budget.size(length(result))
        return result

    def render(self, template: jinja2.Template, context: Mapping[str, Any],
               limits: Limits) -> str:
        """The template rendered within `limits`."""
        budget = Budget(limits)
        token = BUDGET.set(budget)
        try:
            return budget.output(template.generate(context))
        finally:
            BUDGET.reset(token)

    def captured(self) -> Captured:
        """A new buffer for the compiled template (see BoundedCode)."""
        return Captured(current_budget())
