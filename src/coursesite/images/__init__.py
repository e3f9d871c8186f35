"""Images under content/images/: probed, planned, made, published."""
