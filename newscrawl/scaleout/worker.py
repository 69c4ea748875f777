"""The worker's part in a shared run (run.py): staying, sweeping, ending."""

import logging
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

from newscrawl.extensions.rejects import post_rejected
from newscrawl.scaleout.run import BEAT_SECONDS, SharedRun
from newscrawl.scaleout.sweep import MAX_SWEEPS, SWEEP_KEY
from newscrawl.setting_registry import setting
from newscrawl.stats import SWEEPS

logger = logging.getLogger(__name__)


class RunWorker:
    """An extension, on in a shared run (see the addon).

    - While the worker is busy, renews its mark every BEAT_SECONDS.
    - When it has nothing in hand: waits while the run has work anywhere
      (another worker may yet die, and its work must find a taker); sweeps
      when the run owes a sweep; ends once the run has been done for
      NEWSCRAWL_REDIS_IDLE_TIMEOUT seconds, removing the run's keys.
    - Notes the posts rejected in this run: a sweep does not queue them again.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.idle_timeout = setting(crawler.settings, "NEWSCRAWL_REDIS_IDLE_TIMEOUT")
        self.done_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler):
        worker = cls(crawler)
        for handler, signal in [
            (worker.spider_opened, signals.spider_opened),
            (worker.spider_idle, signals.spider_idle),
            (worker.spider_closed, signals.spider_closed),
            (worker.post_rejected, post_rejected),
        ]:
            crawler.signals.connect(handler, signal=signal)
        return worker

    def spider_opened(self):
        self.run = self.crawler.get_extension(SharedRun)
        self.heartbeat = create_looping_call(self.beat)
        self.heartbeat.start(BEAT_SECONDS, now=False)

    def spider_closed(self):
        if self.heartbeat.running:
            self.heartbeat.stop()

    def beat(self):
        with self.run.stop_if_lost():
            self.run.beat()

    def post_rejected(self, info_code):
        with self.run.stop_if_lost():
            self.run.mark_rejected(info_code)

    def spider_idle(self):
        with self.run.stop_if_lost():
            if self.may_end():
                return
        raise DontCloseSpider

    def may_end(self) -> bool:
        """With nothing in hand: sweep if the run owes it; end once it is done (and was, for the idle timeout)."""
        self.run.resting()
        needs = self.run.step("look")
        if needs == "sweep":
            deferred_from_coro(self.sweep())
        if needs != "done":
            self.done_since = None
            return False
        now = time.monotonic()
        self.done_since = self.done_since or now
        if now - self.done_since < self.idle_timeout or self.run.step("end") != "done":
            return False
        logger.info("The shared run is done (for %gs, NEWSCRAWL_REDIS_IDLE_TIMEOUT): ending", self.idle_timeout)
        return True

    async def sweep(self):
        """The spider's start requests, queued again for a sweep if this worker takes it."""
        requests = [request async for request in self.crawler.spider.start()]
        with self.run.stop_if_lost():
            self.start_sweep(requests)

    def start_sweep(self, requests):
        number = self.run.step("sweep")  # atomic: one worker sweeps
        if not isinstance(number, int):
            return
        if number > MAX_SWEEPS + 1:
            logger.error("Workers still lost after %d sweeps: no more sweeps; what they had is left to the next run",
                         MAX_SWEEPS + 1)
            return
        logger.info("A worker was lost with work in hand: sweep %d lists the pages again", number)
        self.crawler.stats.inc_value(SWEEPS)
        for request in requests:
            request.meta[SWEEP_KEY] = number
            self.crawler.engine.crawl(request)
