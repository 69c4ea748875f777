"""The worker's part in a shared run: keeping leases, taking over, ending."""

import logging
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from newscrawl.extensions.rejects import RejectLog
from newscrawl.scaleout.run import MAX_REQUEUES, SharedRun
from newscrawl.archive.store import ArchiveStore
from newscrawl.work import info_code_of, page_listed, post_rejected, post_work

logger = logging.getLogger(__name__)


class RunWorker:
    """An extension, on in a shared run (see the addon).

    - As the crawl signals them: hands a listing page's lease over to what
      it leads to, and ends a post's lease once it is written or rejected.
    - When idle, takes over the work whose lease expired (its worker died)
      and puts it back on the shared queue.
    - Ends the worker once the run has been quiet (nothing queued, nothing
      leased) for NEWSCRAWL_REDIS_IDLE_TIMEOUT seconds. Until then it stays,
      even with nothing to do: another worker may die, and its work must
      find a taker. Every lease ends or expires, and expired work is given
      up after MAX_REQUEUES, so no worker waits for ever.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.idle_timeout = crawler.settings.getfloat("NEWSCRAWL_REDIS_IDLE_TIMEOUT")
        self.quiet_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler):
        worker = cls(crawler)
        for handler, signal in [
            (worker.spider_opened, signals.spider_opened),
            (worker.spider_idle, signals.spider_idle),
            (worker.page_listed, page_listed),
            (worker.item_scraped, signals.item_scraped),
            (worker.item_dropped, signals.item_dropped),
            (worker.post_rejected, post_rejected),
        ]:
            crawler.signals.connect(handler, signal=signal)
        return worker

    def spider_opened(self):
        self.run = SharedRun.from_crawler(self.crawler)
        self.store = self.crawler.get_extension(ArchiveStore)
        self.rejects = self.crawler.get_extension(RejectLog)

    # --- leases, as the crawl goes

    def page_listed(self, work, requests):
        self.run.hand_over(work, requests)

    def item_scraped(self, item):
        self.run.finish(post_work(item["info_code"]))

    def item_dropped(self, item):
        # Written by another worker (or run) meanwhile; a post dropped as
        # invalid is rejected, and one claimed by a live worker stays leased.
        info_code = item.get("info_code")
        if info_code and self.store.is_archived(info_code):
            self.run.finish(post_work(info_code))

    def post_rejected(self, info_code):
        self.run.finish(post_work(info_code))

    # --- idle: take over, or end

    def spider_idle(self):
        if self.take_over_expired() or not self.run.is_quiet():
            self.quiet_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.quiet_since is None:
            self.quiet_since = now
        if now - self.quiet_since < self.idle_timeout:
            raise DontCloseSpider
        logger.info("The shared run has been quiet for %gs (NEWSCRAWL_REDIS_IDLE_TIMEOUT): ending", self.idle_timeout)

    def take_over_expired(self) -> int:
        """Requeue the work of dead workers; how many requests were requeued."""
        requeued = 0
        for expired in self.run.take_expired():
            info_code = info_code_of(expired.work)
            if info_code and self.store.is_archived(info_code):
                self.run.finish(expired.work)  # written; its worker died before saying so
            elif expired.requeues > MAX_REQUEUES:
                self.give_up(expired.work, expired.request.url, info_code)
            else:
                logger.info("Taking over %s: its worker did not finish it in time", expired.work)
                self.crawler.stats.inc_value("newscrawl/taken_over")
                self.crawler.engine.crawl(expired.request.replace(dont_filter=True))
                requeued += 1
        return requeued

    def give_up(self, work: str, url: str, info_code: str | None) -> None:
        reason = f"given up after {MAX_REQUEUES} takeovers"
        if info_code:
            self.rejects.record("abandoned", url, info_code, reason)  # which ends the lease
        else:
            self.run.finish(work)
            logger.error("Abandoned %s (%s): %s", work, url, reason)
