"""``scrapy crawl NAME``, with an exit status cron and systemd can trust.

Scrapy's own ``crawl`` exits 0 even when every request failed. This one
(exit statuses: newscrawl.exitcodes):

- checks the command line, the spider, its arguments and the settings
  first (newscrawl.config): a mistake is one line and exit 2, before any
  request;
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

``-h`` lists the spiders, their arguments and the exit statuses (newscrawl.commands.usage).
"""

import asyncio
import atexit
import logging
import os
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from newscrawl import config
from newscrawl.archive.health import untrusted_state
from newscrawl.archive.paths import output_dir, posts_dir, state_path, state_uri, without_password
from newscrawl.archive.backends import store_class
from newscrawl.commands.usage import add_help_sections
from newscrawl.errors import ConfigError
from newscrawl.exitcodes import CRAWL_STATUSES, EXIT_BAD_RUN, EXIT_LOCKED, exit_on_config_error
from newscrawl.runlock import ArchiveLocked, archive_lock
from newscrawl.spider_arguments import check_crawl_arguments, spider_class
from newscrawl.stats import CAUSES, PROBLEMS

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider: crawl the site into the archive (exit status 0 good, 1 bad run, 2 config error, 75 locked)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        add_help_sections(parser, CRAWL_STATUSES, self.settings)

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        with exit_on_config_error():
            config.check_command_line(self.settings)
            if len(args) == 1:
                spidercls = spider_class(get_spider_loader(self.settings), args[0])
                check_crawl_arguments(spidercls, opts.spargs)

    def run(self, args, opts):
        self._run(args, opts)
        _exit_without_teardown(self.exitcode)

    def _run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        with exit_on_config_error():
            spidercls = spider_class(self.crawler_process.spider_loader, args[0])
            config.load(self.settings)
            state = state_uri(self.settings)
            logger.info("Archive: %s (state: %s)", output_dir(self.settings), without_password(state))
            if store_class(state).shared:
                self.exitcode = self._crawl(spidercls, opts)
                return
            try:
                with archive_lock(self.settings):  # a ConfigError if its file cannot be opened
                    self._refuse_state()
                    self.exitcode = self._crawl(spidercls, opts)
            except ArchiveLocked as exc:
                print(f"newscrawl: {exc}", file=sys.stderr)
                self.exitcode = EXIT_LOCKED

    def _refuse_state(self) -> None:
        """A ConfigError for a SQLite state a run must not start on (newscrawl.archive.health);
        exit 1 if it cannot be read at all."""
        try:
            problem = untrusted_state(state_path(self.settings), posts_dir(self.settings))
        except OSError as exc:
            print(f"newscrawl: bad run: could not read the archive state {exc.filename}: {exc.strerror}", file=sys.stderr)
            sys.exit(EXIT_BAD_RUN)
        if problem:
            raise ConfigError(problem)

    def _crawl(self, spidercls, opts) -> int:
        crawler = self._create_crawler(spidercls)
        startup_errors: list[BaseException] = []
        started = self.crawler_process.crawl(crawler, **opts.spargs)
        _on_failure(started, startup_errors.append)
        self.crawler_process.start()
        for error in startup_errors:
            if isinstance(error, ConfigError):
                raise error
        if startup_errors or self.crawler_process.bootstrap_failed:
            for error in startup_errors:
                print(f"newscrawl: the crawl did not start: {error!r}", file=sys.stderr)
            return EXIT_BAD_RUN
        problems = crawler.stats.get_value(PROBLEMS)
        if problems is None:
            problems = ["the monitors did not run"]
        log_file = self.settings.get("LOG_FILE")
        if log_file and problems:  # else the log, on stderr, has said it already
            causes = crawler.stats.get_value(CAUSES) or []
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
