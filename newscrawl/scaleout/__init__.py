"""Scale-out: several workers, on several machines, share one crawl through Redis.

Turned on by NEWSCRAWL_REDIS_URL (see addon.py). Each worker is an ordinary
``scrapy crawl`` process; what they share lives in Redis:

- the request queue and the duplicate filter of scrapy-redis, per run
  (``newscrawl:<run>:requests``, ``newscrawl:<run>:dupefilter``; the run is
  NEWSCRAWL_REDIS_RUN, by default the spider's name), so every worker
  yields the same category requests and the dupefilter lets one through;
- the archive state (store.py): which posts are written, and a claim per
  post being written, so two workers never write the same post (writer.py
  keeps them from removing each other's temporary files);
- leases (run.py): which unit of work (a listing page, a post) a worker
  has taken and by when it must be done. scrapy-redis pops requests for
  good, so a killed worker would take its requests with it; a lease keeps
  the request that restarts the work, and once it expires an idle worker
  puts it back on the queue (worker.py).

A worker ends once the run has been quiet (nothing queued, nothing leased)
for NEWSCRAWL_REDIS_IDLE_TIMEOUT seconds, and the last ones remove the
run's dupefilter, so the next run starts afresh.
"""
