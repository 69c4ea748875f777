"""The record of posts that were not written, and why.

Every reject is one WARNING line and one JSON line in
``<output>/rejects.jsonl`` (time, url, info_code, reason), and a
``post_rejected`` signal. A rejected post is never marked archived, so the
next run tries it again.
"""

import json
import logging
from datetime import datetime, timezone

from newscrawl.archive.paths import rejects_path
from newscrawl.work import post_rejected

logger = logging.getLogger(__name__)


class RejectLog:
    """An extension: ``crawler.get_extension(RejectLog).record(...)``."""

    def __init__(self, path, stats, signals):
        self.path = path
        self.stats = stats
        self.signals = signals

    @classmethod
    def from_crawler(cls, crawler):
        return cls(rejects_path(crawler.settings), crawler.stats, crawler.signals)

    def record(self, reason: str, url: str | None, info_code: str | None = None, detail: str = "") -> None:
        logger.warning("Rejected %s (%s)%s", url or info_code, reason, f": {detail}" if detail else "")
        self.stats.inc_value("newscrawl/rejected")
        self.stats.inc_value(f"newscrawl/rejected/{reason}")
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "url": url,
            "info_code": info_code,
            "reason": reason,
        }
        if detail:
            entry["detail"] = detail
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        if info_code:
            self.signals.send_catch_log(post_rejected, info_code=info_code)
