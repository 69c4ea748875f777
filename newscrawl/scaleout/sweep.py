"""What a sweep (run.py) queues again: the work a lost worker had in hand.

A sweep's start requests carry SWEEP_KEY, and so does every request its
pages lead to. The dupefilter is empty, so the spider asks again for every
post it does not find archived or given up; of those, this spider
middleware drops the ones the run has dealt with otherwise:

- rejected in this run: they would only be rejected again;
- claimed: written in this run (``-a refresh=1`` asks for archived posts
  too), or, not archived, being written by the lost worker. That claim
  expires after NEWSCRAWL_CLAIM_TIMEOUT; the run owes a sweep then;
- any post, from the sweep after MAX_SWEEPS: the run keeps losing workers,
  maybe to a post that kills every worker that takes it. What is left is
  given up (rejects, ``abandoned``: a bad run; the next run tries them
  again), and no sweep follows (worker.py).

A sweep is another pass over the listings: at a sweep's first page, the
worker's spider forgets the post links it met (FinewsSpider.seen).
"""

from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from newscrawl.archive.store import ArchiveStore
from newscrawl.extensions.rejects import RejectLog
from newscrawl.scaleout.run import SharedRun
from newscrawl.site.urls import INFO_CODE_KEY

SWEEP_KEY = "newscrawl_sweep"
MAX_SWEEPS = 3


class SweepMiddleware(BaseSpiderMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.sweep = 0  # the last sweep this worker took part in
        # Made after the extensions: the run, and the shared store (Redis: its claims expire, ExpiringClaims).
        self.run = crawler.get_extension(SharedRun)
        self.store = crawler.get_extension(ArchiveStore)

    def process_spider_input(self, response):
        if (number := response.meta.get(SWEEP_KEY, 0)) > self.sweep:
            self.sweep = number
            getattr(self.crawler.spider, "seen", set()).clear()

    def get_processed_request(self, request, response):
        if response is None or not (number := response.meta.get(SWEEP_KEY)):
            return request
        request.meta[SWEEP_KEY] = number
        info_code = request.meta.get(INFO_CODE_KEY)
        if info_code is None:
            return request
        if self.run.was_rejected(info_code):
            return None
        if claim_ends := self.store.claim_ends(info_code):
            if not self.store.is_archived(info_code):  # (archived: rewritten by this refresh run)
                self.run.owe_sweep(claim_ends)
            return None
        if number > MAX_SWEEPS:
            self.crawler.get_extension(RejectLog).record(
                "abandoned", request.url, info_code, f"workers still lost after {MAX_SWEEPS} sweeps")
            return None
        return request
