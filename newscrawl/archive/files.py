"""Files the archive writes: complete or not there at all, with the permissions a
user expects, and never through a symbolic link.

A file is written to a new temporary file beside it, flushed to disk and
renamed over it. The temporary file is created with O_CREAT | O_EXCL (never
an existing file, nor a link), mode 0o666 less the umask (0644 under umask
0022, so a web server or a Jekyll build running as another user can read
it), and ``os.replace`` replaces a link itself, never the file it points
to. The posts directory is opened once with O_NOFOLLOW and every file in it
is made, renamed and removed relative to that descriptor, so a ``_posts``
that is, or becomes, a link leads nowhere. A line is appended with
O_NOFOLLOW, and taken back if it could not be written whole.
"""

import ctypes
import functools
import os
import platform
import re
import secrets
from pathlib import Path

TEMP_SUFFIX = ".tmp"

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def open_configured_directory(path: Path) -> int:
    """A descriptor of a directory the user configured (it may be a link: /srv/archive
    -> /data/archive), made if missing."""
    path.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def open_directory(path: Path) -> int:
    """A descriptor of the directory ``path`` inside a configured one, made if missing
    (the configured directory may be a link; ``path`` may not: ELOOP or ENOTDIR)."""
    parent = open_configured_directory(path.parent)
    try:
        try:
            os.mkdir(path.name, dir_fd=parent)
        except FileExistsError:
            pass
        return os.open(path.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=parent)
    finally:
        os.close(parent)


def write_temporary(directory: int, name: str, text: str) -> str:
    """Write ``text`` to a new temporary file beside ``name`` in ``directory`` (not yet synced); its name."""
    temporary = f".{name}.{secrets.token_hex(6)}{TEMP_SUFFIX}"
    fd = os.open(temporary, _NEW_FILE, 0o666, dir_fd=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except BaseException:
        os.unlink(temporary, dir_fd=directory)
        raise
    return temporary


def fsync_file(directory: int, name: str) -> None:
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=directory)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_files(directory: int, names: list[str]) -> None:
    """Flush the files ``names`` of ``directory`` to disk; raises OSError if any could not be.

    Several files: one ``syncfs(2)`` of the directory's file system where
    the C library has it (Linux), a batch of new files in one journal
    commit, where an fsync each commits the journal once a file (on ext4
    about 8 times the wall time, 3 times the CPU). A single file, or no
    syncfs: an fsync each (syncfs also flushes what other programs wrote,
    which one file is not worth waiting for). syncfs reports a failed write
    since Linux 5.8; older kernels do not, so the fsync each is kept there.
    """
    syncfs = _syncfs() if len(names) > 1 else None
    if syncfs is None:
        for name in names:
            fsync_file(directory, name)
    elif syncfs(directory) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


@functools.cache
def _syncfs():
    """libc's syncfs where it reports write errors (Linux 5.8 and later), else None."""
    release = tuple(int(part) for part in re.findall(r"\d+", platform.release())[:2])
    if platform.system() != "Linux" or release < (5, 8):
        return None
    return getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)


def rename_into_place(directory: int, temporary: str, name: str) -> None:
    """Rename the synced temporary file to ``name`` (a link there is replaced, not followed)."""
    os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)


def replace_file(path: Path, text: str) -> None:
    """Write ``path`` whole (a reader sees the old file or the new one), synced."""
    directory = open_configured_directory(path.parent)
    try:
        temporary = write_temporary(directory, path.name, text)
        try:
            fsync_file(directory, temporary)
            rename_into_place(directory, temporary, path.name)
        except BaseException:
            os.unlink(temporary, dir_fd=directory)
            raise
    finally:
        os.close(directory)


def append_line(path: Path, line: str) -> None:
    """Append ``line`` to ``path`` (made if missing, never through a link), whole or not at all."""
    data = line.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    try:
        size = os.fstat(fd).st_size
        try:
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
        except OSError:
            os.ftruncate(fd, size)  # no half line: the file stays a list of whole lines
            if size == 0:
                os.unlink(path)  # nor an empty file where there was none
            raise
    finally:
        os.close(fd)
