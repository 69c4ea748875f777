"""How many posts each listing page lists, against its last run: a site change shows here first.

The spider sends ``listing_read`` for each category page, home page and
feed it reads, with how many post links it found, and whether the page
must list posts (a category the run was asked for). The counts
are kept with the archive state (one number per page: the last run's, if it
listed any), so the Listing pages monitor (newscrawl.monitors) can tell a
page that now lists nothing, or fewer than NEWSCRAWL_LISTING_MIN_FRACTION of
what it listed last time.
"""

from scrapy import signals

from newscrawl.archive.store import ArchiveStore, ListingCountRecords
from newscrawl.failures import write_failed
from newscrawl.setting_registry import setting

#: Sent by the spider with ``url``, ``posts`` (the post links the page lists)
#: and ``required`` (True for a category page the run was asked for).
listing_read = object()


class ListingCounts:
    def __init__(self, crawler):
        self.crawler = crawler
        self.min_fraction = setting(crawler.settings, "NEWSCRAWL_LISTING_MIN_FRACTION")
        self.previous: dict[str, int] = {}
        self.current: dict[str, tuple[int, bool]] = {}  # url -> (posts, whether it must list posts)

    @classmethod
    def from_crawler(cls, crawler):
        counts = cls(crawler)
        crawler.signals.connect(counts.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(counts.read, signal=listing_read)
        crawler.signals.connect(counts.spider_closed, signal=signals.spider_closed)
        return counts

    def spider_opened(self, spider):
        self.store: ListingCountRecords = self.crawler.get_extension(ArchiveStore)
        self.previous = self.store.listing_counts()

    def read(self, url: str, posts: int, required: bool = False):
        self.current[url] = (posts, required)

    def problems(self) -> list[str]:
        """What looks like a site change, one line a page."""
        found = []
        for url, (posts, required) in sorted(self.current.items()):
            before = self.previous.get(url, 0)
            if posts == 0 and (required or before):
                found.append(f"{url} lists no post" + (f" (it listed {before} last time)" if before else ""))
            elif posts < before * self.min_fraction:
                found.append(f"{url} lists {posts} posts, {before} last time (NEWSCRAWL_LISTING_MIN_FRACTION={self.min_fraction:g})")
        return found

    def spider_closed(self, spider):
        try:
            for url, (posts, _) in self.current.items():
                if posts:
                    self.store.set_listing_count(url, posts)
        except OSError as exc:
            write_failed(self.crawler.stats, exc.filename, exc)
