"""Let a post through only if this worker may write it: it claims the infoCode.

The claim is refused for a post already archived (an earlier run, or
another worker) or already claimed (this run, or another worker writing it
right now); see newscrawl.archive.store.ArchiveStore. With ``-a refresh=1`` an
earlier run's post is claimed, and written again, once.
"""

from scrapy.exceptions import DropItem

from newscrawl.archive.store import ArchiveStore
from newscrawl.stats import DUPLICATE


class DedupePipeline:
    def __init__(self, store: ArchiveStore, stats, crawler=None):
        self.store = store
        self.stats = stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.get_extension(ArchiveStore), crawler.stats, crawler)

    def _refreshing(self) -> bool:
        return bool(self.crawler and getattr(self.crawler.spider, "refresh", False))

    def process_item(self, item):
        info_code = item["info_code"]
        if not self.store.claim(info_code, rewrite=self._refreshing()):
            self.stats.inc_value(DUPLICATE)
            raise DropItem(f"duplicate {info_code}")
        return item
