"""Why the pages that failed failed, in plain words, for the verdict's lines.

A downloader middleware next to the download handler: it sees each try of
each request, before the retry middleware does. A page is failing while its
last try ended in a network error or a retried HTTP status; an answer ends
that. When the spider closes, the pages still failing are grouped by host
and cause, one line each, kept in the stats under CAUSES_KEY (runs.jsonl has
them, and ``scrapy crawl`` prints them to stderr when the run is bad):

    site unreachable: connection refused at https://finews.withounder.com/category/x.html (4 tries)
    site unreachable: DNS lookup failed for finews.withounder.com (2 pages, 4 tries each)
    HTTP 503 at https://finews.withounder.com/a/2022/02/23/NW1.html and 2 other pages (4 tries each)

"Site unreachable" when no page of that host answered in the whole run.
"""

from collections import defaultdict
from urllib.parse import urlsplit

from scrapy import exceptions as scrapy_errors, signals
from twisted.internet import error as twisted_errors
from twisted.web._newclient import ResponseFailed

from newscrawl.failures import exception_reason
from newscrawl.site.urls import canonical_url

#: The stat the causes are kept in: a list of lines.
CAUSES_KEY = "newscrawl/causes"

_DNS = (scrapy_errors.CannotResolveHostError, twisted_errors.DNSLookupError)
_REFUSED = (scrapy_errors.DownloadConnectionRefusedError, twisted_errors.ConnectionRefusedError, ConnectionRefusedError)
_TIMEOUT = (scrapy_errors.DownloadTimeoutError, twisted_errors.TimeoutError, twisted_errors.TCPTimedOutError, TimeoutError)
_CUT = (scrapy_errors.ResponseDataLossError, ResponseFailed, twisted_errors.ConnectionLost, ConnectionResetError)


class FailureCauses:
    def __init__(self, stats, timeout: float, retry_codes: set[int]):
        self.stats = stats
        self.timeout = timeout
        self.retry_codes = retry_codes
        self.failing: dict[str, tuple[str, int]] = {}  # canonical URL -> (cause, tries)
        self.answering: set[str] = set()  # hosts that answered at least once

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        causes = cls(crawler.stats, settings.getfloat("DOWNLOAD_TIMEOUT"), {int(code) for code in settings.getlist("RETRY_HTTP_CODES")})
        crawler.signals.connect(causes.spider_closed, signal=signals.spider_closed)
        return causes

    def process_response(self, request, response):
        if _is_robots_txt(request):
            return response
        url = canonical_url(request)
        self.answering.add(urlsplit(url).hostname or "")
        if response.status in self.retry_codes:
            self._failed(url, f"HTTP {response.status}")
        else:
            self.failing.pop(url, None)
        return response

    def process_exception(self, request, exception):
        if not _is_robots_txt(request):
            self._failed(canonical_url(request), self.plain_words(exception))

    def _failed(self, url: str, cause: str) -> None:
        _, tries = self.failing.get(url, ("", 0))
        self.failing[url] = (cause, tries + 1)

    def plain_words(self, exc: BaseException) -> str:
        if isinstance(exc, _DNS):
            return "DNS lookup failed"
        if isinstance(exc, _REFUSED):
            return "connection refused"
        if isinstance(exc, _TIMEOUT):
            return f"no answer in {self.timeout:g} s (DOWNLOAD_TIMEOUT)"
        if isinstance(exc, _CUT):
            return "connection closed before the page was received"
        return exception_reason(exc)

    def spider_closed(self, spider):
        self.stats.set_value(CAUSES_KEY, self.causes())

    def causes(self) -> list[str]:
        """One line per host and cause, the one with the most pages first."""
        groups: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
        for url, (cause, tries) in self.failing.items():
            groups[urlsplit(url).hostname or "", cause].append((url, tries))
        lines = []
        for (host, cause), pages in sorted(groups.items(), key=lambda group: -len(group[1])):
            unreachable = "site unreachable: " if host not in self.answering else ""
            tries = sorted({tries for _, tries in pages})
            each = f"{tries[0]} tries" if len(tries) == 1 else f"{tries[0]}-{tries[-1]} tries"
            if cause == "DNS lookup failed":
                count = f"{len(pages)} pages, {each} each" if len(pages) > 1 else each
                lines.append(f"{unreachable}DNS lookup failed for {host} ({count})")
            elif len(pages) == 1:
                lines.append(f"{unreachable}{cause} at {pages[0][0]} ({each})")
            else:
                lines.append(f"{unreachable}{cause} at {min(pages)[0]} and {len(pages) - 1} other pages ({each} each)")
        return lines


def _is_robots_txt(request) -> bool:
    """robots.txt, which Scrapy asks for on its own: a site that does not answer fails the pages asked for too."""
    return bool(request.meta.get("dont_obey_robotstxt")) and request.url.endswith("/robots.txt")
