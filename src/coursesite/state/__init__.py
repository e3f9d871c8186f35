"""The build state: what the last good build read and wrote (only build/ uses it)."""
