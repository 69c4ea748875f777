"""The exit statuses of the project's commands, what each means, and the one way a command exits for a configuration error."""

import sys
from contextlib import contextmanager

from newscrawl.errors import ConfigError

EXIT_OK = 0
#: The run's monitors found a problem (newscrawl.monitors), or it could not read the archive; verify: it found (and repaired) something.
EXIT_BAD_RUN = 1
#: A configuration mistake, found before any request: one line on stderr says what.
EXIT_CONFIG_ERROR = 2
#: Another run holds the archive (EX_TEMPFAIL, "try again later").
EXIT_LOCKED = 75

_CONFIG_ERROR = ("a configuration mistake (a setting, spider, argument, option or path), said in one line on "
                 "stderr before anything is fetched or written")
_LOCKED = "another run holds the archive: try again later (from cron, the next run will)"

#: What each status means, for ``-h`` and docs/settings.md: of a crawl (crawl, demo),
CRAWL_STATUSES = {
    EXIT_OK: "a good run",
    EXIT_BAD_RUN: "a bad run: a monitor found a problem, said on stderr (with --logfile) and in runs.jsonl",
    EXIT_CONFIG_ERROR: _CONFIG_ERROR,
    EXIT_LOCKED: _LOCKED,
}
#: of scrapy verify,
VERIFY_STATUSES = {
    EXIT_OK: "files and state agree",
    EXIT_BAD_RUN: "something was found (with --repair: and repaired), or the archive could not be read",
    EXIT_CONFIG_ERROR: _CONFIG_ERROR,
    EXIT_LOCKED: _LOCKED,
}
#: and of the commands that only read the archive (export, report).
READ_STATUSES = {
    EXIT_OK: "done",
    EXIT_CONFIG_ERROR: _CONFIG_ERROR,
}


@contextmanager
def exit_on_config_error():
    """A ConfigError raised inside ends the command: ``newscrawl: <what is wrong>`` on stderr, and exit status 2."""
    try:
        yield
    except ConfigError as error:
        print(f"newscrawl: {error}", file=sys.stderr)
        sys.exit(EXIT_CONFIG_ERROR)
