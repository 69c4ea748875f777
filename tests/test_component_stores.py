"""The archive store as the crawl opens it (an extension, the backend NEWSCRAWL_STATE names),
and its parts: a backend implements the protocols it uses, and only what it declares."""

import sqlite3

import pytest

from newscrawl.archive.backends import STORE_SCHEMES, store_class
from newscrawl.archive.sqlite_store import SqliteArchiveStore
from newscrawl.archive.store import (
    ArchiveIndex,
    ArchiveStore,
    ExpiringClaims,
    ListingCountRecords,
    PostClaims,
    RejectRecords,
)
from newscrawl.errors import ConfigError
from newscrawl.extensions.listings import ListingCounts
from newscrawl.extensions.rejects import RejectLog
from newscrawl.scaleout.redis_store import RedisArchiveStore
from tests.components import component_crawler, open_extensions, stop_engine

PARTS = (ArchiveIndex, PostClaims, RejectRecords, ListingCountRecords)


def test_the_crawls_store_is_the_sqlite_file_the_state_names_and_closes_with_the_engine(tmp_path):
    crawler = component_crawler(tmp_path / "output", NEWSCRAWL_STATE=f"sqlite://{tmp_path}/elsewhere/state.db")
    store = crawler.get_extension(ArchiveStore)
    assert isinstance(store, SqliteArchiveStore) and store.path == tmp_path / "elsewhere" / "state.db"
    assert store.claim("NW1") and not store.claim("NW1")
    stop_engine(crawler)
    with pytest.raises(sqlite3.ProgrammingError):  # closed
        store.archived_path("NW1")


def test_the_extensions_keep_their_part_of_the_state_across_runs(tmp_path):
    for run in (1, 2):
        crawler = component_crawler(tmp_path / "output")
        open_extensions(crawler, RejectLog, ListingCounts)
        rejects = crawler.get_extension(RejectLog)
        if run == 1:
            rejects.record("no_body", "https://site/a.html", "NW1")
            crawler.get_extension(ListingCounts).read("https://site/category/a.html", 12)
            crawler.get_extension(ListingCounts).spider_closed(crawler.spider)
        else:
            assert rejects.known("NW1")
            assert crawler.get_extension(ArchiveStore).listing_counts() == {"https://site/category/a.html": 12}
        stop_engine(crawler)


def test_each_backend_is_every_part_and_only_a_shared_ones_claims_expire():
    for backend in {store_class(f"{scheme}://x" if scheme else "state.db") for scheme in STORE_SCHEMES}:
        assert issubclass(backend, ArchiveStore) and all(issubclass(backend, part) for part in PARTS)
    assert issubclass(RedisArchiveStore, ExpiringClaims) and RedisArchiveStore.shared
    assert not issubclass(SqliteArchiveStore, ExpiringClaims) and not SqliteArchiveStore.shared


def test_a_backend_implements_only_the_parts_it_uses():
    class Rejects(RejectRecords):
        """What a reject log alone needs."""

        def __init__(self):
            self.records = {}

        def reject(self, key):
            return self.records.get(key)

        def put_reject(self, key, record):
            self.records[key] = record

        def rejects(self):
            return [self.records[key] for key in sorted(self.records)]

    rejects = Rejects()
    rejects.put_reject("NW1", {"key": "NW1"})
    assert rejects.rejects() == [{"key": "NW1"}]

    class HalfAStore(ArchiveStore):
        def claim(self, info_code, rewrite=False):
            return True

    with pytest.raises(TypeError, match="abstract"):
        HalfAStore()


def test_a_state_of_no_known_scheme_is_a_config_error():
    with pytest.raises(ConfigError, match="give a path, or a URI of sqlite://, redis://, rediss://"):
        store_class("mongodb://x")
