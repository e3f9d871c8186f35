"""build-site serve: a local preview that rebuilds and reloads."""
