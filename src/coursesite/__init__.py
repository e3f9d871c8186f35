"""coursesite: one shared tree of Markdown pages, one static site per group."""

__version__ = "0.1.0"
