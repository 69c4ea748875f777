"""The archive state: which infoCodes are already written, and which are being written.

An extension, so the spider (which skips archived posts before requesting
them) and the pipelines (which claim a post before writing it and record it
once its file is in place) share one store: ``crawler.get_extension(ArchiveStore)``.
The embedded SQLite store is the default; with several workers the store
lives in Redis (newscrawl.scaleout.store).
"""

import logging
import sqlite3
import time

from scrapy import signals

from newscrawl.archive.paths import state_path

logger = logging.getLogger(__name__)


class ArchiveStore:
    """What the crawl asks of an archive store.

    A post is written only by whoever claims it: ``claim`` is atomic, and is
    refused while someone else holds the claim, or once the post is
    archived unless ``rewrite`` (``-a refresh=1``: an archived post is
    written again, once per run). ``mark_archived`` records the file in
    place; ``release`` gives the claim up when the post could not be written.
    """

    def is_archived(self, info_code: str) -> bool:
        raise NotImplementedError

    def archived_path(self, info_code: str) -> str | None:
        """Where the post was written, or None if it is not archived."""
        raise NotImplementedError

    def claim(self, info_code: str, rewrite: bool = False) -> bool:
        raise NotImplementedError

    def release(self, info_code: str) -> None:
        raise NotImplementedError

    def mark_archived(self, info_code: str, path: str, url: str) -> None:
        raise NotImplementedError


class SqliteArchiveStore(ArchiveStore):
    """Archive state in an embedded SQLite file (NEWSCRAWL_STATE).

    One run at a time uses the file (the crawl command holds a lock), so a
    claim only has to hold within this run: an in-memory set.
    """

    def __init__(self, path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        # WAL: a crash cannot corrupt the file, and readers never block.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS archived ("
            " info_code TEXT PRIMARY KEY, path TEXT NOT NULL, url TEXT NOT NULL, archived_at REAL NOT NULL)"
        )
        self._claimed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        store = cls(state_path(crawler.settings))
        crawler.signals.connect(store.close, signal=signals.spider_closed)
        return store

    def is_archived(self, info_code: str) -> bool:
        row = self._db.execute("SELECT 1 FROM archived WHERE info_code = ?", (info_code,)).fetchone()
        return row is not None

    def archived_path(self, info_code: str) -> str | None:
        row = self._db.execute("SELECT path FROM archived WHERE info_code = ?", (info_code,)).fetchone()
        return row[0] if row else None

    def claim(self, info_code: str, rewrite: bool = False) -> bool:
        if info_code in self._claimed or (not rewrite and self.is_archived(info_code)):
            return False
        self._claimed.add(info_code)
        return True

    def release(self, info_code: str) -> None:
        self._claimed.discard(info_code)

    def mark_archived(self, info_code: str, path: str, url: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO archived (info_code, path, url, archived_at) VALUES (?, ?, ?, ?)",
            (info_code, path, url, time.time()),
        )

    def close(self) -> None:
        self._db.close()
