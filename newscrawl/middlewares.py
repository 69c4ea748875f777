"""Downloader middlewares."""

import asyncio
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from newscrawl.hostmap import HostMap

logger = logging.getLogger(__name__)

CANONICAL_URL_KEY = "newscrawl_canonical_url"


class HostMapMiddleware:
    """Applies NEWSCRAWL_HOST_MAP to every request.

    A request for a mapped host is replaced by one for the mirror (so
    robots.txt, retries and redirects all work on what is really fetched);
    its response is handed to the spider under the canonical URL.
    """

    def __init__(self, host_map: HostMap):
        self.host_map = host_map

    @classmethod
    def from_crawler(cls, crawler):
        return cls(HostMap.from_json(crawler.settings.get("NEWSCRAWL_HOST_MAP")))

    def process_request(self, request: Request):
        if CANONICAL_URL_KEY in request.meta:
            return None
        mirror_url = self.host_map.to_mirror(request.url)
        if mirror_url is None:
            return None
        meta = {**request.meta, CANONICAL_URL_KEY: request.url}
        # The canonical request already passed the dupefilter.
        return request.replace(url=mirror_url, meta=meta, dont_filter=True)

    def process_response(self, request: Request, response: Response):
        canonical_url = request.meta.get(CANONICAL_URL_KEY)
        if canonical_url is None:
            return response
        scheme = canonical_url.split(":", 1)[0]
        return response.replace(url=self.host_map.to_canonical(response.url, scheme))


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting first as long as a 429 or 503 asks in
    Retry-After (capped by NEWSCRAWL_RETRY_AFTER_MAX seconds)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("NEWSCRAWL_RETRY_AFTER_MAX")

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


class HttpOnlyMiddleware:
    """Requests only http(s) URLs: a ``file:``, ``data:`` or ``ftp:`` link met in a
    page is dropped with a log line, never fetched."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_request(self, request: Request):
        if urlsplit(request.url).scheme not in ("http", "https"):
            self.stats.inc_value("newscrawl/refused_url")
            logger.warning("Refused to fetch a non-http(s) URL: %s", request.url)
            raise IgnoreRequest(f"not http(s): {request.url}")
        return None
