"""Fetching a post's share data for a spider, as NEWSCRAWL_SHARE says.

The share data is the JSON ``GetNewsText.do`` on the share host, or the
share page (an empty shell until its script has fetched that JSON) rendered
in headless Chromium. In ``auto`` mode the JSON comes first and the page is
rendered only when the JSON fails or has no text.
"""

import scrapy
from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.addons.browser import share_page_meta
from newscrawl.failures import failure_reason
from newscrawl.site.records import UpstreamPost
from newscrawl.site.pages import PageError, read_share_json, read_share_page
from newscrawl.share.mode import ShareMode
from newscrawl.site.urls import ShareLink
from newscrawl.work import WORK_KEY, post_work


class ShareDataMixin:
    """For a spider that completes posts from their share data.

    The spider calls ``init_share_data(settings)`` in ``from_crawler``,
    yields from ``fetch_share_data(link, context)`` (a context with the
    post's ``info_code``), and implements
    ``finish(context, upstream, why_none)``: it is called once per link,
    with the share data, or with None and why there is none.
    """

    def init_share_data(self, settings) -> None:
        self.share_mode = ShareMode.from_settings(settings)
        self.share_page_timeout = settings.getfloat("NEWSCRAWL_SHARE_PAGE_TIMEOUT")

    def fetch_share_data(self, link: ShareLink, context):
        if self.share_mode.uses_json:
            yield self._request(link, context, link.data_url, self._parse_share_json, self._share_json_failed)
        elif self.share_mode.uses_browser:
            yield self._share_page_request(link, context)
        else:
            yield from self.finish(context, None, f"share data not fetched (NEWSCRAWL_SHARE={self.share_mode.mode})")

    def finish(self, context, upstream: UpstreamPost | None, why_none: str | None = None):
        raise NotImplementedError

    def _request(self, link, context, url, callback, errback, meta=None) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=errback,
            meta={**(meta or {}), WORK_KEY: post_work(context.info_code)},
            cb_kwargs={"link": link, "context": context},
            # Were two posts to link the same share data, the second must not be filtered out and lost.
            dont_filter=True,
        )

    def _share_page_request(self, link: ShareLink, context) -> scrapy.Request:
        meta = share_page_meta(self.share_page_timeout)
        return self._request(link, context, link.url, self._parse_share_page, self._share_page_failed, meta)

    # --- The JSON

    def _parse_share_json(self, response, link: ShareLink, context):
        try:
            upstream = read_share_json(response.text if isinstance(response, TextResponse) else "")
        except PageError as exc:
            yield from self._json_gave_nothing(link, context, f"share data unusable: {exc}", failed=True)
            return
        if upstream is None:
            yield from self._json_gave_nothing(link, context, "share data has no text", failed=False)
            return
        self.crawler.stats.inc_value("newscrawl/share_json_used")
        yield from self.finish(context, upstream)

    def _share_json_failed(self, failure):
        link, context = failure.request.cb_kwargs["link"], failure.request.cb_kwargs["context"]
        yield from self._json_gave_nothing(link, context, f"share data {failure_reason(failure)}", failed=True)

    def _json_gave_nothing(self, link: ShareLink, context, why: str, failed: bool):
        if failed:
            self.crawler.stats.inc_value("newscrawl/share_json_failed")
        if self.share_mode.uses_browser:
            self.logger.info("%s for %s; rendering its share page", why, link.info_code)
            yield self._share_page_request(link, context)
            return
        if self.share_mode.wants_browser:
            why = f"{why}; {self.share_mode.chromium_missing}"
        yield from self._share_data_lost(link, context, why, failed)

    # --- The share page, rendered

    def _parse_share_page(self, response, link: ShareLink, context):
        try:
            upstream = read_share_page(Selector(text=response.text if isinstance(response, TextResponse) else ""))
        except PageError as exc:
            yield from self._share_data_lost(link, context, f"share page: {exc}", failed=True)
            return
        if upstream is None:
            yield from self._share_data_lost(link, context, "share page: 资讯不存在 (no article)", failed=False)
            return
        self.crawler.stats.inc_value("newscrawl/share_page_used")
        yield from self.finish(context, upstream)

    def _share_page_failed(self, failure):
        link, context = failure.request.cb_kwargs["link"], failure.request.cb_kwargs["context"]
        yield from self._share_data_lost(link, context, f"share page {failure_reason(failure)}", failed=True)

    def _share_data_lost(self, link: ShareLink, context, why: str, failed: bool):
        """No share data from anywhere. A failure (not a plain "no such article")
        counts against the run's exit status."""
        self.logger.warning("Share data for %s unavailable: %s", link.info_code, why)
        if failed:
            self.crawler.stats.inc_value("newscrawl/request_failed")
        self.crawler.stats.inc_value("newscrawl/share_unavailable")
        yield from self.finish(context, None, why)
