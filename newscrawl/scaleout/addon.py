"""The addon that turns a crawl into one worker of a shared run."""

from newscrawl.pipelines.markdown import MarkdownWriterPipeline
from newscrawl.setting_registry import setting


class RedisScaleOut:
    """Does nothing unless NEWSCRAWL_REDIS_URL is set; then puts in place:

    - scrapy-redis' scheduler (our thin SharedScheduler), queue and
      dupefilter, with their keys under the run's prefix instead of the
      spider's name;
    - (the archive state is in that Redis too: newscrawl.archive.paths.state_uri);
    - the SharedRun extension (this worker's view of the run, which the
      others ask for), the RunWorker extension (staying while the run has
      work, sweeping, ending) and the SweepMiddleware (what a sweep queues
      again);
    - a writer that leaves other workers' temporary files alone.
    """

    def update_settings(self, settings):
        url = setting(settings, "NEWSCRAWL_REDIS_URL")
        if not url:
            return
        # Here, not at the top: a run on its own never imports scrapy-redis and redis (0.1 s).
        from newscrawl.scaleout.run import SharedRun, run_prefix
        from newscrawl.scaleout.sweep import SweepMiddleware
        from newscrawl.scaleout.worker import RunWorker
        from newscrawl.scaleout.writer import SharedDirWriterPipeline

        prefix = run_prefix(settings, "%(spider)s")  # scrapy-redis fills in the spider's name
        settings.set("REDIS_URL", url, "addon")
        settings.set("SCHEDULER", "newscrawl.scaleout.redis_scheduler.SharedScheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "addon")
        settings.set("SCHEDULER_QUEUE_KEY", f"{prefix}:requests", "addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", f"{prefix}:dupefilter", "addon")
        settings.set_in_component_priority_dict("EXTENSIONS", SharedRun, 0)
        settings.set_in_component_priority_dict("EXTENSIONS", RunWorker, 0)
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", SweepMiddleware, 0)
        settings.replace_in_component_priority_dict("ITEM_PIPELINES", MarkdownWriterPipeline, SharedDirWriterPipeline)
