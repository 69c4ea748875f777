"""Spiders: ``finews`` and the named crawls of newscrawl.categories."""
