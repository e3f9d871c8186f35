"""The domain model: pages as loaded, and one group's view of them."""

from coursesite.content.page import Page
from coursesite.content.site import GroupSite, Section

__all__ = ["GroupSite", "Page", "Section"]
