"""The first half of a post's two-phase write: the claim.

A post goes on to the writer (newscrawl.pipelines.markdown, the second half:
the file put in place, then recorded archived, or the claim released) only
if this worker claims its infoCode. The claim is refused for a post already
archived (an earlier run, or another worker) or already claimed (this run,
or another worker writing it right now); see newscrawl.archive.protocols.Claims.
With ``-a refresh=1`` an earlier run's post is claimed, and written again, once.
"""

from scrapy.exceptions import DropItem

from newscrawl.archive.store import ArchiveStore, PostClaims
from newscrawl.stats import DUPLICATE


class ClaimPostPipeline:
    """Drops a post another write holds or has made; lets the rest through, claimed."""

    def __init__(self, store: PostClaims, stats, crawler=None):
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
