"""Rendering: site variables, Markdown bodies and the Jinja2 layouts, one unit at a time."""
