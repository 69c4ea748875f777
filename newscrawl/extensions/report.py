"""The run report: one JSON line per run in ``<output>/runs.jsonl``, one summary log line.

For cron users: ``tail -n1 output/runs.jsonl`` says what the last run did.
"""

import json
import logging
from datetime import datetime, timezone

from scrapy import signals

from newscrawl.archive.paths import runs_path

logger = logging.getLogger(__name__)

REJECTED_PREFIX = "newscrawl/rejected/"


class RunReport:
    def __init__(self, crawler):
        self.crawler = crawler
        self.path = runs_path(crawler.settings)
        self.started: datetime | None = None

    @classmethod
    def from_crawler(cls, crawler):
        report = cls(crawler)
        crawler.signals.connect(report.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(report.spider_closed, signal=signals.spider_closed)
        return report

    def spider_opened(self, spider):
        self.started = datetime.now(timezone.utc)

    def spider_closed(self, spider, reason):
        entry = self.entry(spider, reason, self.crawler.stats.get_stats())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        posts = entry["posts"]
        logger.info(
            "Run summary: %d written, %d already archived, %d rejected, %d requests, %d errors, finish reason %s",
            posts["written"], posts["skipped"], posts["rejected"]["total"], entry["requests"], entry["errors"], reason,
        )

    def entry(self, spider, reason: str, stats: dict) -> dict:
        rejected_by_reason = {
            key[len(REJECTED_PREFIX):]: value for key, value in sorted(stats.items()) if key.startswith(REJECTED_PREFIX)
        }
        return {
            "spider": spider.name,
            "arguments": getattr(spider, "run_args", {}),
            "start": self.started.isoformat(timespec="seconds") if self.started else None,
            "end": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "posts": {
                "written": stats.get("newscrawl/written", 0),
                "skipped": stats.get("newscrawl/skipped_archived", 0),
                "skipped_window": stats.get("newscrawl/skipped_window", 0),
                "duplicates": stats.get("newscrawl/duplicate", 0),
                "rejected": {"total": sum(rejected_by_reason.values()), "by_reason": rejected_by_reason},
            },
            "requests": stats.get("downloader/request_count", 0),
            "retries": stats.get("retry/count", 0),
            "failed_requests": stats.get("newscrawl/request_failed", 0),
            "errors": stats.get("log_count/ERROR", 0),
            "finish_reason": reason,
        }
