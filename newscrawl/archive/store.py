"""The archive state: which infoCodes are already written, and which are being written;
the rejects (newscrawl.extensions.rejects) and the listing pages' post counts
(newscrawl.extensions.listings) are kept with it.

An extension, so the spider (which skips archived posts before requesting
them) and the pipelines (which claim a post before writing it and record it
once its file is in place) share one store: ``crawler.get_extension(ArchiveStore)``.
The embedded SQLite store is the default; with several workers the store
lives in Redis (newscrawl.scaleout.redis_store).
"""

import errno
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from scrapy import signals
from scrapy.utils.misc import load_object

from newscrawl.archive.health import REPAIR_COMMAND, is_corruption
from newscrawl.archive.paths import state_path, state_scheme, state_uri
from newscrawl.errors import ConfigError

logger = logging.getLogger(__name__)


class ArchiveStore:
    """What the crawl asks of an archive store.

    A post is written only by whoever claims it: ``claim`` is atomic, and is
    refused while someone else holds the claim, or once the post is
    archived unless ``rewrite`` (``-a refresh=1``: an archived post is
    written again, once per run). ``mark_archived`` records the file in
    place; ``release`` gives the claim up when the post could not be written.

    ``shared``: several runs may use the store at once (its claims hold across
    processes); else one run at a time, under the crawl command's lock.

    A write the store cannot make on its disk (full, an I/O error) raises
    OSError, as a file's would (newscrawl.failures.write_failed).
    """

    shared = False

    @classmethod
    def from_crawler(cls, crawler) -> "ArchiveStore":
        """The crawl's store (an extension): the one NEWSCRAWL_STATE names."""
        store = open_store(crawler.settings)
        # Not at spider_closed: the rejects and listing counts are written then.
        crawler.signals.connect(store.close, signal=signals.engine_stopped)
        return store

    @classmethod
    def open(cls, uri: str, settings) -> "ArchiveStore":
        """The store at ``uri`` (NEWSCRAWL_STATE, made whole by newscrawl.archive.paths.state_uri)."""
        raise NotImplementedError

    def is_archived(self, info_code: str) -> bool:
        """Whether the post is archived and its file is there to read (one ``access`` call):
        a post whose file was deleted is fetched again."""
        path = self.archived_path(info_code)
        if path is None:
            return False
        if not os.access(path, os.R_OK):
            logger.info("%s is archived, but its file %s is missing or unreadable: fetching it again", info_code, path)
            return False
        return True

    def archived_path(self, info_code: str) -> str | None:
        """Where the post was written, or None if it is not archived."""
        raise NotImplementedError

    def archived(self) -> Iterator[tuple[str, str]]:
        """Every archived (infoCode, path)."""
        raise NotImplementedError

    def forget(self, info_code: str) -> None:
        """No longer archived: the next run that lists the post fetches it again."""
        raise NotImplementedError

    def reject(self, key: str) -> dict | None:
        """The reject record of a post (newscrawl.extensions.rejects), or None."""
        raise NotImplementedError

    def put_reject(self, key: str, record: dict) -> None:
        raise NotImplementedError

    def rejects(self) -> list[dict]:
        raise NotImplementedError

    def listing_counts(self) -> dict[str, int]:
        """Each listing page's URL -> the posts it listed the last time it listed any."""
        raise NotImplementedError

    def set_listing_count(self, url: str, posts: int) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def claim(self, info_code: str, rewrite: bool = False) -> bool:
        raise NotImplementedError

    def release(self, info_code: str) -> None:
        raise NotImplementedError

    def mark_archived(self, info_code: str, path: str, url: str) -> None:
        raise NotImplementedError


#: NEWSCRAWL_STATE's scheme -> the store kept there (as Scrapy's FilesPipeline picks its
#: store): a path or ``sqlite:///path``, a SQLite file; ``redis://``, a Redis database
#: that several workers share (newscrawl.scaleout).
STORE_SCHEMES = {
    "": "newscrawl.archive.store.SqliteArchiveStore",
    "sqlite": "newscrawl.archive.store.SqliteArchiveStore",
    "redis": "newscrawl.scaleout.redis_store.RedisArchiveStore",
    "rediss": "newscrawl.scaleout.redis_store.RedisArchiveStore",
}


def store_class(uri: str) -> type[ArchiveStore]:
    """The store class of a state URI; a ConfigError for a scheme it is not."""
    scheme = state_scheme(uri)
    if scheme not in STORE_SCHEMES:
        known = ", ".join(f"{s}://" for s in STORE_SCHEMES if s)
        raise ConfigError(f"NEWSCRAWL_STATE={uri!r}: give a path, or a URI of {known}")
    return load_object(STORE_SCHEMES[scheme])


def open_store(settings) -> ArchiveStore:
    """The archive store NEWSCRAWL_STATE names: the one place that chooses the backend."""
    uri = state_uri(settings)
    return store_class(uri).open(uri, settings)


class SqliteArchiveStore(ArchiveStore):
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
        self._claimed: set[str] = set()

    @classmethod
    def open(cls, uri: str, settings) -> "SqliteArchiveStore":
        return cls(state_path(settings))

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
        with self._writing():
            self._db.execute(
                "INSERT OR REPLACE INTO archived (info_code, path, url, archived_at) VALUES (?, ?, ?, ?)",
                (info_code, path, url, time.time()),
            )
            self._db.execute("DELETE FROM rejects WHERE key = ?", (info_code,))  # written: no longer a reject

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


class ScratchArchiveStore(ArchiveStore):
    """An archive state in memory, empty when the crawler starts and gone when it ends.

    What ``scrapy parse``, ``shell``, ``fetch``, ``view`` and ``check`` run on
    (newscrawl.commands.look): they look at pages; the archive's own state is
    neither read nor written.
    """

    def __init__(self):
        self._archived: dict[str, str] = {}
        self._claimed: set[str] = set()
        self._rejects: dict[str, dict] = {}
        self._listings: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler) -> "ScratchArchiveStore":
        return cls()

    def archived_path(self, info_code: str) -> str | None:
        return self._archived.get(info_code)

    def archived(self) -> Iterator[tuple[str, str]]:
        yield from sorted(self._archived.items())

    def forget(self, info_code: str) -> None:
        self._archived.pop(info_code, None)

    def reject(self, key: str) -> dict | None:
        return self._rejects.get(key)

    def put_reject(self, key: str, record: dict) -> None:
        self._rejects[key] = record

    def rejects(self) -> list[dict]:
        return [self._rejects[key] for key in sorted(self._rejects)]

    def listing_counts(self) -> dict[str, int]:
        return dict(self._listings)

    def set_listing_count(self, url: str, posts: int) -> None:
        self._listings[url] = posts

    def claim(self, info_code: str, rewrite: bool = False) -> bool:
        if info_code in self._claimed or (not rewrite and info_code in self._archived):
            return False
        self._claimed.add(info_code)
        return True

    def release(self, info_code: str) -> None:
        self._claimed.discard(info_code)

    def mark_archived(self, info_code: str, path: str, url: str) -> None:
        self._archived[info_code] = path
        self._rejects.pop(info_code, None)
