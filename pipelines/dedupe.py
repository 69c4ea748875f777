"""Drop a post whose infoCode was already written, in this run or an earlier one.

With ``-a refresh=1`` an earlier run's post is written again (once).
"""

from scrapy.exceptions import DropItem

from newscrawl.store import ArchiveStore


class DedupePipeline:
    def __init__(self, store: ArchiveStore, stats, crawler=None):
        self.store = store
        self.stats = stats
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.get_extension(ArchiveStore), crawler.stats, crawler)

    def _refreshing(self) -> bool:
        return bool(self.crawler and getattr(self.crawler.spider, "refresh", False))

    def process_item(self, item):
        info_code = item["info_code"]
        if info_code in self.seen or (not self._refreshing() and self.store.is_archived(info_code)):
            self.stats.inc_value("newscrawl/duplicate")
            raise DropItem(f"duplicate {info_code}")
        self.seen.add(info_code)
        return item
