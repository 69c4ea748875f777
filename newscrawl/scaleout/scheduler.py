"""scrapy-redis' scheduler, for Scrapy 2.19 and for a run shared by several workers."""

import logging

import redis
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler

from newscrawl.scaleout.run import SharedRun

logger = logging.getLogger(__name__)


class SharedScheduler(Scheduler):
    """scrapy_redis.scheduler.Scheduler (0.9.1) with leases (see run.py).

    What differs, and why:

    - ``open`` is rewritten: scrapy-redis logs through ``Spider.log``,
      deprecated in Scrapy 2.19, when it finds requests queued (a worker
      joining a run in progress).
    - ``enqueue_request`` and ``next_request`` are rewritten rather than
      extended: scrapy-redis passes ``spider=`` to the stats collector,
      which Scrapy 2.19 deprecates with a warning per request, and the
      lease calls go between their steps: a request that passes the
      dupefilter starts a unit of work and is leased before it is pushed
      (so it is never unrecorded), and a popped request's lease is
      renewed. A request that skips the dupefilter (share data, a retry,
      a mirror, a takeover) goes on with a unit that is leased already.
    - Losing Redis stops the worker (finish reason ``redis_unavailable``).
      scrapy-redis lets the error escape into the engine, which retries
      every 5 seconds for ever: a worker that never exits.
    - ``close`` does not flush: scrapy-redis either flushes the queue and
      dupefilter when any worker stops (under the others' feet) or keeps
      them for ever (SCHEDULER_PERSIST, and the next run's category pages
      are filtered out). Here the dupefilter is removed when the run is
      done, by whichever workers end last.
    """

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.run = SharedRun.from_crawler(crawler)
        scheduler.lost_redis = False
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
        try:
            return super().has_pending_requests()
        except redis.RedisError as exc:
            self._stop(exc)
            return False

    def enqueue_request(self, request):
        try:
            if not request.dont_filter:
                if self.df.request_seen(request):
                    self.df.log(request, self.spider)
                    return False
                self.run.lease(request)
            self.queue.push(request)
        except redis.RedisError as exc:
            self._stop(exc)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        try:
            request = self.queue.pop()
            if request is not None:
                self.run.renew(request)
        except redis.RedisError as exc:
            self._stop(exc)
            return None
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def close(self, reason):
        if reason == "finished" and self.run.end():
            logger.info("The shared run is done: its duplicate filter is cleared for the next run")

    def _stop(self, exc: redis.RedisError) -> None:
        if self.lost_redis:
            return
        self.lost_redis = True
        logger.error("Lost Redis (%s): this worker stops; the others take over its work", exc)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis_unavailable"))
