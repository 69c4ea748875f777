"""One run at a time on an archive: a lock file beside its state."""

from contextlib import contextmanager

from filelock import FileLock, Timeout

from newscrawl.archive.paths import state_path


class ArchiveLocked(Exception):
    """Another run holds the archive's lock."""


@contextmanager
def archive_lock(settings):
    """Hold ``<state>.lock`` while the block runs; ArchiveLocked if another run holds it."""
    path = state_path(settings).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ArchiveLocked(f"another run holds {path}; not starting") from None
    try:
        yield
    finally:
        lock.release()
