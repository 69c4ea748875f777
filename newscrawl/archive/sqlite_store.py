"""The archive state in an embedded SQLite file: the default backend (newscrawl.archive.store)."""

import errno
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from newscrawl.archive.health import REPAIR_COMMAND, is_corruption
from newscrawl.archive.paths import state_path
from newscrawl.archive.store import ArchiveStore, RunClaims
from newscrawl.errors import ConfigError


class SqliteArchiveStore(RunClaims, ArchiveStore):
    """Archive state in an embedded SQLite file (NEWSCRAWL_STATE).

    One run at a time uses the file (the crawl command holds a lock), so a
    claim only has to hold within this run: an in-memory set.
    """

    def __init__(self, path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # SQLite follows a link, and makes its -wal file beside the target
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666))
        except OSError as exc:
            raise ConfigError(f"cannot open the archive state {path}: {exc.strerror}") from None
        self._db = sqlite3.connect(path, isolation_level=None)
        try:
            # WAL: a crash cannot corrupt the file, and readers never block.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS archived ("
                " info_code TEXT PRIMARY KEY, path TEXT NOT NULL, url TEXT NOT NULL, archived_at REAL NOT NULL)"
            )
            self._db.execute("CREATE TABLE IF NOT EXISTS rejects (key TEXT PRIMARY KEY, record TEXT NOT NULL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS listings (url TEXT PRIMARY KEY, posts INTEGER NOT NULL)")
        except sqlite3.DatabaseError as exc:  # what opens the state (a crawl, report, verify) says so in one line
            self._db.close()
            repair = f": run `{REPAIR_COMMAND}` to rebuild it from the post files" if is_corruption(exc) else ""
            raise ConfigError(f"cannot open the archive state {path} ({exc}){repair}") from None
        self._claimed: set[str] = set()  # RunClaims

    @classmethod
    def open(cls, uri: str, settings) -> "SqliteArchiveStore":
        return cls(state_path(settings))

    def archived_path(self, info_code: str) -> str | None:
        row = self._db.execute("SELECT path FROM archived WHERE info_code = ?", (info_code,)).fetchone()
        return row[0] if row else None

    def mark_archived(self, info_code: str, path: str, url: str) -> None:
        self.mark_all_archived([(info_code, path, url)])

    def mark_all_archived(self, posts: Sequence[tuple[str, str, str]]) -> None:
        """One transaction: all of them or none (the rest of the state is in autocommit mode)."""
        if not posts:
            return
        now = time.time()
        with self._writing(), self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO archived (info_code, path, url, archived_at)"
                                 " VALUES (?, ?, ?, ?)", [(code, path, url, now) for code, path, url in posts])
            # Written: no longer rejects.
            self._db.executemany("DELETE FROM rejects WHERE key = ?", [(code,) for code, _, _ in posts])

    def archived(self) -> Iterator[tuple[str, str]]:
        yield from self._db.execute("SELECT info_code, path FROM archived ORDER BY info_code").fetchall()

    def forget(self, info_code: str) -> None:
        with self._writing():
            self._db.execute("DELETE FROM archived WHERE info_code = ?", (info_code,))

    def reject(self, key: str) -> dict | None:
        row = self._db.execute("SELECT record FROM rejects WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put_reject(self, key: str, record: dict) -> None:
        with self._writing():
            self._db.execute("INSERT OR REPLACE INTO rejects (key, record) VALUES (?, ?)",
                             (key, json.dumps(record, ensure_ascii=False)))

    def rejects(self) -> list[dict]:
        return [json.loads(record) for (record,) in self._db.execute("SELECT record FROM rejects ORDER BY key")]

    def listing_counts(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT url, posts FROM listings").fetchall())

    def set_listing_count(self, url: str, posts: int) -> None:
        with self._writing():
            self._db.execute("INSERT OR REPLACE INTO listings (url, posts) VALUES (?, ?)", (url, posts))

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _writing(self):
        """SQLite's 'database or disk is full' and I/O errors, as the OSError they are."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            name = getattr(exc, "sqlite_errorname", "")
            if name == "SQLITE_FULL":
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path)) from exc
            if name.startswith("SQLITE_IOERR"):
                raise OSError(errno.EIO, f"{os.strerror(errno.EIO)} ({exc})", str(self.path)) from exc
            raise
