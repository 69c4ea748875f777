"""Scrapy's retries, honouring Retry-After."""

import asyncio
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

from newscrawl.setting_registry import setting


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting first as long as a 429 or 503 asks in
    Retry-After (capped by NEWSCRAWL_RETRY_AFTER_MAX seconds)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = setting(settings, "NEWSCRAWL_RETRY_AFTER_MAX")

    async def process_response(self, request: Request, response: Response):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            wait = retry_after_seconds(response.headers.get(b"Retry-After"))
            if wait:
                await asyncio.sleep(min(wait, self.max_wait))
        return result


def retry_after_seconds(value: bytes | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None if absent or junk."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max((moment - datetime.now(timezone.utc)).total_seconds(), 0.0)
