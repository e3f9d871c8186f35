"""The build: a list of timed stages from site.yaml to output/<group>/."""
