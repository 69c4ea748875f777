"""Scale-out: several workers, on several machines, share one crawl through Redis.

Turned on by NEWSCRAWL_REDIS_URL (see addon.py). Each worker is an ordinary
``scrapy crawl`` process; what they share lives in Redis:

- the request queue and the duplicate filter of scrapy-redis, as they are,
  per run (``newscrawl:<run>:requests``, ``newscrawl:<run>:dupefilter``;
  the run is NEWSCRAWL_REDIS_RUN, by default the spider's name), so every
  worker yields the same category requests and the dupefilter lets one
  through (redis_scheduler.py: the small adaptations);
- the archive state (store.py): which posts are written, and a claim per
  post being written, so two workers never write the same post (writer.py
  keeps them from removing each other's temporary files);
- which workers have work in hand (run.py). scrapy-redis pops requests for
  good, so a killed worker takes its requests with it. Once the run is
  quiet, a run that lost a busy worker is *swept*: one worker lists the
  pages again, with the dupefilter emptied, and what is neither archived
  nor rejected is queued again (worker.py, sweep.py). The spiders know
  nothing of it.

A worker ends once the run has been done (quiet, owing no sweep) for
NEWSCRAWL_REDIS_IDLE_TIMEOUT seconds; the run's keys go, so the next run
starts afresh.
"""
