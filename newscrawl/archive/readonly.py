"""Reading a SQLite archive state without writing anything beside it.

What ``scrapy report`` does, which a user who can read but not write the
archive (a web server's user) may run. The state is in WAL mode: SQLite
reads it read-only (``mode=ro``) when it may make or use its ``-shm`` file,
that is, when this user can write the directory or a crawl has the state
open (its ``-wal`` and ``-shm`` are there; a read is then a consistent
snapshot). Otherwise no crawl has it open, and it is read as an immutable
file (``immutable=1``: no lock, no ``-shm``): the read is taken only if the
file did not change while it was read (its size, mtime and inode before and
after), else tried again: a crawl starting meanwhile cannot make it read
half of one write.
"""

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from newscrawl.archive.health import REPAIR_COMMAND, is_corruption
from newscrawl.errors import ConfigError

T = TypeVar("T")
ATTEMPTS = 5


def read_state(path: Path, read: Callable[[sqlite3.Connection], T]) -> T:
    """``read(connection)`` on the state at ``path``, opened read-only; ConfigError (one line) if it cannot be."""
    try:
        try:
            return _read(path, "mode=ro", read)
        except sqlite3.OperationalError as exc:
            if not getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
                raise
        for _ in range(ATTEMPTS):
            before = _signature(path)
            result = _read(path, "immutable=1", read)
            if _signature(path) == before:
                return result
    except sqlite3.DatabaseError as exc:
        repair = f": run `{REPAIR_COMMAND}` to rebuild it from the post files" if is_corruption(exc) else ""
        raise ConfigError(f"cannot read the archive state {path} ({exc}){repair}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the archive state {path} ({exc.strerror})") from None
    raise ConfigError(f"cannot read the archive state {path}: it changed each time it was read; try again")


def _read(path: Path, mode: str, read: Callable[[sqlite3.Connection], T]) -> T:
    db = sqlite3.connect(f"file:{quote(str(path))}?{mode}", uri=True)
    try:
        return read(db)
    finally:
        db.close()


def _signature(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns
