"""The domain model: pages as loaded, and one group's view of them."""

from coursesite.structure.page import Page
from coursesite.structure.site import GroupSite, Section

__all__ = ["GroupSite", "Page", "Section"]
