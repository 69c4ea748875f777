"""Posts are indexed for ``scrapy search`` as they are written: a crawl, a backfill or an
import needs no other command before a search.

An extension on the writer's ``posts_written`` signal (newscrawl.pipelines.markdown),
sent once a batch of posts is in place and archived. The index is a cache of the
post files: a failure to update it is one WARNING line, the run goes on without
it, and the next ``scrapy search`` indexes from the files what it lacks. Nothing
is opened until a post is written: a run that finds nothing new costs nothing.
"""

import logging
import os
import sqlite3

from scrapy import signals

from newscrawl.pipelines.markdown import posts_written
from newscrawl.search.index import IndexUnavailable, SearchIndex, index_path
from newscrawl.stats import SEARCH_INDEX_FAILED, SEARCH_INDEXED

logger = logging.getLogger(__name__)


class SearchIndexer:
    def __init__(self, path, stats):
        self.path = path
        self.stats = stats
        self._index: SearchIndex | None = None
        self._failed = False

    @classmethod
    def from_crawler(cls, crawler):
        indexer = cls(index_path(crawler.settings), crawler.stats)
        crawler.signals.connect(indexer.posts_written, signal=posts_written)
        crawler.signals.connect(indexer.close, signal=signals.engine_stopped)
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
            with self._index.transaction():
                for path, item in posts:
                    stat = os.stat(path)
                    self._index.add(os.path.basename(path), item, stat.st_mtime_ns, stat.st_size)
        except (IndexUnavailable, sqlite3.Error, OSError, ValueError) as exc:
            self._failed = True
            self.stats.set_value(SEARCH_INDEX_FAILED, 1)
            logger.warning("Search index not updated (%s): the next `scrapy search` indexes the posts it lacks", exc)
            return
        self.stats.inc_value(SEARCH_INDEXED, len(posts))

    def close(self):
        if self._index is not None:
            self._index.close()
            self._index = None
