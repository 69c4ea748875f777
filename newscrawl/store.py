"""The archive state: which infoCodes are already written.

An extension, so the spider (which skips archived posts before requesting
them) and the writer pipeline (which records a post once its file is in
place) share one store: ``crawler.get_extension(ArchiveStore)``.
"""

import logging
import sqlite3
import time

from scrapy import signals

from newscrawl.paths import state_path

logger = logging.getLogger(__name__)


class ArchiveStore:
    """Interface of an archive store; see SqliteArchiveStore."""

    def is_archived(self, info_code: str) -> bool:
        raise NotImplementedError

    def archived_path(self, info_code: str) -> str | None:
        """Where the post was written, or None if it is not archived."""
        raise NotImplementedError

    def mark_archived(self, info_code: str, path: str, url: str) -> None:
        raise NotImplementedError


class SqliteArchiveStore(ArchiveStore):
    """Archive state in an embedded SQLite file (NEWSCRAWL_STATE)."""

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

    def mark_archived(self, info_code: str, path: str, url: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO archived (info_code, path, url, archived_at) VALUES (?, ?, ?, ?)",
            (info_code, path, url, time.time()),
        )

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM archived").fetchone()[0]

    def close(self) -> None:
        self._db.close()
