"""Files the archive writes: complete or not there at all, with the permissions a user expects.

tempfile.mkstemp creates its files 0600 whatever the umask, so a web server
or a Jekyll build running as another user could not read the posts: each
temporary file is given what ``open()`` would have given it (0644 under
umask 0022) before it is renamed into place.
"""

import os
import tempfile
from functools import cache
from pathlib import Path

TEMP_SUFFIX = ".tmp"


@cache
def file_mode() -> int:
    """0o666 less the process's umask. The umask can only be read by setting it,
    so it is read once (the first call, from the crawl's main thread)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_temporary(path: Path, text: str) -> Path:
    """Write ``text`` to a new temporary file beside ``path`` (not yet synced); its path."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except BaseException:
        os.unlink(temporary)
        raise
    return Path(temporary)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_file(path: Path, text: str) -> None:
    """Write ``path`` whole (a reader sees the old file or the new one), synced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = write_temporary(path, text)
    try:
        fsync_file(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
