"""Python-Markdown made leaner, with the same HTML: each text tried only by the inline
patterns and block processors whose key strings it holds, the processors' order and
the block-level tags made once, escapes looked for only where one can be.

Python-Markdown tries every pattern on every run of text and every block processor on
every block; most texts need few of them. tests/markdown/test_extensions.py compares
the output with stock Python-Markdown's.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from collections.abc import Iterator
from typing import Any

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.treeprocessors import InlineProcessor as InlineTreeprocessor
from markdown.treeprocessors import UnescapeTreeprocessor
from markdown.util import STX, AtomicString, Registry

# The inline patterns (by their registered names) and the text each needs: one of these
# strings: a pattern's regex cannot match a text without any of them (the texts are
# parsed blocks: tabs are spaces by then, line ends are \n). A name not listed (another
# version's, another extension's) is tried on every text, as Python-Markdown does.
PATTERN_KEYS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",),
    "inline_math": ("$",),
    "escape": ("\\",),
    "escaped_page_ref": ("\\[",),
    "footnote": ("[^",),
    **dict.fromkeys(["page_ref", "reference", "link", "short_reference"], ("[",)),
    **dict.fromkeys(["image_link", "image_reference", "short_image_ref"], ("![",)),
    **dict.fromkeys(["autolink", "automail", "html"], ("<",)),
    "linebreak": ("  \n",),
    "entity": ("&",),
    "em_strong": ("*", "_"),
}


def keys_of(registry: Registry[Any], keys: dict[str, tuple[str, ...]]
            ) -> list[tuple[str, ...] | None]:
    """The key strings of each item of `registry`, in its order (None: always tried)."""
    by_item = {id(registry[name]): key for name, key in keys.items() if name in registry}
    return [by_item.get(id(item)) for item in registry]


class KeyedInlineProcessor(InlineTreeprocessor):
    """Python-Markdown's inline processor, trying on each run of text only the patterns
    whose key strings it holds.

    Python-Markdown tries every pattern on every run of text (a regex search, and its
    own bookkeeping around it): two fifths of converting a page, though most runs are
    plain words that no pattern can match. This is its private `__handleInline`, the
    loop over patterns, with that one test added; the rest is inherited. If a version
    of Python-Markdown lays its loop out otherwise, `Converter` leaves the stock one
    in place (`fits`), and tests/test_mdext.py compares the HTML of both.
    """

    def __init__(self, md: Markdown):
        super().__init__(md)
        self.patterns = list(md.inlinePatterns)  # indexed in C, not through the Registry
        self.keys = keys_of(md.inlinePatterns, PATTERN_KEYS)

    @staticmethod
    def fits() -> bool:
        return all(hasattr(InlineTreeprocessor, f"_InlineProcessor__{name}")
                   for name in ("handleInline", "applyPattern"))

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, AtomicString):
            return data
        patterns, keys = self.patterns, self.keys
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        start = 0
        while patternIndex < len(patterns):
            key = keys[patternIndex]
            if key is not None:
                for part in key:  # a plain loop: any() with a generator costs 4 times more
                    if part in data:
                        break
                else:
                    patternIndex, start = patternIndex + 1, 0  # as a pattern that did not match
                    continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


class FixedOrder(Registry[Any]):
    """A Registry that lists its items once, until one is added or removed.

    Python-Markdown sorts and lists a registry anew each time it runs through it
    (the postprocessors, for instance, for every heading as well as every page),
    though the order never changes once the extensions are loaded.
    """

    _listed: list[Any] | None = None

    def __iter__(self) -> Iterator[Any]:
        if self._listed is None:
            self._listed = list(super().__iter__())
        return iter(self._listed)

    def register(self, item: Any, name: str, priority: float) -> None:
        self._listed = None
        super().register(item, name, priority)

    def deregister(self, name: str, strict: bool = True) -> None:
        self._listed = None
        super().deregister(name, strict)


class QuickUnescape(UnescapeTreeprocessor):
    """Backslash escapes put back, with a regex search only of a text that holds one
    (its mark starts with STX): most texts of most pages hold none."""

    def unescape(self, text: str) -> str:
        return super().unescape(text) if STX in text else text


# What each block processor's test needs in a block, at the least (their regexes).
BLOCK_KEYS: dict[str, tuple[str, ...]] = {
    "hashheader": ("#",),
    "setextheader": ("=", "-"),
    "hr": ("-", "_", "*"),
    "olist": (".",),
    "ulist": ("*", "+", "-"),
    "quote": (">",),
    "reference": ("]:",),  # its test is always true; its run gives the block back
    "footnote": ("[^",),  # as reference
    "abbr": ("*[",),  # as reference
    "table": ("|",),
    "deflist": (":",),
}


class KeyedBlockParser(BlockParser):
    """Python-Markdown's block loop, testing a block only with the processors whose key
    strings it holds: most blocks are paragraphs, tested by every processor in turn
    (a regex search of the whole block each) before the paragraph's own."""

    keyed: list[tuple[Any, tuple[str, ...] | None]]

    def parseBlocks(self, parent: etree.Element, blocks: list[str]) -> None:
        keyed = self.keyed
        while blocks:
            for processor, key in keyed:
                block = blocks[0]
                if key is not None:
                    for part in key:
                        if part in block:
                            break
                    else:
                        continue
                if processor.test(parent, block) and processor.run(parent, blocks) is not False:
                    break


def streamline(md: Markdown) -> None:
    """A Markdown made leaner once its extensions are loaded: blocks tested only by the
    processors they can match (KeyedBlockParser), the order of its processors and
    its block-level tags (a list, searched for every element as the output is laid
    out) made once, and escapes looked for only where one can be."""
    for registry in (md.preprocessors, md.parser.blockprocessors, md.treeprocessors,
                     md.inlinePatterns, md.postprocessors):
        registry.__class__ = FixedOrder
    processors = md.parser.blockprocessors
    md.parser.__class__ = KeyedBlockParser
    keys = keys_of(processors, BLOCK_KEYS)
    md.parser.keyed = list(zip(processors, keys, strict=True))  # type: ignore[attr-defined]
    if "unescape" in md.treeprocessors:
        md.treeprocessors.register(QuickUnescape(md), "unescape", 0)
    block_level = frozenset(md.block_level_elements)
    known: dict[object, bool] = {}  # tag -> whether it is block-level: few tags, many asks

    def is_block_level(tag: object) -> bool:
        found = known.get(tag)
        if found is None:
            found = known[tag] = isinstance(tag, str) and tag.lower().rstrip("/") in block_level
        return found
    md.is_block_level = is_block_level  # type: ignore[method-assign]
