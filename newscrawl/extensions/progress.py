"""Periodic progress lines for long backfills: done out of discovered, rate, ETA."""

import logging
import time

from scrapy import signals
from twisted.internet import task

from newscrawl.setting_registry import setting

logger = logging.getLogger(__name__)

DONE_KEYS = ("newscrawl/written", "newscrawl/rejected", "newscrawl/duplicate")


class Progress:
    """Every NEWSCRAWL_PROGRESS_INTERVAL seconds (0: never), and once at the end."""

    def __init__(self, stats, interval: float):
        self.stats = stats
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        self.started = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        progress = cls(crawler.stats, setting(crawler.settings, "NEWSCRAWL_PROGRESS_INTERVAL"))
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
            self.log()  # where the run ended

    def log(self):
        discovered = self.stats.get_value("newscrawl/post_requests", 0)
        done = sum(self.stats.get_value(key, 0) for key in DONE_KEYS)
        if not discovered:
            return
        elapsed = time.monotonic() - self.started
        rate = done / elapsed * 60 if elapsed else 0.0
        remaining = max(discovered - done, 0)
        eta = f"{remaining / rate:.1f} min" if rate else "unknown"
        logger.info("Progress: %d/%d posts done (%.0f%%), %.1f posts/min, ETA %s",
                    done, discovered, 100 * done / discovered, rate, eta)
