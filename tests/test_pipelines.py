"""Unit tests of the store and the pipelines."""

import ctypes
import errno
import os
import sqlite3

import pytest
from scrapy.exceptions import DropItem
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from newscrawl.archive import files
from newscrawl.items import PostItem
from newscrawl.archive.sqlite_store import SqliteArchiveStore
from newscrawl.pipelines.claim import ClaimPostPipeline
from newscrawl.pipelines.markdown import MarkdownWriterPipeline
from newscrawl.pipelines.validate import ValidatePostPipeline
from newscrawl.mocksite import SITE_URL
from newscrawl.stats import FIRST_WRITE_ERROR, WRITE_ERRORS
from tests.conftest import post_item, reject_log

@pytest.fixture
def stats():
    return MemoryStatsCollector(get_crawler())


@pytest.fixture
def store(tmp_path):
    store = SqliteArchiveStore(tmp_path / "state.sqlite3")
    yield store
    store.close()


def _post_file(tmp_path, code: str) -> str:
    path = tmp_path / f"{code}.md"
    path.write_text("---\n", encoding="utf-8")
    return str(path)


def test_store_persists_across_connections(tmp_path):
    first = SqliteArchiveStore(tmp_path / "state.sqlite3")
    first.mark_archived("NW1", _post_file(tmp_path, "NW1"), "u")
    first.close()
    second = SqliteArchiveStore(tmp_path / "state.sqlite3")
    assert second.is_archived("NW1") and not second.is_archived("NW2")
    second.close()


def test_a_post_whose_file_is_gone_or_unreadable_is_not_archived(tmp_path, store):
    store.mark_archived("NW1", _post_file(tmp_path, "NW1"), "u")
    store.mark_archived("NW2", _post_file(tmp_path, "NW2"), "u")
    (tmp_path / "NW1.md").unlink()
    (tmp_path / "NW2.md").chmod(0)
    assert not store.is_archived("NW1")
    assert store.is_archived("NW2") == (os.geteuid() == 0)  # root reads any file
    assert store.claim("NW1"), "fetched and written again"


def test_claim_within_a_run_and_across_runs(tmp_path, store, stats):
    store.mark_archived("OLD", _post_file(tmp_path, "OLD"), "u")
    pipeline = ClaimPostPipeline(store, stats)
    assert pipeline.process_item(post_item("NEW")) is not None
    with pytest.raises(DropItem):
        pipeline.process_item(post_item("NEW"))
    with pytest.raises(DropItem):
        pipeline.process_item(post_item("OLD"))
    assert stats.get_value("newscrawl/duplicate") == 2


def test_writer_writes_then_archives_and_leaves_no_temp_file(tmp_path, store, stats):
    writer = MarkdownWriterPipeline(tmp_path / "_posts", SITE_URL, store, stats)
    writer.open_spider()
    writer.process_item(post_item("NW1"))
    assert [p.name for p in (tmp_path / "_posts").iterdir()] == ["2022-02-23-NW1.md"]
    assert store.is_archived("NW1")


def test_writer_archives_nothing_when_the_file_cannot_be_written(tmp_path, store, stats):
    writer = MarkdownWriterPipeline(tmp_path / "_posts", SITE_URL, store, stats)
    writer.open_spider()
    unrenderable = PostItem(info_code="NW2", date="2022-02-23 10:30:09 +0800")  # no body, no category
    assert store.claim("NW2")
    with pytest.raises(KeyError):
        writer.process_item(unrenderable)
    assert not store.is_archived("NW2")
    assert store.claim("NW2"), "a post that could not be written is released for another try"
    assert list((tmp_path / "_posts").iterdir()) == []


@pytest.mark.parametrize(
    "overrides, reason",
    [({"title": None}, "missing_title"), ({"date": None, "body": ""}, "missing_date_body"), ({"info_code": "../x"}, "bad_info_code"),
     ({"date": "20220223"}, "bad_date"), ({"category": "../../../../tmp/x"}, "bad_category"),
     ({"category": "/etc/cron.d/evil"}, "bad_category"), ({"title": "x" * 100_000}, "bad_title"),
     ({"title": "a\x07b"}, "bad_title"), ({"tags": "a\x00"}, "bad_tags"), ({"source": "a\u2028b"}, "bad_source"),
     ({"url": f"{SITE_URL}/q%00/2022/02/23/NW1.html"}, "bad_url"),
     ({"url": f"{SITE_URL}/../../etc/2022/02/23/NW1.html"}, "bad_url"),
     ({"share_url": "http://x.example/a><script>alert(1)</script>"}, "bad_share_url")],
)
def test_validate_rejects_with_a_record(tmp_path, store, overrides, reason):
    rejects = reject_log(tmp_path, store)
    item = post_item(**overrides)
    with pytest.raises(DropItem):
        ValidatePostPipeline(rejects, rejects.stats).process_item(item)
    [record] = store.rejects()
    assert record["reason"] == reason and record["kind"] == "invalid" and record["url"].startswith(SITE_URL)
    assert rejects.stats.get_value(f"newscrawl/rejected/{reason}") == 1
    assert rejects.stats.get_value("spidermon/validation/fields/errors") >= 1  # what the Item Validation Monitor reads


def test_a_reject_is_one_record_until_given_up_or_written(tmp_path, store):
    for attempt in (1, 2, 3):
        rejects = reject_log(tmp_path, store)  # a run each
        rejects.record("no_body", f"{SITE_URL}/a.html", "NW1")
        rejects.record("fetch_failed", f"{SITE_URL}/a.html", "NW1", "HTTP 500")  # the run's first cause is kept
        [record] = store.rejects()
        assert (record["reason"], record["attempts"], record["given_up"]) == ("no_body", attempt, attempt == 3)
    store.mark_archived("NW1", str(tmp_path / "a.md"), f"{SITE_URL}/a.html")
    assert store.rejects() == []


def test_a_failure_is_never_given_up(tmp_path, store):
    for _ in range(4):  # NEWSCRAWL_REJECT_MAX_ATTEMPTS is 3
        reject_log(tmp_path, store).record("share_fetch_failed", f"{SITE_URL}/a.html", "NW1", "HTTP 503")
    record = store.reject("NW1")
    store.put_reject("NW1", {**record, "first_seen": record["first_seen"] - 4 * 86400})  # and days older than 3
    rejects = reject_log(tmp_path, store)
    rejects.record("share_fetch_failed", f"{SITE_URL}/a.html", "NW1", "HTTP 503")
    assert (store.reject("NW1")["attempts"], store.reject("NW1")["given_up"]) == (5, False)
    # A failure given up under the earlier rules is tried again.
    store.put_reject("NW1", {**store.reject("NW1"), "given_up": True})
    rejects.crawler.get_extension = lambda _: store  # as the crawl's, once it has started
    rejects.spider_opened(None)
    assert not rejects.given_up("NW1")


def test_a_reject_is_given_up_after_max_days(tmp_path, store):
    reject_log(tmp_path, store).record("no_body", f"{SITE_URL}/a.html", "NW1")
    record = store.reject("NW1")
    store.put_reject("NW1", {**record, "first_seen": record["first_seen"] - 4 * 86400})
    reject_log(tmp_path, store).record("no_body", f"{SITE_URL}/a.html", "NW1")
    assert store.reject("NW1")["given_up"] and store.reject("NW1")["attempts"] == 2


def test_writer_puts_posts_in_place_and_archives_them_a_batch_at_a_time(tmp_path, store, stats):
    writer = MarkdownWriterPipeline(tmp_path / "_posts", SITE_URL, store, stats, sync_batch=3)
    writer.open_spider()
    writer.process_item(post_item("NW1"))
    writer.process_item(post_item("NW2"))
    # Not yet on disk: a crash now loses both, and the next run fetches them again.
    assert not list((tmp_path / "_posts").glob("*.md")) and not store.is_archived("NW1")
    for code in ("NW3", "NW4"):
        writer.process_item(post_item(code))
    writer.close_spider()
    assert sorted(p.name for p in (tmp_path / "_posts").iterdir()) == [
        "2022-02-23-NW1.md", "2022-02-23-NW2.md", "2022-02-23-NW3.md", "2022-02-23-NW4.md"]
    assert all(store.is_archived(code) for code in ("NW1", "NW2", "NW3", "NW4"))
    assert stats.get_value("newscrawl/written") == 4


def test_a_batch_is_marked_archived_all_or_none(tmp_path, store):
    store.put_reject("NW1", {"reason": "no_body"})
    store.mark_all_archived([("NW1", _post_file(tmp_path, "NW1"), "u1"), ("NW2", _post_file(tmp_path, "NW2"), "u2")])
    assert store.is_archived("NW1") and store.is_archived("NW2")
    assert store.reject("NW1") is None, "a post written is no longer a reject"
    # A statement of the batch fails (the state damaged under it): none of the batch is marked.
    store._db.execute("DROP TABLE rejects")
    with pytest.raises(sqlite3.OperationalError):
        store.mark_all_archived([("NW3", _post_file(tmp_path, "NW3"), "u3"), ("NW4", _post_file(tmp_path, "NW4"), "u4")])
    assert store.archived_path("NW3") is None and store.archived_path("NW4") is None


def test_a_batch_the_state_cannot_record_is_released_whole_and_counted_failed(tmp_path, store, stats, monkeypatch):
    writer = MarkdownWriterPipeline(tmp_path / "_posts", SITE_URL, store, stats, sync_batch=2)
    writer.open_spider()

    def full(posts):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "state.sqlite3"))

    monkeypatch.setattr(store, "mark_all_archived", full)
    for code in ("NW1", "NW2"):
        assert store.claim(code)
        writer.process_item(post_item(code))
    writer.close_spider()
    assert not store.is_archived("NW1") and not store.is_archived("NW2")
    assert store.claim("NW1") and store.claim("NW2"), "released for the next run"
    assert stats.get_value("newscrawl/written") is None
    assert stats.get_value(WRITE_ERRORS) == 2


def test_a_batch_that_cannot_be_synced_is_not_put_in_place(tmp_path, store, stats, monkeypatch):
    def failing_syncfs(fd):
        ctypes.set_errno(errno.EIO)
        return -1

    monkeypatch.setattr(files, "_syncfs", lambda: failing_syncfs)
    writer = MarkdownWriterPipeline(tmp_path / "_posts", SITE_URL, store, stats, sync_batch=2)
    writer.open_spider()
    for code in ("NW1", "NW2"):
        assert store.claim(code)
        writer.process_item(post_item(code))
    writer.close_spider()
    assert list((tmp_path / "_posts").iterdir()) == [], "neither in place, no temporary file left"
    assert not store.is_archived("NW1") and store.claim("NW1") and store.claim("NW2")
    assert stats.get_value(WRITE_ERRORS) == 2 and "Input/output error" in stats.get_value(FIRST_WRITE_ERROR)


def test_a_batch_is_synced_by_one_syncfs_a_single_file_or_without_syncfs_by_an_fsync_each(tmp_path, monkeypatch):
    synced, syncfs_calls = [], []
    monkeypatch.setattr(files, "fsync_file", lambda directory, name: synced.append(name))
    monkeypatch.setattr(files, "_syncfs", lambda: lambda fd: syncfs_calls.append(fd) or 0)
    directory = files.open_configured_directory(tmp_path)
    try:
        names = [files.write_temporary(directory, f"{n}.md", "x") for n in ("a", "b")]
        files.sync_files(directory, names)
        assert syncfs_calls == [directory] and synced == []
        files.sync_files(directory, names[:1])
        assert syncfs_calls == [directory] and synced == names[:1]
        monkeypatch.setattr(files, "_syncfs", lambda: None)
        files.sync_files(directory, names)
        assert synced == names[:1] + names
    finally:
        os.close(directory)


@pytest.mark.parametrize("system, release, has_syncfs", [("Linux", "6.1.0-28-amd64", True), ("Linux", "5.8.0", True),
                                                         ("Linux", "5.4.0-42-generic", False), ("Darwin", "23.1.0", False)])
def test_syncfs_is_used_only_where_it_reports_write_errors(monkeypatch, system, release, has_syncfs):
    monkeypatch.setattr(files.platform, "system", lambda: system)
    monkeypatch.setattr(files.platform, "release", lambda: release)
    files._syncfs.cache_clear()
    try:
        assert (files._syncfs() is not None) == has_syncfs
    finally:
        files._syncfs.cache_clear()
