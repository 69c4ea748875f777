"""Drop a post whose infoCode was already written, in this run or an earlier one."""

from scrapy.exceptions import DropItem

from newscrawl.store import ArchiveStore


class DedupePipeline:
    def __init__(self, store: ArchiveStore, stats):
        self.store = store
        self.stats = stats
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.get_extension(ArchiveStore), crawler.stats)

    def process_item(self, item):
        info_code = item["info_code"]
        if info_code in self.seen or self.store.is_archived(info_code):
            self.stats.inc_value("newscrawl/duplicate")
            raise DropItem(f"duplicate {info_code}")
        self.seen.add(info_code)
        return item
