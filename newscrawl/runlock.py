"""One run at a time on an archive: a lock file beside its state.

The lock is flock(2) on ``<state>.lock`` (what filelock takes on Unix),
opened with O_NOFOLLOW and never truncated: a lock file that is a link
makes nothing happen to the file it points to.
"""

import fcntl
import os
from contextlib import contextmanager

from newscrawl.archive.paths import lock_path
from newscrawl.errors import ConfigError


class ArchiveLocked(Exception):
    """Another run holds the archive's lock."""


@contextmanager
def archive_lock(settings):
    """Hold ``<state>.lock`` while the block runs; ArchiveLocked if another run holds it,
    ConfigError if it cannot be opened (a symbolic link)."""
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise ConfigError(f"cannot open the run lock {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArchiveLocked(f"another run holds {path}; not starting") from None
        yield
    finally:
        os.close(fd)
