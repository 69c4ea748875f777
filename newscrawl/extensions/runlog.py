"""The run report: one JSON line per run in ``<output>/runs.jsonl``, and the same numbers in the log.

For cron users: ``tail -n1 output/runs.jsonl`` says what the last run did
and whether it was good: ``verdict`` (``ok`` or ``bad``), ``exit_status``
(what ``scrapy crawl`` exits with), the monitors' ``problems`` and the
``causes`` of the pages that failed (newscrawl.middlewares.causes).

The counts are taken when the spider closes, before the monitors run (their
ERROR lines are not counted); the line is written when the engine stops,
once the monitors (newscrawl.monitors) have given their verdict.
"""

import json
import logging
from datetime import datetime, timezone

from scrapy import signals

from newscrawl.archive.files import append_line
from newscrawl.archive.paths import runs_path
from newscrawl.failures import PROBLEMS_KEY, pages_failed, write_failed
from newscrawl.middlewares.causes import CAUSES_KEY

logger = logging.getLogger(__name__)

REJECTED_PREFIX = "newscrawl/rejected/"
#: Files a source import met that are not posts, by reason (spiders/source.py).
NOT_POST_PREFIX = "newscrawl/not_post/"


class RunReport:
    def __init__(self, crawler):
        self.crawler = crawler
        self.path = runs_path(crawler.settings)
        self.started: datetime | None = None
        self.entry: dict | None = None

    @classmethod
    def from_crawler(cls, crawler):
        report = cls(crawler)
        crawler.signals.connect(report.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(report.engine_stopped, signal=signals.engine_stopped)
        return report

    def spider_opened(self, spider):
        self.started = datetime.now(timezone.utc)

    def spider_closed(self, spider, reason):
        self.entry = self.counts(spider, reason, self.crawler.stats.get_stats())
        posts = self.entry["posts"]
        if not_posts := posts.get("not_posts"):
            logger.info("Not posts: %d file(s) skipped (%s)", sum(not_posts.values()),
                        ", ".join(f"{reason}: {count}" for reason, count in not_posts.items()))
        logger.info(
            "Run summary: %d written, %d already archived, %d rejected, %d requests (%d retries), "
            "%d of %d pages failed, %d errors, finish reason %s",
            posts["written"], posts["skipped"], posts["rejected"]["total"], self.entry["requests"],
            self.entry["retries"], self.entry["failed_requests"], self.entry["pages"], self.entry["errors"], reason,
        )

    def engine_stopped(self):
        if self.entry is None:  # the spider never opened
            return
        problems = self.crawler.stats.get_value(PROBLEMS_KEY)
        if problems is None:
            problems = ["the monitors did not run"]
        causes = self.crawler.stats.get_value(CAUSES_KEY) or []
        self.entry.update(verdict="bad" if problems else "ok", exit_status=1 if problems else 0, problems=problems,
                          causes=causes)
        where = f"listed above and in {self.path}"
        try:
            append_line(self.path, json.dumps(self.entry, ensure_ascii=False) + "\n")
        except OSError as exc:  # after the monitors: a problem of its own, for the exit status
            problems = [*problems, write_failed(self.crawler.stats, self.path, exc)]
            self.crawler.stats.set_value(PROBLEMS_KEY, problems)
            where = "listed above"
        if problems:
            for cause in causes:
                logger.error("Pages failed: %s", cause)
            logger.error("Verdict: bad run, exit status 1 (%d problem(s), %s)", len(problems), where)
        else:
            logger.info("Verdict: ok, exit status 0")

    def counts(self, spider, reason: str, stats: dict) -> dict:
        rejected_by_reason = {
            key[len(REJECTED_PREFIX):]: value for key, value in sorted(stats.items()) if key.startswith(REJECTED_PREFIX)
        }
        failed, pages = pages_failed(stats)
        return {
            "spider": spider.name,
            "arguments": getattr(spider, "run_args", {}),
            "start": self.started.isoformat(timespec="seconds") if self.started else None,
            "end": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "posts": {
                "written": stats.get("newscrawl/written", 0),
                "skipped": stats.get("newscrawl/skipped_archived", 0),
                "skipped_window": stats.get("newscrawl/skipped_window", 0),
                "skipped_given_up": stats.get("newscrawl/skipped_given_up", 0),
                "duplicates": stats.get("newscrawl/duplicate", 0),
                "rejected": {"total": sum(rejected_by_reason.values()), "by_reason": rejected_by_reason},
                "given_up": stats.get("newscrawl/rejects_given_up", 0),  # rejected this run for the last time
                **_source_counts(stats),
            },
            "requests": stats.get("downloader/request_count", 0),
            "retries": stats.get("retry/count", 0),
            "pages": pages,
            "failed_requests": failed,
            "errors": stats.get("log_count/ERROR", 0),
            "finish_reason": reason,
        }


def _source_counts(stats: dict) -> dict:
    """A source import's own counts (spiders/source.py): files that are not posts, by reason,
    and older versions of posts met in the history."""
    not_posts = {key[len(NOT_POST_PREFIX):]: value for key, value in sorted(stats.items())
                 if key.startswith(NOT_POST_PREFIX)}
    counts = {"not_posts": not_posts} if not_posts else {}
    if older := stats.get("newscrawl/skipped_older_version"):
        counts["older_versions"] = older
    return counts
