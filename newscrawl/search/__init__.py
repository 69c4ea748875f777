"""Full-text search of the archive's posts (``scrapy search``): an embedded SQLite FTS5 index."""
