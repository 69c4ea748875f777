"""The post files to import: those in a folder, or every version a git repository ever committed.

``folder_files(root)`` walks the folder (at any depth), ``history_versions(repo)``
reads the history in one pass: one ``git log --all --raw`` process lists
every file version of every commit on every ref, newest commit first, and
one ``git cat-file --batch`` process hands over the contents of the
versions asked for. Both stream: nothing holds the history, and a version
whose content is not wanted (an older version of a post already met) is
never read. (docs/import.md says why git itself, and not dulwich or
pygit2, and what each costs.)

Each yields SourceVersion: a path (relative, ``/``-separated) and a way
to read its bytes.
"""

import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newscrawl.errors import ConfigError

#: The file names Jekyll reads as Markdown posts.
POST_SUFFIXES = (".md", ".markdown")
_NO_BLOB = "0" * 40
_REGULAR_FILES = ("100644", "100755")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class SourceVersion:
    path: str
    read: Callable[[], bytes]

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]


class HistoryError(RuntimeError):
    """git failed while the history was read; the message has its words."""


def folder_files(root: Path) -> Iterator[SourceVersion]:
    """Every post file under ``root``, in path order (``_posts/`` before ``old_post/``), links not followed."""
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        relative = Path(directory).relative_to(root).as_posix()
        for name in sorted(files):
            if name.endswith(POST_SUFFIXES):
                path = os.path.join(directory, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    yield SourceVersion(name if relative == "." else f"{relative}/{name}", Path(path).read_bytes)


def check_repository(path: Path) -> None:
    """Raise ConfigError unless ``path`` is (the top of) a git repository git can read."""
    try:
        proc = subprocess.run(["git", "-C", str(path), "rev-parse", "--git-dir"], capture_output=True, text=True)
    except FileNotFoundError:
        raise ConfigError("-a history=all needs git (apt-get install git)") from None
    if proc.returncode != 0:
        raise ConfigError(f"-a history=all: {path} is not a git repository ({proc.stderr.strip().splitlines()[-1:]})")


def history_versions(repo: Path, on_commit: Callable[[], None] = lambda: None) -> Iterator[SourceVersion]:
    """Every version of every post file committed on any ref, newest commit first.

    A commit's added or modified files are its versions (a moved file is
    deleted and added: the same content again, under its new path);
    ``on_commit`` is called at each commit met. Raises HistoryError if git fails.
    """
    log = subprocess.Popen(
        ["git", "-C", str(repo), "log", "--all", "--date-order", "--raw", "--no-renames", "--no-abbrev", "-z",
         "--format=%x01%H", "--", *(f"*{suffix}" for suffix in POST_SUFFIXES)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    blobs = _BlobReader(repo)
    try:
        tokens = _nul_separated(log.stdout)
        for token in tokens:
            token = token.lstrip(b"\n")
            if token.startswith(b"\x01"):
                on_commit()
                continue
            if not token.startswith(b":"):
                continue
            path = next(tokens).decode("utf-8", "surrogateescape")
            _, mode, _, blob, status = token[1:].decode("ascii").split()
            if status[0] in "AMT" and mode in _REGULAR_FILES and blob != _NO_BLOB:
                yield SourceVersion(path, lambda blob=blob: blobs.read(blob))
        if log.wait() != 0:
            raise HistoryError(f"git log failed: {log.stderr.read().decode(errors='replace').strip()}")
    finally:
        blobs.close()
        if log.poll() is None:
            log.kill()
            log.wait()
        log.stdout.close()
        log.stderr.close()


def _nul_separated(stream) -> Iterator[bytes]:
    pending = b""
    while chunk := stream.read1(_CHUNK):
        *tokens, pending = (pending + chunk).split(b"\0")
        yield from tokens
    if pending:
        yield pending


class _BlobReader:
    """One ``git cat-file --batch`` process, started at the first blob read."""

    def __init__(self, repo: Path):
        self.repo = repo
        self.process: subprocess.Popen | None = None

    def read(self, blob: str) -> bytes:
        if self.process is None:
            self.process = subprocess.Popen(["git", "-C", str(self.repo), "cat-file", "--batch"],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.process.stdin.write(blob.encode() + b"\n")
        self.process.stdin.flush()
        header = self.process.stdout.readline().split()
        if len(header) != 3:
            raise HistoryError(f"git cat-file could not read {blob}: {b' '.join(header).decode(errors='replace')}")
        size = int(header[2])
        data = self.process.stdout.read(size + 1)  # the content, then a newline
        return data[:size]

    def close(self) -> None:
        if self.process is not None:
            self.process.stdin.close()
            self.process.wait()
            self.process.stdout.close()
            self.process = None
