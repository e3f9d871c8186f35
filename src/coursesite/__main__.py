from coursesite.cli import entry

entry()
