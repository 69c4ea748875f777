"""``scrapy crawl NAME``, with an exit status cron and systemd can trust.

Scrapy's own ``crawl`` exits 0 even when every request failed. This one:

- reads and checks the settings first (newscrawl.config): a bad setting, or
  a bad spider argument, is one line and exit 2, before any request;
- says where the archive is, in the first line it logs;
- refuses, with one line and exit 2, a SQLite state that is corrupt, or
  missing or empty beside post files (newscrawl.archive.health): the run
  would fetch and rewrite every post;
- refuses to start while another run holds the same archive state
  (exit 75, EX_TEMPFAIL: "try again later"), so a cron entry that fires
  every minute is safe; a run on a shared state (Redis: a worker of a
  shared run) takes no lock: running beside the others is its job, and
  its claims keep it from writing what they write;
- exits 1 when the run's monitors (newscrawl.monitors) found a problem, else 0.
"""

import asyncio
import atexit
import logging
import os
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl import config
from newscrawl.archive.health import untrusted_state
from newscrawl.archive.paths import output_dir, posts_dir, state_path, state_uri, without_password
from newscrawl.archive.store import store_class
from newscrawl.errors import ConfigError
from newscrawl.failures import PROBLEMS_KEY
from newscrawl.middlewares.causes import CAUSES_KEY
from newscrawl.runlock import ArchiveLocked, archive_lock

logger = logging.getLogger(__name__)

EXIT_BAD_RUN = 1
EXIT_CONFIG_ERROR = 2
EXIT_LOCKED = 75


class Command(ScrapyCrawlCommand):
    def run(self, args, opts):
        self._run(args, opts)
        _exit_without_teardown(self.exitcode)

    def _run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        try:
            config.load(self.settings)
        except ConfigError as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_CONFIG_ERROR
            return
        state = state_uri(self.settings)
        logger.info("Archive: %s (state: %s)", output_dir(self.settings), without_password(state))
        if store_class(state).shared:
            self.exitcode = self._crawl(args[0], opts)
            return
        try:
            with archive_lock(self.settings):
                self.exitcode = self._refuse_state() or self._crawl(args[0], opts)
        except ArchiveLocked as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
        except ConfigError as exc:  # the lock file could not be opened
            print(f"newscrawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_CONFIG_ERROR

    def _refuse_state(self) -> int:
        """2, with one line, for a SQLite state a run must not start on (newscrawl.archive.health);
        1 if it cannot be read at all; else 0."""
        try:
            problem = untrusted_state(state_path(self.settings), posts_dir(self.settings))
        except OSError as exc:
            print(f"newscrawl: bad run: could not read the archive state {exc.filename}: {exc.strerror}", file=sys.stderr)
            return EXIT_BAD_RUN
        if problem:
            print(f"newscrawl: {problem}", file=sys.stderr)
            return EXIT_CONFIG_ERROR
        return 0

    def _crawl(self, spider_name: str, opts) -> int:
        crawler = self._create_crawler(spider_name)
        check_arguments = getattr(crawler.spidercls, "check_crawl_arguments", None)
        try:
            if check_arguments:
                check_arguments(**opts.spargs)
        except ConfigError as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            return EXIT_CONFIG_ERROR
        startup_errors: list[BaseException] = []
        started = self.crawler_process.crawl(crawler, **opts.spargs)
        _on_failure(started, startup_errors.append)
        self.crawler_process.start()
        config_errors = [e for e in startup_errors if isinstance(e, ConfigError)]
        if config_errors:
            print(f"newscrawl: {config_errors[0]}", file=sys.stderr)
            return EXIT_CONFIG_ERROR
        if startup_errors or self.crawler_process.bootstrap_failed:
            for error in startup_errors:
                print(f"newscrawl: the crawl did not start: {error!r}", file=sys.stderr)
            return EXIT_BAD_RUN
        problems = crawler.stats.get_value(PROBLEMS_KEY)
        if problems is None:
            problems = ["the monitors did not run"]
        log_file = self.settings.get("LOG_FILE")
        if log_file and problems:  # else the log, on stderr, has said it already
            causes = crawler.stats.get_value(CAUSES_KEY) or []
            for line in verdict_lines(causes + problems, log_file):
                print(f"newscrawl: bad run: {line}", file=sys.stderr)
        return EXIT_BAD_RUN if problems else 0


#: The most lines a bad run prints to stderr beside its log file (what cron mails).
VERDICT_LINES = 5


def verdict_lines(reasons: list[str], log_file: str) -> list[str]:
    """At most VERDICT_LINES of a bad run's reasons (the failed pages' causes first), the last
    saying how many more the log file has."""
    if len(reasons) <= VERDICT_LINES:
        return reasons
    shown = reasons[:VERDICT_LINES - 1]
    return [*shown, f"and {len(reasons) - len(shown)} more, in {log_file}"]


def _exit_without_teardown(status: int) -> None:
    """Exit as sys.exit(status) would, less the interpreter's teardown.

    Freeing every object of every module, one by one, takes 0.25 s and more
    after a crawl: a quarter of a run that finds nothing new. Nothing needs
    it: the crawl is over, posts are synced and the state store is closed. The
    atexit handlers still run (log handlers flushed and closed, locks released).
    """
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _on_failure(started, report) -> None:
    """Call report(exception) if the crawl fails to start.

    Scrapy returns an asyncio Task (AsyncCrawlerProcess) or a Deferred.
    Retrieving the exception here also keeps asyncio from printing it.
    """
    if isinstance(started, asyncio.Future):
        started.add_done_callback(lambda task: task.cancelled() or (task.exception() and report(task.exception())))
    else:
        started.addErrback(lambda failure: report(failure.value))
