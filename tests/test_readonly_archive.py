"""A user who can read but not write the archive (a web server's) exports, reports and searches it.

As root (CI), the commands run as ``nobody`` (setpriv, as newscrawl.addons.unprivileged
runs Chromium) on an archive of root's files, 0644 in 0755 directories; as another user,
on an archive whose write bits are taken away. Either way they write nothing in it.
"""

import json
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from newscrawl.addons.unprivileged import NOBODY, runs_as_root
from newscrawl.archive.store import SqliteArchiveStore
from newscrawl.mocksite import DEFAULT_CATEGORIES, MockSite, generate_posts
from tests.conftest import _scrapy_command, crawl, read_posts, scrapy
from tests.test_search import scan

ALL_CATEGORIES = "categories=" + ",".join(slug for slug, _, _ in DEFAULT_CATEGORIES)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A crawled archive (with its state and search index) in a directory every user can
    traverse, read-only to all but root; and a directory the reader can write its output to."""
    crawled = tmp_path_factory.mktemp("crawled") / "output"
    site = MockSite(generate_posts(40, seed=5))
    with site.serve():
        run = crawl(site, crawled, "finews", "-a", ALL_CATEGORIES)
    assert run.returncode == 0, run.log
    top = Path(tempfile.mkdtemp(prefix="newscrawl-readonly-"))
    try:
        archive = top / "archive"
        shutil.copytree(crawled, archive)
        (archive / "rejects.jsonl").write_text(json.dumps({"info_code": "NW209901010000000001", "reason": "test"}) + "\n")
        mine = top / "reader"
        mine.mkdir()
        for path in [top, *archive.rglob("*"), archive]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        if runs_as_root():
            os.chown(mine, NOBODY, NOBODY)
        else:
            for path in [*archive.rglob("*"), archive]:
                path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        top.chmod(0o755)
        yield archive, mine
    finally:
        for path in top.rglob("*"):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(top)


def as_reader(archive: Path, *args: str) -> subprocess.CompletedProcess:
    """A project command on ``archive``, run as a user who cannot write it."""
    command = _scrapy_command(archive, args, {"HOME": "/nonexistent", "TMPDIR": "/tmp"})
    if runs_as_root():
        command["args"] = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--", *command["args"]]
    return subprocess.run(**command, capture_output=True, text=True, timeout=120)


def listing(archive: Path) -> dict[str, tuple]:
    return {str(p.relative_to(archive)): (p.stat().st_size, p.stat().st_mtime_ns) for p in archive.rglob("*")}


def test_export_report_and_search_work_for_a_user_who_cannot_write_the_archive(shared):
    archive, mine = shared
    before = listing(archive)
    if runs_as_root():
        assert as_reader(archive, "export", "-O", str(archive / "x.jsonl")).returncode != 0  # the reader is not root

    exported = as_reader(archive, "export", "-O", str(mine / "posts.jsonl"))
    assert exported.returncode == 0, exported.stderr
    assert len((mine / "posts.jsonl").read_text(encoding="utf-8").splitlines()) == len(read_posts(archive))

    report = as_reader(archive, "report", "-o", str(mine / "report.html"))
    assert report.returncode == 0, report.stderr
    assert (mine / "report.html").stat().st_size > 0
    assert "1 current reject(s)" in report.stdout

    found = as_reader(archive, "search", "市场", "-n", "0", "-O", str(mine / "hits.jsonl"))
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line)["info_code"] for line in (mine / "hits.jsonl").read_text(encoding="utf-8").splitlines()]
    assert set(hits) == scan(archive, "市场") and hits

    assert listing(archive) == before  # nothing created, nothing changed


def test_report_reads_the_state_a_crawl_has_open(shared):
    """With a crawl's connection open (its -wal and -shm there), the reader sees what the crawl has committed."""
    archive, mine = shared
    if not runs_as_root():
        pytest.skip("the crawl's connection needs a state its user can write")
    store = SqliteArchiveStore(archive / "state.sqlite3")
    try:
        store.mark_archived("NW209901010000000001", str(archive / "_posts" / "gone.md"), "https://example.invalid/")
        assert (archive / "state.sqlite3-wal").exists()
        report = as_reader(archive, "report", "-o", str(mine / "report-during-crawl.html"))
        assert report.returncode == 0, report.stderr
        assert "0 current reject(s)" in report.stdout  # the reject's post is archived, in the WAL only
    finally:
        store.forget("NW209901010000000001")
        store.close()


def test_a_search_index_the_reader_can_neither_read_nor_build_is_one_line_and_exit_2(shared, tmp_path):
    archive, mine = shared
    result = as_reader(archive, "search", "市场", "-s", f"NEWSCRAWL_SEARCH_INDEX={archive / 'no-such-index.sqlite3'}")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("newscrawl:")] == [
        line for line in result.stderr.splitlines() if "no-such-index.sqlite3" in line and "not writable" in line]
