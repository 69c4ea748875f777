"""A shared run in Redis: leases on its work, and whether it is done.

A lease says which unit of work a worker has taken, and by when it must be
done. scrapy-redis pops a request off the shared queue for good. If the worker
that popped it is killed, the request is gone, and its URL stays in the
dupefilter, so nobody asks for it again. A lease keeps, for each unit of
work (newscrawl.work: a listing page, or a post with its share data), the
request that (re)starts it and a deadline:

- a listing page is leased when its request passes the dupefilter
  (requests that skip it, such as share data, retries and takeovers, go on
  with work that is leased already);
- what a listing page leads to (its posts; the category pages the home
  page names) is leased when the page is parsed (``hand_over``), in the
  same atomic step that ends the page's lease, before the requests are
  yielded: no moment exists when neither is leased;
- every time a request of a unit is popped, its lease is renewed: the
  deadline is NEWSCRAWL_CLAIM_TIMEOUT seconds after the pop;
- the lease ends when the post is written or rejected (worker.py).

An expired lease means the worker that took the work died or hung: an idle
worker takes it (``take_expired``, atomic, so only one worker does) and puts
the request back on the queue. A unit requeued MAX_REQUEUES times is given
up, so a post that kills every worker that takes it cannot keep the run
alive for ever.

Deadlines are each worker's clock: the machines' clocks must agree to
within a small part of the timeout (NTP).

Keys, beside scrapy-redis' ``<prefix>:requests`` and ``<prefix>:dupefilter``:
``<prefix>:leases`` (sorted set, work key -> deadline),
``<prefix>:leased`` (hash, work key -> request, pickled as scrapy-redis' queue does),
``<prefix>:requeued`` (hash, work key -> times requeued).
"""

import re
import time
from dataclasses import dataclass

from scrapy import Request
from scrapy.utils.request import request_from_dict
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter

from newscrawl.errors import ConfigError
from newscrawl.scaleout.connection import connect
from newscrawl.work import WORK_KEY

MAX_REQUEUES = 3
RUN_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")

# Take every expired lease and extend it, so that another idle worker does
# not take it too; count the requeue.
_TAKE_EXPIRED = """
local taken = {}
for _, work in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])) do
  redis.call('ZADD', KEYS[1], ARGV[2], work)
  taken[#taken + 1] = {work, redis.call('HGET', KEYS[2], work), redis.call('HINCRBY', KEYS[3], work, 1)}
end
return taken
"""

# Lease the units of the requests not yet requested in this run (those
# already requested are leased, or done), and end the page's lease.
# ARGV: deadline, the page's work, then (work, fingerprint, request) for each request.
_HAND_OVER = """
for i = 3, #ARGV, 3 do
  if redis.call('SISMEMBER', KEYS[4], ARGV[i + 1]) == 0 then
    redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[i])
    redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 2])
  end
end
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
"""

# The run is done when nothing is queued or leased; only then may its
# dupefilter go (a worker still working would lose it).
_END = """
if redis.call('EXISTS', KEYS[1], KEYS[2]) == 0 then return redis.call('DEL', KEYS[3]) end
return -1
"""


def run_prefix(settings, spider_name: str) -> str:
    """``newscrawl:<run>``: the run is NEWSCRAWL_REDIS_RUN, or else the spider's name."""
    run = settings.get("NEWSCRAWL_REDIS_RUN")
    if run and not RUN_NAME_RE.match(run):
        raise ConfigError(f"NEWSCRAWL_REDIS_RUN={run!r}: use letters, digits, '.', '_' and '-' only")
    return f"newscrawl:{run or spider_name}"


@dataclass(frozen=True)
class Expired:
    work: str
    request: Request
    requeues: int


class SharedRun:
    def __init__(self, server, prefix: str, spider, lease_seconds: float):
        self.server = server
        self.spider = spider
        self.lease_seconds = lease_seconds
        self.requests_key = f"{prefix}:requests"
        self.dupefilter_key = f"{prefix}:dupefilter"
        self.leases_key = f"{prefix}:leases"
        self.leased_key = f"{prefix}:leased"
        self.requeued_key = f"{prefix}:requeued"
        self._fingerprint = RFPDupeFilter(server, self.dupefilter_key).request_fingerprint
        self._hand_over = server.register_script(_HAND_OVER)
        self._take_expired = server.register_script(_TAKE_EXPIRED)
        self._end = server.register_script(_END)

    @classmethod
    def from_crawler(cls, crawler):
        prefix = run_prefix(crawler.settings, crawler.spider.name)
        return cls(connect(crawler.settings), prefix, crawler.spider, crawler.settings.getfloat("NEWSCRAWL_CLAIM_TIMEOUT"))

    # --- leases

    def lease(self, request: Request) -> None:
        """Lease the request's unit of work, unless it is leased already."""
        work = request.meta.get(WORK_KEY)
        if work is None:
            return
        with self.server.pipeline() as pipe:
            pipe.zadd(self.leases_key, {work: self._deadline()}, nx=True)
            pipe.hsetnx(self.leased_key, work, self._encode(request))
            pipe.execute()

    def renew(self, request: Request) -> None:
        """Move the deadline of the request's lease, if it has one, to a full timeout from now."""
        work = request.meta.get(WORK_KEY)
        if work is not None:
            self.server.zadd(self.leases_key, {work: self._deadline()}, xx=True)

    def hand_over(self, work: str, requests: list[Request]) -> None:
        """End ``work``'s lease, and lease the units of those requests that are new to the run."""
        args = [self._deadline(), work]
        for request in requests:
            args += [request.meta[WORK_KEY], self._fingerprint(request), self._encode(request)]
        keys = [self.leases_key, self.leased_key, self.requeued_key, self.dupefilter_key]
        self._hand_over(keys=keys, args=args)

    def finish(self, work: str) -> None:
        with self.server.pipeline() as pipe:
            self._delete(pipe, work)
            pipe.execute()

    def take_expired(self) -> list[Expired]:
        """The units whose lease expired, now leased to the caller for a full timeout."""
        now = time.time()
        taken = self._take_expired(
            keys=[self.leases_key, self.leased_key, self.requeued_key], args=[now, now + self.lease_seconds]
        )
        return [Expired(work.decode(), self._decode(data), requeues) for work, data, requeues in taken]

    # --- the run as a whole

    def is_quiet(self) -> bool:
        """Nothing queued and nothing leased: no worker has anything to do."""
        return self.server.exists(self.requests_key, self.leases_key) == 0

    def end(self) -> bool:
        """If the run is done, remove its dupefilter (so the next run starts afresh); whether it was done."""
        return self._end(keys=[self.requests_key, self.leases_key, self.dupefilter_key]) >= 0

    # ---

    def _deadline(self) -> float:
        return time.time() + self.lease_seconds

    def _delete(self, pipe, work: str) -> None:
        pipe.zrem(self.leases_key, work)
        pipe.hdel(self.leased_key, work)
        pipe.hdel(self.requeued_key, work)

    def _encode(self, request: Request) -> bytes:
        return picklecompat.dumps(request.to_dict(spider=self.spider))

    def _decode(self, data: bytes) -> Request:
        return request_from_dict(picklecompat.loads(data), spider=self.spider)
