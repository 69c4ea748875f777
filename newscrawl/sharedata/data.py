"""A post's share data, as NEWSCRAWL_SHARE says: ``await ShareData.fetch(link)``.

A newsshare link's share data is the JSON ``GetNewsText.do`` on the share
host, or the share page (an empty shell until its script has fetched that
JSON) rendered in headless Chromium. In ``auto`` mode the JSON comes first
and the page is rendered only when the JSON fails or has no text. An
eastmoney link's (an emnews digest's) is the eastmoney article page.

The requests go through the engine's downloader (``engine.download_async``,
Scrapy's way to await a response inside a callback): the downloader
middlewares apply (host map, robots.txt, retries), the spider middlewares do
not, so an HTTP error status is checked here. They skip the scheduler and
its duplicate filter: two posts linking the same share data both get it.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

import scrapy
from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.failures import exception_reason, reject_reason
from newscrawl.setting_registry import setting
from newscrawl.sharedata.mode import ShareMode
from newscrawl.sharedata.page import read_rendered_share_page, share_page_meta
from newscrawl.site.pages import PageError, read_eastmoney_article, read_share_json
from newscrawl.site.fetched import UpstreamPost
from newscrawl.site.urls import INFO_CODE_KEY, ShareLink
from newscrawl.stats import (
    REQUEST_FAILED,
    SHAREDATA_JSON_FAILED,
    SHAREDATA_JSON_USED,
    SHAREDATA_PAGE_USED,
    SHAREDATA_UNAVAILABLE,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unavailable:
    """Why a post has no share data. ``failed``: a fetch failed (a refused
    connection, a timeout, a 5xx or other error status, a body that is not
    share data, a redirect loop, a page too large): the post's reject is then
    ``reason``, a failure, retried by every later run and never given up (the
    host may well answer tomorrow). Not ``failed``: the upstream itself says
    there is no such article (the JSON has no text, the share page shows
    资讯不存在, the eastmoney article has no body), or share data was not
    asked for (NEWSCRAWL_SHARE=off): the post is ``absent``."""

    why: str
    failed: bool
    reason: str = "share_fetch_failed"  # the reject reason, when ``failed``


@dataclass(frozen=True)
class _Source:
    """One place share data is read from: what it is called, how it is read, its stat."""

    name: str
    read: Callable[[str], UpstreamPost | None]  # raises PageError for what is unreadable
    nothing: str  # why, when it reads as no article
    used_stat: str | None


_JSON = _Source("share data", read_share_json, "share data has no text", SHAREDATA_JSON_USED)
_PAGE = _Source("share page", read_rendered_share_page, "share page: 资讯不存在 (no article)",
                SHAREDATA_PAGE_USED)
_EASTMONEY = _Source("eastmoney article", lambda text: read_eastmoney_article(Selector(text=text)),
                     "eastmoney article has no article body", None)


def _request(link: ShareLink, url: str, **meta) -> scrapy.Request:
    """A request for the link's share data, naming its post (a refused offsite
    link is that post's reject: newscrawl.middlewares.offsite)."""
    return scrapy.Request(url, meta={INFO_CODE_KEY: link.info_code, **meta})


class ShareData:
    """Fetches share data for a spider; made in the spider's from_crawler."""

    def __init__(self, crawler):
        self.crawler = crawler  # its stats and engine exist once the crawl starts
        self.mode = ShareMode.from_settings(crawler.settings)  # a ConfigError for a bad mode
        self.page_timeout = setting(crawler.settings, "NEWSCRAWL_SHARE_PAGE_TIMEOUT")

    async def fetch(self, link: ShareLink) -> UpstreamPost | Unavailable:
        """The link's upstream post, or why there is none (logged and counted here)."""
        if not self.mode.fetches_share_data:
            return Unavailable(f"share data not fetched (NEWSCRAWL_SHARE={self.mode.mode})", failed=False)
        if link.kind == "eastmoney":
            share = await self._read(_request(link, link.data_url), _EASTMONEY)
        else:
            share = await self._newsshare(link)
        if isinstance(share, Unavailable):
            logger.warning("Share data for %s unavailable: %s", link.info_code, share.why)
            if share.failed:
                self.crawler.stats.inc_value(REQUEST_FAILED)
            self.crawler.stats.inc_value(SHAREDATA_UNAVAILABLE)
        return share

    async def _newsshare(self, link: ShareLink) -> UpstreamPost | Unavailable:
        if self.mode.uses_json:
            share = await self._read(_request(link, link.data_url), _JSON)
            if isinstance(share, Unavailable) and share.failed:
                self.crawler.stats.inc_value(SHAREDATA_JSON_FAILED)
            if isinstance(share, UpstreamPost):
                return share
            if not self.mode.uses_browser:
                missing = f"; {self.mode.chromium_missing}" if self.mode.wants_browser else ""
                return Unavailable(share.why + missing, share.failed, share.reason)
            logger.info("%s for %s; rendering its share page", share.why, link.info_code)
        return await self._read(_request(link, link.url, **share_page_meta(self.page_timeout)), _PAGE)

    async def _read(self, request: scrapy.Request, source: _Source) -> UpstreamPost | Unavailable:
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # a network error after the retries, robots.txt, a refused URL, a redirect loop, a page too large
            return Unavailable(f"{source.name} {exception_reason(exc)}", failed=True,
                               reason=reject_reason(exc, "share_fetch_failed"))
        if not 200 <= response.status < 300:
            return Unavailable(f"{source.name} HTTP {response.status}", failed=True)
        try:
            upstream = source.read(response.text if isinstance(response, TextResponse) else "")
        except PageError as exc:  # often a proxy's or an overloaded host's error page
            return Unavailable(f"{source.name} unusable: {exc}", failed=True, reason="unreadable_share_data")
        if upstream is None:
            return Unavailable(source.nothing, failed=False)
        if source.used_stat:
            self.crawler.stats.inc_value(source.used_stat)
        return upstream
