"""The run's monitors (spidermon): whether a finished run went wrong, and who is told.

spidermon runs RunMonitors when the spider closes (SPIDERMON_SPIDER_CLOSE_MONITORS).
Each failed monitor is one problem; the problems are logged (one ERROR line
each, so they are in ``--logfile``), kept in the stats under PROBLEMS for
the run report (runs.jsonl) and the crawl command (exit status 1), and, if
any, spidermon's notification actions named in NEWSCRAWL_ALERT_ACTIONS run
(email, Slack, Telegram, Sentry, ...; each configured by its SPIDERMON_* settings).
"""

import logging
import warnings

from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.utils.misc import load_object
from spidermon import MonitorSuite, monitors
from spidermon.contrib.scrapy.monitors.base import BaseScrapyMonitor
from spidermon.exceptions import NotConfigured as ActionNotConfigured

from newscrawl.errors import ConfigError
from newscrawl.extensions.listings import ListingCounts
from newscrawl.extensions.rejects import FAILURE, RejectLog
from newscrawl.failures import pages_failed
from newscrawl.stats import FIRST_WRITE_ERROR, POST_REQUESTS, PROBLEMS, REJECTED_NEW_PREFIX, WRITE_ERRORS
from newscrawl.setting_registry import setting

logger = logging.getLogger(__name__)

# spidermon 1.27 logs through Spider.log(), which Scrapy 2.19 deprecates: a
# warning line in every run's log that no user can act on.
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated", category=ScrapyDeprecationWarning)

#: Reject reasons that mean a post page was fetched but could not be read as a post.
UNPARSED_REASONS = ("unreadable_post_page", "incomplete_post_page", "no_body")


class FractionMonitor(BaseScrapyMonitor):
    """A monitor of what fraction of some whole went wrong, against a limit setting."""

    def assert_fraction_at_most(self, part: int, whole: int, name: str, what: str, hint: str = "") -> None:
        limit = setting(self.crawler.settings, name)
        fraction = part / whole if whole else 0.0
        self.assertLessEqual(fraction, limit, msg=f"{part} of {whole} {what} ({fraction:.0%}, more than {name}={limit:g}){hint}")


@monitors.name("Finish")
class FinishReasonMonitor(BaseScrapyMonitor):
    @monitors.name("the run finished (SPIDERMON_EXPECTED_FINISH_REASONS)")
    def test_finished(self):
        reason = self.stats.get("finish_reason")
        expected = self.crawler.settings.getlist("SPIDERMON_EXPECTED_FINISH_REASONS") or ["finished"]
        self.assertIn(reason, expected, msg=f"the run ended early ({reason})")


@monitors.name("Errors")
class ErrorCountMonitor(BaseScrapyMonitor):
    @monitors.name("at most SPIDERMON_MAX_ERRORS lines logged at ERROR")
    def test_error_count(self):
        errors, limit = self.stats.get("log_count/ERROR", 0), self.crawler.settings.getint("SPIDERMON_MAX_ERRORS")
        more = f" (more than SPIDERMON_MAX_ERRORS={limit})" if limit else ""
        self.assertLessEqual(errors, limit, msg=f"{errors} error(s) logged{more}: the log says what failed")


@monitors.name("Invalid posts")
class ItemValidationMonitor(BaseScrapyMonitor):
    @monitors.name("at most SPIDERMON_MAX_ITEM_VALIDATION_ERRORS fields of posts are invalid")
    def test_valid_posts(self):
        invalid = self.stats.get("spidermon/validation/fields/errors", 0)
        limit = self.crawler.settings.getint("SPIDERMON_MAX_ITEM_VALIDATION_ERRORS")
        self.assertLessEqual(invalid, limit, msg=f"{invalid} field(s) of new posts failed validation "
                                                 "(newscrawl.items.POST_SCHEMA): rejects.jsonl says which posts")


@monitors.name("Files")
class WriteErrorsMonitor(BaseScrapyMonitor):
    @monitors.name("every file the run writes is written")
    def test_no_write_errors(self):
        failed = self.stats.get(WRITE_ERRORS, 0)
        more = f" (and {failed - 1} more failed writes)" if failed > 1 else ""
        self.assertFalse(failed, msg=f"{self.stats.get(FIRST_WRITE_ERROR)}{more}")


@monitors.name("Failed pages")
class FailedPagesMonitor(FractionMonitor):
    @monitors.name("at most NEWSCRAWL_MAX_FAILED_FRACTION of the pages fail")
    def test_failed_fraction(self):
        failed, ended = pages_failed(self.stats)
        self.assert_fraction_at_most(failed, ended, "NEWSCRAWL_MAX_FAILED_FRACTION", "pages failed")


@monitors.name("Listing pages")
class ListingMonitor(BaseScrapyMonitor):
    @monitors.name("every listing page lists posts, not far fewer than last run")
    def test_listings(self):
        problems = self.crawler.get_extension(ListingCounts).problems()
        self.assertFalse(problems, msg="; ".join(problems))


@monitors.name("Post pages")
class UnparsedPostsMonitor(FractionMonitor):
    @monitors.name("at most NEWSCRAWL_MAX_UNPARSED_FRACTION of the post pages fail to parse")
    def test_unparsed_fraction(self):
        fetched = self.stats.get(POST_REQUESTS, 0)
        unparsed = sum(self.stats.get(REJECTED_NEW_PREFIX + reason, 0) for reason in UNPARSED_REASONS)
        self.assert_fraction_at_most(unparsed, fetched, "NEWSCRAWL_MAX_UNPARSED_FRACTION", "post pages gave no post",
                                  hint=": has the site changed?")


@monitors.name("Rejects")
class FailureRejectsMonitor(BaseScrapyMonitor):
    @monitors.name("no post is rejected for a failure")
    def test_no_failure_rejects(self):
        failed = self.crawler.get_extension(RejectLog).rejected_this_run(FAILURE)
        shown = ", ".join(f"{r['key']} ({r['reason']})" for r in failed[:5]) + (", ..." if len(failed) > 5 else "")
        self.assertFalse(failed, msg=f"{len(failed)} post(s) rejected for a failure: {shown}")


class RunMonitors(MonitorSuite):
    monitors = [WriteErrorsMonitor, FinishReasonMonitor, ErrorCountMonitor, FailedPagesMonitor, ListingMonitor, UnparsedPostsMonitor,
                FailureRejectsMonitor, ItemValidationMonitor]

    def __init__(self, *args, crawler=None, **kwargs):
        actions = [load_object(path) for path in setting(crawler.settings, "NEWSCRAWL_ALERT_ACTIONS")]
        try:
            super().__init__(*args, monitors_failed_actions=actions, crawler=crawler, **kwargs)
        except ActionNotConfigured as exc:
            raise ConfigError(f"NEWSCRAWL_ALERT_ACTIONS: {exc}") from None
        self.crawler = crawler
        logging.getLogger(crawler.spidercls.name).addFilter(SpidermonLogAtDebug())

    def on_monitors_finished(self, result):
        problems = [f"{r.item.monitor_name}: {_assertion_message(r.error)}" for r in result.monitors_failed_results]
        self.crawler.stats.set_value(PROBLEMS, problems)
        for problem in problems:
            logger.error("Bad run: %s", problem)


def _assertion_message(error: str) -> str:
    """The message of a failed assertion, from the traceback spidermon keeps."""
    last = error.strip().splitlines()[-1]
    return last.partition(": ")[2] or last


class SpidermonLogAtDebug(logging.Filter):
    """spidermon logs each run's monitors and actions as a 20-line block, and a
    failed monitor or action with its traceback.

    The block is logged at DEBUG (the verdict's own lines say what matters); a
    failed monitor is dropped (the suite logs one ``Bad run:`` line for it); a
    failed action (an alert that could not be sent) becomes one ERROR line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith("[Spidermon]"):
            return True
        if record.levelno < logging.ERROR:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return True
        if "AssertionError" in message:
            return False
        lines = [line.strip() for line in message[len("[Spidermon]"):].splitlines()]
        lines = [line for line in lines if line and not set(line) <= {"-", "="}]
        record.msg, record.args = f"[Spidermon] {lines[0]}: {lines[-1]}" if lines else message, ()
        return True
