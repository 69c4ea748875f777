"""How a failed request is described in log lines and reject records."""

from scrapy.spidermiddlewares.httperror import HttpError


def failure_reason(failure) -> str:
    """An errback's failure, as ``exception_reason`` says."""
    return exception_reason(failure.value)


def exception_reason(exc: BaseException) -> str:
    """``HTTP 503``, or the exception's type and the first line of its message
    (Playwright's go on with a call log)."""
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0] if message else ''}"
