"""Python-Markdown, extended for course pages: links, embeds, formulas."""
