"""Whether a SQLite archive state can be trusted to say which posts are archived.

The state is what keeps a run from fetching and rewriting every post: on an
empty, missing or corrupt state beside post files, a run would refetch the
whole archive, and the rejects and listing counts would be gone, without a
word. ``scrapy crawl`` refuses such a state; ``scrapy verify --repair``
moves a corrupt one aside and rebuilds the state from the post files.
SQLite judges the file: its header, then ``PRAGMA quick_check``.

Not refused: a state SQLite reads that records fewer posts than there are
files (a run killed between putting a batch in place and recording it
leaves one; the next run writes that batch again, the same). Nor called
corrupt: a state that cannot be read for another reason (a full disk, an
I/O error): that is an OSError, and the state is left as it is.
"""

import errno
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from newscrawl.archive.paths import sqlite_companions
from newscrawl.archive.archived_posts import post_day

SQLITE_HEADER = b"SQLite format 3\x00"
REPAIR_COMMAND = "scrapy verify --repair"


def corruption(path: Path) -> str | None:
    """What makes the SQLite file at ``path`` unreadable, or None (also for no file, or
    an empty one: SQLite starts an empty database there). OSError if it cannot be
    checked (a full disk: SQLite makes its -shm file to read a WAL database)."""
    try:
        with open(path, "rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return None
    if header and header != SQLITE_HEADER:
        return "is not a SQLite database"
    try:
        db = sqlite3.connect(path)
        try:
            result = [row[0] for row in db.execute("PRAGMA quick_check")]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        if is_corruption(exc):
            return f"is corrupt ({exc})"
        raise OSError(errno.EIO, str(exc), str(path)) from exc
    if result != ["ok"]:
        return f"is corrupt (quick_check: {result[0]})"
    return None


def is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file itself is bad, not that it could not read or lock it."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith("SQLITE_CORRUPT") or name == "SQLITE_NOTADB"


def has_post_files(directory: Path) -> bool:
    """Whether ``directory`` holds a ``YYYY-MM-DD-<infoCode>.md`` file (stops at the first)."""
    try:
        with os.scandir(directory) as entries:
            return any(post_day(entry.name) is not None for entry in entries)
    except (FileNotFoundError, NotADirectoryError):
        return False


def untrusted_state(path: Path, posts: Path) -> str | None:
    """Why a run must not start on the state at ``path`` beside the post files in ``posts``
    (one line naming the file and the repair command), or None."""
    problem = corruption(path)
    if problem is None and has_post_files(posts):
        if not path.exists():
            problem = "is missing"
        elif path.stat().st_size == 0:
            problem = "is empty"
    if problem is None:
        return None
    return (f"the archive state {path} {problem}, beside the posts in {posts}: a run would fetch and rewrite them "
            f"all; run `{REPAIR_COMMAND}` to rebuild it from the post files (nothing is fetched)")


def set_aside(path: Path) -> Path:
    """Rename a corrupt state, and its -wal and -shm, to ``<name>.corrupt-<UTC time>``: kept, not deleted."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, aside)
    for companion, moved in zip(sqlite_companions(path), sqlite_companions(aside)):
        if companion.exists():
            os.replace(companion, moved)
    return aside
