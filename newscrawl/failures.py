"""How a failed request is described in log lines and reject records, how a
run's failed pages and failed writes are counted."""

import logging

from scrapy.spidermiddlewares.httperror import HttpError

from newscrawl.stats import FIRST_WRITE_ERROR, REQUEST_FAILED, WRITE_ERRORS

logger = logging.getLogger(__name__)


def write_failed(stats, path, exc: OSError) -> str:
    """Log and count a file that could not be written (disk full, I/O error...); the line that says so."""
    reason = f"[Errno {exc.errno}] {exc.strerror}" if exc.errno else str(exc)
    message = f"could not write {path}: {reason}"
    logger.error("%s", message[0].upper() + message[1:])
    stats.inc_value(WRITE_ERRORS)
    if stats.get_value(FIRST_WRITE_ERROR) is None:
        stats.set_value(FIRST_WRITE_ERROR, message)
    return message


def failure_reason(failure) -> str:
    """An errback's failure, as ``exception_reason`` says."""
    return exception_reason(failure.value)


def reject_reason(exc: BaseException, default: str = "fetch_failed") -> str:
    """The reject reason a failed request gives its post: the exception's own
    ``reject_reason`` (``redirect_loop``, ``too_many_redirects``, ``page_too_large``:
    newscrawl.middlewares.redirect and .pagesize), or ``default``."""
    return getattr(exc, "reject_reason", default)


def exception_reason(exc: BaseException) -> str:
    """``HTTP 503``, or the exception's type and the first line of its message
    (Playwright's go on with a call log)."""
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0] if message else ''}"


def pages_failed(stats) -> tuple[int, int]:
    """Pages (category, post, share data...) that failed for good, and all that ended."""
    failed = stats.get(REQUEST_FAILED, 0)
    return failed, failed + stats.get("response_received_count", 0)
