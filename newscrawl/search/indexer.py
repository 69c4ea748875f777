"""Posts are indexed for ``scrapy search`` as they are written: a crawl, a backfill or an
import needs no other command before a search.

An extension on the writer's ``posts_written`` signal (newscrawl.pipelines.markdown),
sent once a batch of posts is in place and archived. The posts of several
batches are committed together, every COMMIT_INTERVAL seconds and when the
spider closes (after the writer's last batch): a backfill writing hundreds of posts a second does not wait for
a commit (and the disk) after every batch. The index is a cache of the
post files: a failure to update it is one WARNING line, the run goes on without
it, and the next ``scrapy search`` indexes from the files what it lacks. Nothing
is opened until a post is written: a run that finds nothing new costs nothing.
"""

import logging
import os
import sqlite3
import time

from scrapy import signals

from newscrawl.pipelines.markdown import posts_written
from newscrawl.search.index import IndexUnavailable, SearchIndex, index_path
from newscrawl.stats import SEARCH_INDEX_FAILED, SEARCH_INDEXED

logger = logging.getLogger(__name__)

#: Seconds between the index's commits: a crawl's posts are found by ``scrapy search`` this soon.
COMMIT_INTERVAL = 2.0


class SearchIndexer:
    def __init__(self, path, stats):
        self.path = path
        self.stats = stats
        self._index: SearchIndex | None = None
        self._failed = False
        self._uncommitted = 0  # posts added since the last commit
        self._committed_at = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        indexer = cls(index_path(crawler.settings), crawler.stats)
        crawler.signals.connect(indexer.posts_written, signal=posts_written)
        crawler.signals.connect(indexer.close, signal=signals.spider_closed)  # after the writer's last batch, before the stats are dumped
        return indexer

    def posts_written(self, posts):
        """Index each (path, item) written; on a failure, say so once and stop indexing this run."""
        if self._failed or not posts:
            return
        try:
            if self._index is None:
                self._index = SearchIndex.open(self.path)
                if not self._index.writable:
                    raise IndexUnavailable(f"{self.path} is not writable")
            for path, item in posts:
                stat = os.stat(path)
                self._index.add(os.path.basename(path), item, stat.st_mtime_ns, stat.st_size)
            self._uncommitted += len(posts)
            if time.monotonic() - self._committed_at >= COMMIT_INTERVAL:
                self._commit()
        except (IndexUnavailable, sqlite3.Error, OSError, ValueError) as exc:
            self._fail(exc)

    def close(self):
        if self._index is None:
            return
        try:
            if not self._failed:
                self._commit()
        except sqlite3.Error as exc:
            self._fail(exc)
        self._index.close()
        self._index = None

    def _commit(self):
        self._index.commit()
        self.stats.inc_value(SEARCH_INDEXED, self._uncommitted)
        self._uncommitted = 0
        self._committed_at = time.monotonic()

    def _fail(self, exc: Exception):
        """Say so once, and stop indexing this run (what was not committed is left out)."""
        self._failed = True
        self.stats.set_value(SEARCH_INDEX_FAILED, 1)
        if self._index is not None:
            self._index.rollback()
        logger.warning("Search index not updated (%s): the next `scrapy search` indexes the posts it lacks", exc)
