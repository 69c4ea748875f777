"""Only http(s) URLs are fetched."""

import logging
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from newscrawl.stats import REFUSED_URL

logger = logging.getLogger(__name__)


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
            self.stats.inc_value(REFUSED_URL)
            logger.warning("Refused to fetch a non-http(s) URL: %s", request.url)
            raise IgnoreRequest(f"not http(s): {request.url}")
        return None
