"""Periodic progress lines: posts done out of those found, rate and time left; or, before any
post is found, the pages being waited for (a site that accepts connections and never answers
shows here, not only once DOWNLOAD_TIMEOUT and the retries have run out)."""

import logging
import time

from scrapy import signals
from twisted.internet import task

from newscrawl.setting_registry import setting
from newscrawl.stats import DUPLICATE, POST_REQUESTS, REJECTED, WRITTEN

logger = logging.getLogger(__name__)

DONE_KEYS = (WRITTEN, REJECTED, DUPLICATE)


def duration(seconds: float) -> str:
    """``12 s``, ``3.5 min``, ``2.1 h``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Every NEWSCRAWL_PROGRESS_INTERVAL seconds (0: never), and once at the end
    (before the run summary: RunReport comes after it in EXTENSIONS)."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.stats = crawler.stats
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        self.started = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        progress = cls(crawler, setting(crawler.settings, "NEWSCRAWL_PROGRESS_INTERVAL"))
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def spider_opened(self, spider):
        if self.interval > 0:
            self.started = time.monotonic()
            self.loop = task.LoopingCall(self.log)
            self.loop.start(self.interval, now=False)

    def spider_closed(self, spider, reason):
        if self.loop and self.loop.running:
            self.loop.stop()
            self.log(final=True)  # where the run ended

    def log(self, final: bool = False):
        discovered = self.stats.get_value(POST_REQUESTS, 0)
        elapsed = time.monotonic() - self.started
        if not discovered:
            if not final:
                logger.info("Progress: no post found yet after %s; %s", duration(elapsed), self.waiting())
            return
        done = sum(self.stats.get_value(key, 0) for key in DONE_KEYS)
        rate = done / elapsed * 60 if elapsed else 0.0
        remaining = max(discovered - done, 0)
        if not remaining:
            left = "all done"
        elif rate:
            left = f"ETA {duration(remaining / rate * 60)} for the posts found so far"
        else:
            left = f"ETA unknown: none done yet, {self.waiting()}"
        logger.info("Progress: %d/%d posts done (%.0f%%), %.1f posts/min, %s",
                    done, discovered, 100 * done / discovered, rate, left)

    def waiting(self) -> str:
        """The pages in the downloader, the retries so far."""
        engine = self.crawler.engine
        active = len(engine.downloader.active) if engine and engine.downloader else 0
        retries = self.stats.get_value("retry/count", 0)
        return f"waiting for {active} page(s)" + (f", {retries} retries so far" if retries else "")
