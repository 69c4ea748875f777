"""The search index: one SQLite file with an FTS5 table of the posts' words.

``<output dir>/search.sqlite3`` by default (NEWSCRAWL_SEARCH_INDEX). It is
a cache of the post files: a crawl adds the posts it writes
(newscrawl.search.indexer), and ``sync`` brings it up to date with the
files (the posts it lacks or holds in an older version, those whose file is
gone) before a search. It can be deleted at any time, and is rebuilt.

It keeps SQLite's rollback journal, not WAL: a reader then needs nothing
but read access to the file (WAL needs a ``-shm`` file beside it, which a
user who cannot write the directory cannot create), and still reads a
consistent snapshot while a crawl writes (SQLite's file locks).

``posts`` holds each post's file signature (mtime, size), its fields for a
hit line, and its body compressed (for the snippet, and to take its words
out of the contentless FTS5 table when the post changes: SQLite 3.40 has no
``contentless_delete``). ``words`` is the FTS5 table, rowid = posts.id.
"""

import contextlib
import logging
import os
import sqlite3
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import quote

from newscrawl.archive.paths import output_dir, project_path
from newscrawl.archive.archived_posts import PostSelection, post_day
from newscrawl.archive.postfile import NotAPostFile, read_post
from newscrawl.items import PostItem
from newscrawl.search.query import Query
from newscrawl.search.tokens import document_text
from newscrawl.setting_registry import setting

logger = logging.getLogger(__name__)

#: Bumped when the schema or newscrawl.search.tokens change: an index of another version is rebuilt.
VERSION = "1"
#: A title word weighs this many body words in the ranking (FTS5's bm25 column weights).
TITLE_WEIGHT = 5.0
#: Posts indexed per transaction by ``sync``: a crawl writing to the index waits no longer than one.
SYNC_CHUNK = 500
#: Posts to index from which the files are read and split by worker processes.
PARALLEL_FROM = 2000
#: A directory changed this recently may change again within the same clock tick
#: (its mtime would not show it): its mtime is not taken as the index's mark.
SETTLE_NS = 2_000_000_000

_SCHEMA = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    " mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, info_code TEXT NOT NULL, day TEXT NOT NULL,"
    " date TEXT NOT NULL, category TEXT NOT NULL, title TEXT NOT NULL, url TEXT NOT NULL, body BLOB NOT NULL)",
    "CREATE VIRTUAL TABLE words USING fts5(title, body, content='', tokenize='unicode61 remove_diacritics 0')",
]


class IndexUnavailable(Exception):
    """The index can be neither read nor built (one line: what, and why)."""


def index_path(settings) -> Path:
    """NEWSCRAWL_SEARCH_INDEX, else ``<output dir>/search.sqlite3``."""
    configured = setting(settings, "NEWSCRAWL_SEARCH_INDEX")
    return project_path(configured) if configured else output_dir(settings) / "search.sqlite3"


def can_write(path: Path) -> bool:
    """Whether this user can create or change the index file at ``path``."""
    if path.exists():
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    return path.parent.is_dir() and os.access(path.parent, os.W_OK | os.X_OK)


@dataclass(frozen=True)
class Hit:
    name: str  # the post file's name
    info_code: str
    date: str
    category: str
    title: str
    url: str
    body: str
    score: float  # higher is better (FTS5's bm25, negated)


@dataclass
class Staleness:
    """How far the index was behind the files, and what ``sync`` did about it."""

    unindexed: int = 0  # posts new or changed since they were indexed
    gone: int = 0  # posts indexed whose file is gone
    updated: bool = False  # whether the index was brought up to date
    hidden: frozenset[str] = frozenset()  # names of the gone posts, left out of the hits when not updated

    @property
    def stale(self) -> bool:
        return bool(self.unindexed or self.gone)


class SearchIndex:
    def __init__(self, db: sqlite3.Connection, path: Path, writable: bool):
        self._db = db
        self.path = path
        self.writable = writable

    @classmethod
    def open(cls, path: Path, rebuild: bool = False) -> "SearchIndex":
        """The index at ``path``, to change if this user can write it (made, or remade if
        it is of another version, corrupt, or ``rebuild``), else to read. IndexUnavailable if neither."""
        writable = can_write(path)
        if rebuild and not writable:
            raise IndexUnavailable(f"the search index {path} is not writable: it cannot be rebuilt")
        try:
            return cls._open_writable(path, rebuild) if writable else cls._open_read_only(path)
        except sqlite3.Error as exc:
            raise IndexUnavailable(f"the search index {path} cannot be {'built' if writable else 'read'} ({exc})") from None

    @classmethod
    def _open_writable(cls, path: Path, rebuild: bool) -> "SearchIndex":
        if path.is_symlink():
            raise IndexUnavailable(f"the search index {path} is a symbolic link: the archive writes only files of its own")
        if rebuild:
            _remove(path)
        db = _connect(path)
        try:
            if _version(db) != VERSION:
                db.close()
                _remove(path)
                db = _connect(path)
                with db:
                    for statement in _SCHEMA:
                        db.execute(statement)
                    db.execute("INSERT INTO meta VALUES ('version', ?)", (VERSION,))
            db.execute("PRAGMA journal_mode = DELETE")  # not WAL: see the module's docstring
            db.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            db.close()
            raise
        return cls(db, path, writable=True)

    @classmethod
    def _open_read_only(cls, path: Path) -> "SearchIndex":
        if not path.exists():
            raise IndexUnavailable(f"there is no search index {path}, and {path.parent} is not writable to build it: "
                                   "the archive's owner builds it with `scrapy search --reindex`, or give "
                                   "NEWSCRAWL_SEARCH_INDEX a path of your own")
        db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        db.execute("PRAGMA busy_timeout = 10000")
        if _version(db) != VERSION:
            db.close()
            raise IndexUnavailable(f"the search index {path} is damaged or of another version of newscrawl, and not "
                                   "writable to rebuild: the archive's owner rebuilds it with `scrapy search --reindex`")
        return cls(db, path, writable=False)

    def close(self) -> None:
        self._db.close()

    # --- Keeping it up to date ------------------------------------------------

    def add(self, name: str, item: PostItem, mtime_ns: int, size: int) -> None:
        """Index the post of the file ``name`` (replacing what the index had of that file)."""
        self._insert(_entry(name, item, mtime_ns, size))

    def _insert(self, entry: tuple) -> None:
        name, row, title_words, body_words = entry
        self._remove_post(name)
        post_id = self._db.execute(
            "INSERT INTO posts (name, mtime_ns, size, info_code, day, date, category, title, url, body)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (name, *row)).lastrowid
        self._db.execute("INSERT INTO words (rowid, title, body) VALUES (?, ?, ?)", (post_id, title_words, body_words))

    def _remove_post(self, name: str) -> None:
        row = self._db.execute("SELECT id, title, body FROM posts WHERE name = ?", (name,)).fetchone()
        if row is None:
            return
        post_id, title, body = row
        self._db.execute("INSERT INTO words (words, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                         (post_id, document_text(title), document_text(zlib.decompress(body).decode("utf-8"))))
        self._db.execute("DELETE FROM posts WHERE id = ?", (post_id,))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._db:
            yield

    def commit(self) -> None:
        """Commit what ``add`` added since the last commit (sqlite3 began a transaction at the first)."""
        self._db.commit()

    def rollback(self) -> None:
        self._db.rollback()

    def sync(self, directory: Path) -> Staleness:
        """Bring the index up to date with the post files of ``directory``, if it can be written.

        Nothing is read but the directory's mtime when it has not changed since
        the last sync; else each file's mtime and size are compared with the
        index's, and the posts new or changed are read and indexed, a chunk per
        transaction, while those whose file is gone are taken out.
        """
        try:
            mark = os.stat(directory).st_mtime_ns
        except FileNotFoundError:
            mark = None
        if mark is not None and self._meta("mark") == f"{directory}:{mark}":
            return Staleness()
        on_disk = _post_files(directory)
        indexed = dict(self._db.execute("SELECT name, mtime_ns || ':' || size FROM posts"))
        unindexed = [name for name, signature in on_disk.items() if indexed.get(name) != signature]
        gone = sorted(indexed.keys() - on_disk.keys())
        if not self.writable:
            return Staleness(len(unindexed), len(gone), updated=False, hidden=frozenset(gone))
        with self._db:
            for name in gone:
                self._remove_post(name)
        with _preparing(len(unindexed)) as prepare:
            entries = prepare(partial(_file_entry, directory), unindexed, chunksize=64)
            for start in range(0, len(unindexed), SYNC_CHUNK):
                with self._db:
                    for name in unindexed[start : start + SYNC_CHUNK]:
                        entry = next(entries)
                        if entry is None:  # not a readable post (a line was logged)
                            self._remove_post(name)
                        else:
                            self._insert(entry)
        if mark is not None and time.time_ns() - mark > SETTLE_NS:
            with self._db:
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('mark', ?)", (f"{directory}:{mark}",))
        return Staleness(len(unindexed), len(gone), updated=True)

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM posts").fetchone()[0]

    # --- Searching ------------------------------------------------------------

    def search(self, query: Query, selection: PostSelection = PostSelection(), limit: int = 20,
               hidden: frozenset[str] = frozenset()) -> Iterator[Hit]:
        """The posts that match, best first (BM25 over title and body); ``limit`` 0 for all.

        sqlite3.OperationalError for a query FTS5 cannot parse (operators out of place).
        """
        sql = [f"SELECT p.name, p.info_code, p.date, p.category, p.title, p.url, p.body, bm25(words, {TITLE_WEIGHT}, 1.0)"
               " AS rank FROM words JOIN posts p ON p.id = words.rowid WHERE words MATCH ?"]
        parameters: list = [query.match]
        if selection.since:
            sql.append("AND p.day >= ?")
            parameters.append(selection.since.isoformat())
        if selection.until:
            sql.append("AND p.day <= ?")
            parameters.append(selection.until.isoformat())
        if selection.categories:
            sql.append(f"AND p.category IN ({', '.join('?' * len(selection.categories))})")
            parameters.extend(sorted(selection.categories))
        sql.append("ORDER BY rank")
        if limit and not hidden:
            sql.append(f"LIMIT {int(limit)}")
        found = 0
        for name, info_code, date, category, title, url, body, rank in self._db.execute(" ".join(sql), parameters):
            if name in hidden:
                continue
            yield Hit(name, info_code, date, category, title, url, zlib.decompress(body).decode("utf-8"), -rank)
            found += 1
            if limit and found >= limit:
                return


def _entry(name: str, item: PostItem, mtime_ns: int, size: int) -> tuple:
    """What the index holds of a post: its name, its row of ``posts``, its title's and body's words."""
    body = item["body"] or ""
    row = (mtime_ns, size, item["info_code"], name[:10], item["date"], item["category"], item["title"], item["url"],
           zlib.compress(body.encode("utf-8"), 1))
    return name, row, document_text(item["title"]), document_text(body)


def _file_entry(directory: Path, name: str) -> tuple | None:
    """The index's entry of the post file ``directory/name``; None (and a log line) if it is not a readable post."""
    path = directory / name
    try:
        with path.open(encoding="utf-8", newline="") as file:
            stat = os.fstat(file.fileno())
            item = read_post(file.read())
    except (OSError, UnicodeDecodeError, NotAPostFile) as exc:
        logger.warning("Not indexed: %s is not a readable post file (%s)", path, exc)
        return None
    return _entry(name, item, stat.st_mtime_ns, stat.st_size)


@contextlib.contextmanager
def _preparing(count: int):
    """A ``map`` that reads and splits ``count`` posts: in worker processes, one a core, when
    there are many (a new index), so that this one only inserts; else in this process."""
    workers = os.cpu_count() or 1
    if count < PARALLEL_FROM or workers < 2:
        yield lambda function, items, chunksize: map(function, items)
        return
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: not for a crawl's few posts

    with ProcessPoolExecutor(workers) as pool:
        yield pool.map


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)  # ``with db`` commits the changes made in it, or rolls them back
    db.execute("PRAGMA busy_timeout = 10000")
    return db


def _version(db: sqlite3.Connection) -> str | None:
    """The index's version; None for a new, foreign or corrupt file (sqlite3.DatabaseError
    for a file that cannot be read at all, or, read-only, a corrupt one)."""
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        db.execute("SELECT count(*) FROM words WHERE words MATCH 'x'").fetchone()
    except sqlite3.DatabaseError as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if "no such table" in str(exc) or name.startswith("SQLITE_CORRUPT") or name == "SQLITE_NOTADB":
            return None
        raise
    return row[0] if row else None


def _remove(path: Path) -> None:
    """Delete an index (and its journal) that is to be built anew."""
    for stale in (path, path.with_name(path.name + "-journal")):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def _post_files(directory: Path) -> dict[str, str]:
    """Each post file of ``directory`` -> its signature, ``mtime_ns:size``."""
    files = {}
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if post_day(entry.name) is None:
                    continue
                with contextlib.suppress(FileNotFoundError):
                    stat = entry.stat(follow_symlinks=False)
                    files[entry.name] = f"{stat.st_mtime_ns}:{stat.st_size}"
    except FileNotFoundError:
        pass
    return files
