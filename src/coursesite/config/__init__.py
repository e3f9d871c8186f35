"""site.yaml read into typed settings, and the theme's folders."""
