"""YAML with line numbers, so that a wrong key can be reported at its line, and bounded,
so that no document (a page's header, site.yaml) can hang a build or exhaust memory.

The text is parsed once, into events (by libyaml when PyYAML has it), and composed
here, without recursion, into the node graph that PyYAML's safe constructor then
turns into the value. Composing it ourselves is what lets a document be bounded where
the bound is crossed: every value it expands to is counted, an alias at each use with
all the values of what it repeats (a "billion laughs" of nine aliases to nine aliases
... is a small text of a billion values), and so is how deep it nests; an alias to the
value it is inside of (`a: &a [*a]`, a value that contains itself) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
    StreamEndEvent,
)
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

try:  # libyaml parses about ten times faster than PyYAML's own parser
    from yaml import CSafeLoader as _Base
    _BYTE_POSITIONS = True  # libyaml tells where a bad character is in UTF-8 bytes
except ImportError:  # a PyYAML built without libyaml
    from yaml import SafeLoader as _Base  # type: ignore[assignment]
    _BYTE_POSITIONS = False

KeyPath = tuple[str | int, ...]
# Deeper than any real header or site.yaml; what reads a value afterwards (the key lines,
# PyYAML's merge keys, the settings) may recurse once a level, far below Python's limit.
MAX_DEPTH = 100
DEEP_HINT = "write the values less deeply nested"
MAX_NUMBER_DIGITS = 4300  # Python's own limit for reading an int (sys.get_int_max_str_digits)


class YamlSyntaxError(Exception):
    def __init__(self, line: int, message: str, hint: str | None = None):
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint  # None: the caller's hint for its kind of file


@dataclass(frozen=True)
class Bound:
    """How many values a document may expand to, and how its messages name it."""

    nodes: int
    subject: str  # "the header", "site.yaml"
    hint: str  # how to allow more


def load(text: str, first_line: int = 1,
         bound: Bound | None = None) -> tuple[Any, dict[KeyPath, int]]:
    """Parse YAML text; return the value and the line of every mapping key and list item.

    `first_line` is the file line on which `text` starts, so that lines of a
    YAML header inside a page count from the top of the page. A document that
    expands to more values than `bound` allows (by default 100,000) is refused
    at the line where it crosses the bound.
    """
    loader = _Loader(text)
    composer = _Composer(loader, first_line,
                         bound or Bound(100_000, "the document", "use fewer aliases"))
    try:
        node = composer.document()
        value = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, first_line, composer.bound) from None
    except ReaderError as exc:
        raise YamlSyntaxError(first_line + _lines_before(text, exc.position),
                              f"invalid YAML: the character #x{exc.character:04x} is not "
                              "allowed", "delete it, or write it as an escape in a "
                              "double-quoted string") from None
    finally:
        loader.dispose()
    return value, composer.lines


def _syntax_error(exc: yaml.MarkedYAMLError, first_line: int,
                  bound: Bound) -> YamlSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    line = first_line + (mark.line if mark else 0)
    problem = exc.problem or str(exc)
    if isinstance(exc, _DateError):
        return YamlSyntaxError(line, problem, "write a date that exists, as YYYY-MM-DD")
    if isinstance(exc, _NumberError):
        return YamlSyntaxError(line, problem, "write a shorter number, or quote it if it is "
                               "text")
    if "maximum nesting depth" in problem:  # libyaml's own bound, deeper than MAX_DEPTH
        return YamlSyntaxError(line, _too_deep(bound), DEEP_HINT)
    return YamlSyntaxError(line, f"invalid YAML: {problem}")


def _too_deep(bound: Bound) -> str:
    return f"{bound.subject} nests values more than {MAX_DEPTH} deep"


def _lines_before(text: str, position: int) -> int:
    if _BYTE_POSITIONS:
        return text.encode("utf-8", "surrogatepass")[:position].count(b"\n")
    return text.count("\n", 0, position)


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int:
    """The line of `path`, or of its nearest ancestor that has one."""
    while path not in lines:
        path = path[:-1]
    return lines[path]


class _DateError(ConstructorError):
    pass


class _NumberError(ConstructorError):
    pass


class _Loader(_Base):
    """PyYAML's safe loader, with an impossible date (2024-02-30) or too long a number a
    mistake at its line: PyYAML lets their ValueError out, with no line."""

    def construct_yaml_timestamp(self, node: ScalarNode) -> date | datetime:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise _DateError(None, None, f"'{node.value}' is not a date ({exc})",
                             node.start_mark) from None

    def construct_yaml_int(self, node: ScalarNode) -> int:
        # Python reads no number of more than 4,300 digits (its guard against quadratic
        # work, which a 1:2:3 base-60 number of a thousand parts would meet too). It is
        # refused, not kept as text: a setting or a header value would then be text where
        # the author wrote a number, a mistake found later and elsewhere, or never.
        if len(str(node.value)) > MAX_NUMBER_DIGITS:
            raise _NumberError(None, None, f"the number is {len(str(node.value)):,} "
                               f"characters long, more than the {MAX_NUMBER_DIGITS:,} "
                               "allowed", node.start_mark)
        value: int = super().construct_yaml_int(node)
        return value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def _node_mark(mark: Any) -> Any:
    """An event's mark, libyaml's or PyYAML's, as a node holds it: PyYAML's composer puts
    either in nodes, where the stubs allow only PyYAML's own."""
    return mark


@dataclass
class _Open:
    """A mapping or list being composed."""

    node: CollectionNode
    path: KeyPath | None  # None inside a mapping's key (`? [a, b]: c`): no lines there
    anchor: str | None
    start: int  # the values counted before it
    key: Node | None = None  # a mapping's key that waits for its value
    key_path: KeyPath | None = None  # where that value goes
    keys: dict[str, int] = field(default_factory=dict)  # key -> its line


class _Composer:
    """The node graph of one document, composed event by event, counted and bounded."""

    def __init__(self, loader: _Loader, first_line: int, bound: Bound):
        # PyYAML's stubs type events and marks loosely: the loader is used untyped.
        self.loader: Any = loader
        self.first_line, self.bound = first_line, bound
        self.count = 0  # the values so far, an alias counted with all it repeats
        self.anchors: dict[str, Node] = {}
        self.sizes: dict[str, int] = {}  # of each anchored value, once it is complete
        self.open: list[_Open] = []
        self.lines: dict[KeyPath, int] = {(): first_line}

    def line(self, event: Event) -> int:
        return self.first_line + (event.start_mark.line if event.start_mark else 0)

    def fail(self, event: Event, message: str, hint: str | None = None) -> YamlSyntaxError:
        return YamlSyntaxError(self.line(event), message, hint)

    def document(self) -> Node | None:
        """The root node of the only document (None for an empty text)."""
        self.loader.get_event()  # the stream's start
        if self.loader.check_event(StreamEndEvent):
            return None
        self.loader.get_event()  # the document's start
        node = self.root()
        self.loader.get_event()  # the document's end
        if not self.loader.check_event(StreamEndEvent):
            raise self.fail(self.loader.get_event(), "invalid YAML: a second document "
                            "starts here", "remove the '---' line, or what follows it")
        return node

    def root(self) -> Node:
        """Every node of the document, in a loop: no nesting is too deep for it."""
        while True:
            event: Event = self.loader.get_event()
            if isinstance(event, CollectionStartEvent):
                self.begin(event)
                continue
            if isinstance(event, ScalarEvent | AliasEvent):
                node = self.begin(event)
            else:  # the end of a mapping or list
                done = self.open.pop()
                done.node.end_mark = _node_mark(event.end_mark)
                if done.anchor is not None:
                    self.sizes[done.anchor] = self.count - done.start
                node = done.node
            if not self.open:
                return node
            self.attach(node)

    def begin(self, event: ScalarEvent | AliasEvent | CollectionStartEvent) -> Node:
        """The node `event` begins (a scalar or an alias's node complete, a collection
        opened), its line noted, its values counted."""
        path = self.place(event)
        if isinstance(event, AliasEvent):
            return self.alias(event)
        self.counted(event, 1)
        anchor = event.anchor
        if anchor is not None and anchor in self.anchors:
            first = self.anchors[anchor].start_mark
            raise self.fail(event, f"the anchor '&{anchor}' is defined twice (also on line "
                            f"{self.first_line + (first.line if first else 0)})",
                            "give each anchor a name of its own")
        node = self.node(event)
        if anchor is not None:
            self.anchors[anchor] = node
            if isinstance(node, ScalarNode):
                self.sizes[anchor] = 1
        if isinstance(node, CollectionNode):
            if len(self.open) >= MAX_DEPTH:
                raise self.fail(event, _too_deep(self.bound), DEEP_HINT)
            self.open.append(_Open(node, path, anchor, self.count - 1))
        return node

    def node(self, event: ScalarEvent | CollectionStartEvent) -> Node:
        """The node of a scalar or of a collection's start, its tag resolved as PyYAML's
        own composer resolves it."""
        start = _node_mark(event.start_mark)
        if isinstance(event, ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = self.loader.resolve(ScalarNode, event.value, event.implicit)
            return ScalarNode(tag, event.value, start, _node_mark(event.end_mark),
                              style=event.style)
        kind = MappingNode if isinstance(event, MappingStartEvent) else SequenceNode
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(kind, None, event.implicit)
        return kind(tag, [], start, None, flow_style=event.flow_style)

    def alias(self, event: AliasEvent) -> Node:
        anchor = str(event.anchor)
        if anchor not in self.anchors:
            raise self.fail(event, f"invalid YAML: the alias '*{anchor}' has no anchor "
                            f"'&{anchor}' before it", f"define '&{anchor}' on a value above")
        if anchor not in self.sizes:
            raise self.fail(event, f"the alias '*{anchor}' is inside the value it repeats "
                            "(that value would contain itself)",
                            "an alias may only repeat a value that ends before it")
        self.counted(event, self.sizes[anchor])
        return self.anchors[anchor]

    def counted(self, event: Event, values: int) -> None:
        self.count += values
        if self.count > self.bound.nodes:
            raise self.fail(event, f"{self.bound.subject} holds more than "
                            f"{self.bound.nodes:,} values (aliases counted at each use)",
                            self.bound.hint)

    def place(self, event: Event) -> KeyPath | None:
        """The key path of the node `event` begins (None: no lines below it), its line
        noted; a mapping's key checked against the keys before it."""
        if not self.open:
            return ()
        top = self.open[-1]
        if top.path is None:
            return None
        if isinstance(top.node, SequenceNode):
            path = (*top.path, len(top.node.value))
            self.lines[path] = self.line(event)
            return path
        if top.key is not None:
            return top.key_path
        key = self.key_text(event)
        top.key_path = None if key is None else (*top.path, key)
        if key is not None and top.key_path is not None:
            if key in top.keys and key != "<<":
                # YAML lets the last one win, silently: one of the two is a mistake.
                raise self.fail(event, f"the key '{key}' is given twice (also on line "
                                f"{top.keys[key]})", "keep one of the two")
            top.keys[key] = self.lines[top.key_path] = self.line(event)
        return None  # a key: what a key holds has no line of its own

    def key_text(self, event: Event) -> str | None:
        """A mapping's key as text (also through an alias); None for a list or mapping."""
        if isinstance(event, ScalarEvent):
            return str(event.value)
        node = self.anchors.get(str(event.anchor)) if isinstance(event, AliasEvent) else None
        return str(node.value) if isinstance(node, ScalarNode) else None

    def attach(self, node: Node) -> None:
        """Put a complete node into the collection that holds it."""
        top = self.open[-1]
        if isinstance(top.node, SequenceNode):
            top.node.value.append(node)
        elif top.key is None:
            top.key = node
        else:
            top.node.value.append((top.key, node))
            top.key, top.key_path = None, None
