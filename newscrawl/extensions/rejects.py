"""Posts that were not written, and why: kept as state, one record per post.

A reject is one WARNING line, a ``post_rejected`` signal, and a record in the
archive state (newscrawl.archive.store), keyed by infoCode (by URL for a
page without one): reason, detail, first and last seen, attempts. A rejected
post is not archived, so the next run tries it again, until it has been
tried NEWSCRAWL_REJECT_MAX_ATTEMPTS times (if set) or for
NEWSCRAWL_REJECT_MAX_DAYS days: then it is given up, and no run requests it again (``-a refresh=1``
does, once). A failure is never given up. Writing the post ends its record.

Each run rewrites ``<output>/rejects.jsonl`` from the state: the current
rejects, one JSON line each, oldest first. It is the one view of what is
missing and why.

A reason is of one of three kinds. A *failure* (the page or its share data
could not be fetched or read: an outage, a redirect loop, a page too large)
makes every run it happens in bad (newscrawl.monitors), and is never given up.
An *invalid* post (spidermon's item validation) makes the run that first
meets it bad. An *absent* article exists nowhere (no body on the site nor
in the share data; 资讯不存在): it is reported here, but no run is bad for it.
"""

import json
import logging
import time
from datetime import datetime, timezone

from scrapy import signals

from newscrawl.archive.files import replace_file
from newscrawl.archive.paths import rejects_path
from newscrawl.archive.store import ArchiveStore, RejectRecords
from newscrawl.failures import write_failed
from newscrawl.setting_registry import setting
from newscrawl.stats import REJECTED, REJECTED_NEW_PREFIX, REJECTED_PREFIX, REJECTS_GIVEN_UP

logger = logging.getLogger(__name__)

#: Sent with ``info_code`` when a post will not be written in this run.
post_rejected = object()

FAILURE, INVALID, ABSENT = "failure", "invalid", "absent"
ABSENT_REASONS = frozenset({"no_body", "no_share_data"})


def reject_kind(reason: str) -> str:
    if reason in ABSENT_REASONS:
        return ABSENT
    if reason.startswith(("missing_", "bad_")):  # newscrawl.pipelines.validate
        return INVALID
    return FAILURE


class RejectLog:
    """An extension: ``crawler.get_extension(RejectLog).record(...)``."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = rejects_path(crawler.settings)
        self.max_attempts = setting(crawler.settings, "NEWSCRAWL_REJECT_MAX_ATTEMPTS")
        self.max_age = setting(crawler.settings, "NEWSCRAWL_REJECT_MAX_DAYS") * 86400
        self.store: RejectRecords | None = None
        self._given_up: set[str] = set()
        self._earlier: set[str] = set()  # the keys of the rejects of earlier runs
        self._this_run: dict[str, dict] = {}

    @classmethod
    def from_crawler(cls, crawler):
        log = cls(crawler)
        crawler.signals.connect(log.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(log.spider_closed, signal=signals.spider_closed)
        return log

    def spider_opened(self, spider):
        self.store = self.crawler.get_extension(ArchiveStore)
        records = self.store.rejects()
        self._earlier = {record["key"] for record in records}
        # A failure is never given up (a record given up under older rules is tried again).
        self._given_up = {record["key"] for record in records
                          if record["given_up"] and reject_kind(record["reason"]) != FAILURE}

    def known(self, key: str) -> bool:
        """Whether an earlier run (or this one) rejected the post too: the state read once, not a query a post."""
        return key in self._earlier or key in self._this_run

    def given_up(self, info_code: str) -> bool:
        """Whether the post has been tried often or long enough: not to be requested again."""
        return info_code in self._given_up

    def record(self, reason: str, url: str | None, info_code: str | None = None, detail: str = "") -> None:
        if info_code:
            self.crawler.signals.send_catch_log(post_rejected, info_code=info_code)
        key = info_code or url
        if key in self._this_run:  # the run's first cause is the one kept
            logger.debug("Rejected %s again (%s)", key, reason)
            return
        now = time.time()
        previous = self.store.reject(key)
        first_seen = previous["first_seen"] if previous else now
        attempts = previous["attempts"] + 1 if previous else 1
        kind = reject_kind(reason)
        # A failure says nothing of the post, only that it could not be had this time (the
        # site or share host down, a redirect loop, a page too large): it is retried as long
        # as the post is listed or asked for, and every run it fails in is bad. Giving it up
        # would turn an outage into a loss. Only absent and invalid posts are given up.
        given_up = kind != FAILURE and (0 < self.max_attempts <= attempts or now - first_seen >= self.max_age)
        record = {"key": key, "info_code": info_code, "url": url, "reason": reason, "kind": kind,
                  "detail": detail, "first_seen": first_seen, "last_seen": now, "attempts": attempts,
                  "given_up": given_up}
        try:
            self.store.put_reject(key, record)
        except OSError as exc:  # the run still knows it, and is bad for it
            write_failed(self.stats, exc.filename, exc)
        self._this_run[key] = record
        self.stats.inc_value(REJECTED)
        self.stats.inc_value(REJECTED_PREFIX + reason)
        if previous is None:
            self.stats.inc_value(REJECTED_NEW_PREFIX + reason)
        if given_up:
            self.stats.inc_value(REJECTS_GIVEN_UP)
        logger.warning("Rejected %s (%s)%s%s", url or info_code, reason, f": {detail}" if detail else "",
                       f"; given up after {attempts} attempt(s), not retried" if given_up else "")

    def rejected_this_run(self, kind: str) -> list[dict]:
        return [record for record in self._this_run.values() if record["kind"] == kind]

    def spider_closed(self, spider):
        """Rewrite rejects.jsonl: every current reject, oldest first."""
        records = sorted(self.store.rejects(), key=lambda record: (record["first_seen"], record["key"]))
        try:
            replace_file(self.path, "".join(json.dumps(_readable(r), ensure_ascii=False) + "\n" for r in records))
        except OSError as exc:  # the last run's file stays, whole
            write_failed(self.stats, self.path, exc)


def _readable(record: dict) -> dict:
    """A record for rejects.jsonl: times in ISO 8601."""
    def iso(moment: float) -> str:
        return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")

    return {**record, "first_seen": iso(record["first_seen"]), "last_seen": iso(record["last_seen"])}


class UnkeptRejects(RejectLog):
    """The rejects of a look at pages (newscrawl.commands.look): logged and counted, but
    rejects.jsonl, the archive's, is left as the last run wrote it."""

    def spider_closed(self, spider):
        pass
