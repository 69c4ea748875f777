"""How a failed request is described in log lines and reject records."""

from scrapy.spidermiddlewares.httperror import HttpError


def failure_reason(failure) -> str:
    """``HTTP 503``, or the exception's type and the first line of its message
    (Playwright's go on with a call log)."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    message = failure.getErrorMessage().strip().splitlines()
    return f"{failure.type.__name__}: {message[0] if message else ''}"
