"""One log line, not a traceback, for network failures.

Scrapy's robots.txt middleware logs a failed download with its traceback,
and so does scrapy-playwright for a share page that fails to load. A dead
host, a refused connection or a page that times out is expected input for
a crawler: the message line says all there is to say, so the traceback is
dropped.
"""

import logging
import sys

from scrapy import exceptions as scrapy_errors, signals
from twisted.internet import error as twisted_errors
from twisted.web._newclient import ResponseFailed

NETWORK_ERRORS = (
    scrapy_errors.CannotResolveHostError,
    scrapy_errors.DownloadCancelledError,
    scrapy_errors.DownloadConnectionRefusedError,
    scrapy_errors.DownloadFailedError,
    scrapy_errors.DownloadTimeoutError,
    scrapy_errors.ResponseDataLossError,
    twisted_errors.ConnectError,
    twisted_errors.DNSLookupError,
    twisted_errors.TimeoutError,
    ResponseFailed,
    ConnectionError,
    TimeoutError,
)


def _is_network_error(error: BaseException | None) -> bool:
    return isinstance(error, NETWORK_ERRORS) or _is_playwright_error(error)


def _is_playwright_error(error) -> bool:
    """Playwright's navigation errors and timeouts (the message names the net:: error).

    Looked up, not imported: a run that renders no page never loads Playwright,
    and then no error can be one of its.
    """
    playwright = sys.modules.get("playwright.async_api")
    return playwright is not None and isinstance(error, playwright.Error)


class DropNetworkTracebacks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and _is_network_error(record.exc_info[1]):
            record.exc_info = None
            record.exc_text = None
        return True


class QuietNetworkErrors:
    """An extension that installs DropNetworkTracebacks on the log handlers."""

    def __init__(self):
        self.filter = DropNetworkTracebacks()

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls()
        # Not earlier: Scrapy replaces its root log handler once the spider exists.
        crawler.signals.connect(extension.install, signal=signals.engine_started)
        crawler.signals.connect(extension.uninstall, signal=signals.engine_stopped)
        return extension

    def install(self):
        for handler in logging.getLogger().handlers:
            handler.addFilter(self.filter)

    def uninstall(self):
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self.filter)
