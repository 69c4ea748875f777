"""scrapy-redis' scheduler, for Scrapy 2.19 and for a run shared by several workers."""

import logging

from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler

from newscrawl.scaleout.run import SharedRun

logger = logging.getLogger(__name__)


class SharedScheduler(Scheduler):
    """scrapy_redis.scheduler.Scheduler (0.9.1) as it is, but for:

    - the worker marked busy before each pop (run.py), so that the others
      know it has work in hand;
    - no stats: scrapy-redis counts its two with a ``spider`` argument,
      deprecated in Scrapy 2.19 (a warning per request); and ``open``
      without ``Spider.log``, deprecated too, which it calls when it finds
      requests queued (a worker joining a run in progress);
    - losing Redis stops the worker (finish reason ``redis_unavailable``)
      instead of an engine retrying for ever;
    - ``close`` does not flush: scrapy-redis would empty the queue and the
      dupefilter under the other workers' feet (or, with SCHEDULER_PERSIST,
      keep the dupefilter for ever, and filter out the next run's pages).
      The run's keys go when it is done (worker.py).
    """

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = cls.from_settings(crawler.settings)  # (scrapy-redis' from_crawler adds the stats)
        scheduler.run = SharedRun.from_crawler(crawler)
        return scheduler

    def open(self, spider):
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name}, serializer=self.serializer
        )
        self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if queued := len(self.queue):
            logger.info("Joining a run in progress: %d requests queued", queued)

    def has_pending_requests(self):
        with self.run.stop_if_lost():
            return super().has_pending_requests()
        return False

    def enqueue_request(self, request):
        with self.run.stop_if_lost():
            return super().enqueue_request(request)
        return False

    def next_request(self):
        with self.run.stop_if_lost():
            self.run.working()
            return super().next_request()
        return None

    def close(self, reason):
        """Nothing to flush (see above)."""
