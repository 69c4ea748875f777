"""A hostile disk: links out of the archive, a corrupt state, a full disk. Each test
runs the real command as a user would, and checks the files, the exit status,
the stderr line, runs.jsonl and the mock site's request log."""

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from newscrawl.mocksite import MockSite
from tests.conftest import crawl, make_post, read_posts

POSTS = [make_post(f"NW20220223000000500{i}") for i in range(3)]


def _victims(tmp_path) -> Path:
    """Files and a directory outside the archive, which nothing the run does may touch."""
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "dir" / "notes.md").write_text("my notes\n", encoding="utf-8")
    (outside / "dir" / ".unrelated.tmp").write_text("someone else's temporary file\n", encoding="utf-8")
    (outside / "file").write_text('{"precious": true}\n', encoding="utf-8")  # JSON: CrawlResult reads runs.jsonl
    return outside


def _snapshot(directory: Path) -> dict[str, tuple]:
    """Every entry under ``directory``: its type, mode, size, times and bytes."""
    entries = {}
    for path in sorted(directory.rglob("*")):
        st = path.lstat()
        content = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        entries[str(path.relative_to(directory))] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, content)
    return entries


def _stderr_lines(result) -> list[str]:
    return [line for line in result.log.splitlines() if line.startswith("newscrawl:")]


# (the link in the archive, where it points: a path under "outside", which may not exist)
LINKS = {
    "posts-dir": ("_posts", "dir"),
    "runs-jsonl": ("runs.jsonl", "file"),
    "state-dangling": ("state.sqlite3", "missing.sqlite3"),
    "state-file": ("state.sqlite3", "file"),
    "state-wal": ("state.sqlite3-wal", "file"),
    "lock": ("state.lock", "file"),
}


@pytest.mark.parametrize("name, target", LINKS.values(), ids=LINKS.keys())
def test_a_link_out_of_the_archive_is_refused_before_any_request(tmp_path, output, name, target):
    outside = _victims(tmp_path)
    output.mkdir()
    (output / name).symlink_to(outside / target)
    before = _snapshot(outside)
    with MockSite(POSTS, include_seed=False).serve() as site:
        result = crawl(site, output)
        assert site.paths() == []
    assert result.returncode == 2, result.log[-2000:]
    assert _stderr_lines(result) == [
        f"newscrawl: {output / name} is a symbolic link (to {outside / target}): the archive writes only inside "
        f"its own directories; make it a {'directory' if name == '_posts' else 'file'} of its own"]
    assert "Traceback" not in result.log
    assert _snapshot(outside) == before
    assert (output / name).is_symlink() and sorted(p.name for p in output.iterdir()) == [name]


def test_a_linked_rejects_file_is_replaced_without_touching_its_target(tmp_path, output):
    outside = _victims(tmp_path)
    output.mkdir()
    (output / "rejects.jsonl").symlink_to(outside / "file")
    before = _snapshot(outside)
    with MockSite(POSTS, include_seed=False).serve() as site:
        result = crawl(site, output)
    assert result.returncode == 0, result.log[-2000:]
    assert _snapshot(outside) == before
    assert not (output / "rejects.jsonl").is_symlink() and (output / "rejects.jsonl").read_text() == ""
    assert len(read_posts(output)) == len(POSTS)


def test_a_configured_directory_may_itself_be_a_link(tmp_path):
    """/srv/archive -> /data/archive: the archive is written in /data/archive."""
    real = tmp_path / "data" / "archive"
    real.mkdir(parents=True)
    link = tmp_path / "archive"
    link.symlink_to(real)
    with MockSite(POSTS, include_seed=False).serve() as site:
        result = crawl(site, link)
    assert result.returncode == 0, result.log[-2000:]
    assert len(read_posts(real)) == len(POSTS)
    assert (real / "state.sqlite3").is_file() and (real / "runs.jsonl").is_file()
