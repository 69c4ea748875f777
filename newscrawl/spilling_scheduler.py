"""Pending requests on disk, not in memory: ``SpillingScheduler`` and the addon that installs it.

A category page lists thousands of posts, and the crawl asks for them all
at once: Scrapy's scheduler would hold every pending post request in memory
(about 2 KB a post, with its mirror request: 129.9 MB against 118.7 MB at
6,001 posts), so a backfill's peak memory grows with the site. Scrapy
keeps pending requests on disk only in a resumable job (``JOBDIR``), which
also keeps the duplicate filter and the spider's state for the next run.
This scheduler keeps them on disk in a temporary directory for the run
alone (``SCHEDULER_DISK_QUEUE``, pickled), removed when the spider closes;
the directory of a run that was killed is removed by the next run (its
name holds the run's process id).

``SpillingSchedulerAddon`` (in ADDONS) makes it the scheduler unless
something else brings its own: a ``JOBDIR`` (Scrapy's disk queue), the
scale-out (scrapy-redis' scheduler), or a ``SCHEDULER`` given outright.
"""

import os
import shutil
import tempfile
from pathlib import Path

from scrapy.core.scheduler import Scheduler

#: The spill directories' names: PREFIX<pid>-<random>, so the next run can tell a dead run's.
PREFIX = "newscrawl-requests-"


class SpillingScheduler(Scheduler):
    """Scrapy's scheduler with its disk queue in a temporary directory when there is no JOBDIR."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.spill_dir = None
        if scheduler.dqdir is None:
            remove_leftovers()
            scheduler.spill_dir = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
            scheduler.dqdir = scheduler._dqdir(scheduler.spill_dir)
        return scheduler

    def close(self, reason: str):
        result = super().close(reason)
        if self.spill_dir:
            shutil.rmtree(self.spill_dir, ignore_errors=True)
        return result


def remove_leftovers(directory: str | None = None) -> None:
    """Remove the spill directories of runs no longer running (killed before they could)."""
    for leftover in Path(directory or tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = leftover.name.removeprefix(PREFIX).split("-", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(leftover, ignore_errors=True)


class SpillingSchedulerAddon:
    def update_settings(self, settings):
        # Scrapy's own scheduler, unless set otherwise (the scale-out addon sets its
        # own, at the same priority: whichever of the two runs first, it wins).
        if settings.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler" and not settings.get("JOBDIR"):
            settings.set("SCHEDULER", f"{__name__}.SpillingScheduler", "addon")
