"""A shared run in Redis: which workers have work in hand, and what the run owes.

scrapy-redis pops a request off the shared queue for good: a worker killed
with requests in hand takes them with it, and their URLs stay in the
dupefilter. The run keeps track of workers, not of requests:

- A worker is *busy* from just before it takes a request off the queue
  until it has nothing in hand again (``<prefix>:busy``, worker ->
  deadline). While busy it renews its deadline every BEAT_SECONDS; one
  that has not for DEAD_AFTER seconds was killed, or lost Redis, with work
  in hand.
- The run is *quiet* when nothing is queued and no live worker is busy. A
  quiet run that lost a busy worker owes a *sweep* (``<prefix>:sweep``:
  from when): one worker lists the pages again, with the dupefilter
  emptied, and what the lost worker had in hand is queued again (sweep.py).
- A quiet run that owes nothing is done: its keys go, so the next run's
  pages are not filtered out as duplicates.

Deadlines are each worker's clock: the machines' clocks must agree to
within a few seconds (NTP).
"""

import logging
import os
import re
import socket
import time
from contextlib import contextmanager

import redis
from scrapy.utils.defer import deferred_from_coro

from newscrawl.errors import ConfigError
from newscrawl.scaleout.connection import connect
from newscrawl.setting_registry import setting

logger = logging.getLogger(__name__)

BEAT_SECONDS = 5
DEAD_AFTER = 30
RUN_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")

# One step of a worker with nothing in hand (ARGV[4]): 'look' (what the run
# needs: 'busy', 'wait', 'sweep' or 'done'), 'sweep' (take the sweep owed:
# its number, the worker marked busy) or 'end' (if done, remove the run's keys).
# KEYS: requests, busy, sweep, dupefilter, sweeps, rejected. ARGV: now, worker, deadline, action.
_STEP = """
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[1], '+inf') > 0 then
  return 'busy'
end
if redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1]) > 0 then
  redis.call('ZADD', KEYS[3], 'GT', ARGV[1], 'due')
end
local due = redis.call('ZSCORE', KEYS[3], 'due')
if due then
  if tonumber(due) > tonumber(ARGV[1]) then return 'wait' end
  if ARGV[4] ~= 'sweep' then return 'sweep' end
  redis.call('DEL', KEYS[3], KEYS[4])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  return redis.call('INCR', KEYS[5])
end
if ARGV[4] == 'end' then redis.call('DEL', KEYS[4], KEYS[5], KEYS[6]) end
return 'done'
"""


def worker_name() -> str:
    """How a worker names itself in Redis: its host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_prefix(settings, spider_name: str) -> str:
    """``newscrawl:<run>``: the run is NEWSCRAWL_REDIS_RUN, or else the spider's name."""
    run = setting(settings, "NEWSCRAWL_REDIS_RUN")
    if run and not RUN_NAME_RE.match(run):
        raise ConfigError(f"NEWSCRAWL_REDIS_RUN={run!r}: use letters, digits, '.', '_' and '-' only")
    return f"newscrawl:{run or spider_name}"


class SharedRun:
    """This worker's view of the run: an extension (put in place by the addon) that the
    scheduler, the RunWorker extension and the SweepMiddleware ask for:
    ``crawler.get_extension(SharedRun)``."""

    def __init__(self, server, prefix: str, worker: str, crawler=None):
        self.server = server
        self.worker = worker
        self.crawler = crawler
        names = ("requests", "busy", "sweep", "dupefilter", "sweeps", "rejected")  # _STEP's KEYS
        self.keys = {name: f"{prefix}:{name}" for name in names}
        self.busy = False
        self.lost_redis = False
        self._step = server.register_script(_STEP)

    @classmethod
    def from_crawler(cls, crawler):
        """Made with the extensions: after the spider (its name is the run's by default), before the scheduler."""
        prefix = run_prefix(crawler.settings, crawler.spider.name)
        server = connect(setting(crawler.settings, "NEWSCRAWL_REDIS_URL"), "NEWSCRAWL_REDIS_URL")
        return cls(server, prefix, worker_name(), crawler)

    # --- this worker

    def working(self) -> None:
        """Before the worker takes a request: no moment exists when it holds one unmarked."""
        if not self.busy:
            self._mark_busy()

    def beat(self) -> None:
        """While busy, push the deadline on (and come back, if taken for dead)."""
        if self.busy:
            self._mark_busy()

    def resting(self) -> None:
        """The worker has nothing in hand."""
        if self.busy:
            self.server.zrem(self.keys["busy"], self.worker)
            self.busy = False

    def _mark_busy(self) -> None:
        self.server.zadd(self.keys["busy"], {self.worker: time.time() + DEAD_AFTER})
        self.busy = True

    # --- the run

    def step(self, action: str) -> str | int:
        """``look``, ``sweep`` or ``end``: see _STEP."""
        result = self._step(keys=list(self.keys.values()), args=[time.time(), self.worker, time.time() + DEAD_AFTER, action])
        if isinstance(result, int):
            self.busy = True
            return result
        return result.decode()

    def owe_sweep(self, at: float) -> None:
        """The run is not done before a sweep at ``at`` or later."""
        self.server.zadd(self.keys["sweep"], {"due": at}, gt=True)

    def mark_rejected(self, info_code: str) -> None:
        self.server.sadd(self.keys["rejected"], info_code)

    def was_rejected(self, info_code: str) -> bool:
        return bool(self.server.sismember(self.keys["rejected"], info_code))

    @contextmanager
    def stop_if_lost(self):
        """Losing Redis stops the worker (finish reason ``redis_unavailable``): without
        it, it can do nothing. (scrapy-redis lets the error escape into the
        engine, which retries every 5 seconds for ever.)"""
        try:
            yield
        except redis.RedisError as exc:
            if not self.lost_redis:
                self.lost_redis = True
                logger.error("Lost Redis (%s): this worker stops; the others sweep up its work", exc)
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis_unavailable"))

