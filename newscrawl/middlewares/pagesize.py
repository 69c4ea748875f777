"""NEWSCRAWL_MAX_PAGE_SIZE: a page larger than that, as sent or once decompressed, fails as PageTooLarge.

The limit is Scrapy's DOWNLOAD_MAXSIZE (newscrawl.config sets it from
NEWSCRAWL_MAX_PAGE_SIZE, and DOWNLOAD_WARNSIZE to half of it). Scrapy's
download handler stops reading a body past it (or refuses it at once when
Content-Length says so), and its HttpCompressionMiddleware decompresses
gzip, deflate, br and zstd 64 KiB at a time, stopping past it: a few MB of
gzip that would inflate to gigabytes costs at most the limit in memory.
This middleware, which takes the place of Scrapy's HttpCompressionMiddleware,
gives both failures one name, PageTooLarge, so that the post it was for is
rejected as ``page_too_large`` (and share data fetched with
``engine.download_async`` is unavailable for that reason).
"""

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.utils._compression import _DecompressionMaxSizeExceeded  # what Scrapy's decompression raises past the limit


class PageTooLarge(IgnoreRequest):
    """A body past DOWNLOAD_MAXSIZE (NEWSCRAWL_MAX_PAGE_SIZE), as sent or decompressed."""

    reject_reason = "page_too_large"


class PageSizeMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, its size-limit failures (and the download handler's) as PageTooLarge."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if isinstance(exc.__cause__, _DecompressionMaxSizeExceeded):
                raise PageTooLarge(f"{exc.__cause__.decompressed_size} bytes or more once decompressed "
                                   f"({len(response.body)} sent), over the page size limit of "
                                   f"{self._limit(request)} bytes (NEWSCRAWL_MAX_PAGE_SIZE)") from None
            raise

    def process_exception(self, request: Request, exception: Exception):
        # The HTTP/1.1 and HTTP/2 handlers cancel a download only for its size
        # (a timeout is a DownloadTimeoutError), and cancelled downloads are not retried.
        if isinstance(exception, DownloadCancelledError) and self._limit(request):
            raise PageTooLarge(f"more than {self._limit(request)} bytes sent, over the page size limit "
                               "(NEWSCRAWL_MAX_PAGE_SIZE)") from None
        return None

    def _limit(self, request: Request) -> int:
        return request.meta.get("download_maxsize", self._max_size)
