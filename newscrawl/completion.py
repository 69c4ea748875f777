"""A post read from the site (a post page, or its source file) completed from its share data.

The crawl (spiders/finews.py) and the source import (spiders/source.py)
both finish a post here, so the two write the same post: a page with no
body, an emnews digest, or no title or date gets its share data (as
NEWSCRAWL_SHARE says), and the loaders make the post of both.
"""

from functools import cached_property

from newscrawl.extensions.rejects import RejectLog
from newscrawl.items import PostItem
from newscrawl.loading.parse_workers import ParseWorkers
from newscrawl.setting_registry import setting
from newscrawl.sharedata.data import ShareData, Unavailable
from newscrawl.site.fetched import SitePost, UpstreamPost
from newscrawl.site.urls import parse_share_link, share_page_url
from newscrawl.stats import SHAREDATA_USED


class PostCompleter:
    """``await completer.complete(site)``: the post, or None (its reject recorded)."""

    def __init__(self, crawler, share: ShareData, parse_workers: ParseWorkers):
        self.crawler = crawler
        self.share = share
        self.parse_workers = parse_workers
        self.share_url = setting(crawler.settings, "NEWSCRAWL_SHARE_URL")

    @cached_property
    def rejects(self) -> RejectLog:  # extensions exist once the crawl starts
        return self.crawler.get_extension(RejectLog)

    async def complete(self, site: SitePost) -> PostItem | None:
        """Fetch the share data the post needs, if any, then finish it."""
        link = parse_share_link(site.share_url) if site.share_url else None
        # The real archive has a post with no title, no date and an empty share link (``<>``):
        # its share data, asked for by its infoCode, has them.
        if site.untitled and link is None:
            link = parse_share_link(share_page_url(self.share_url, site.info_code))
        share = await self.share.fetch(link) if link and site.needs_share_data else None
        return await self.finish(site, share)

    async def finish(self, site: SitePost, share: UpstreamPost | Unavailable | None) -> PostItem | None:
        """The post, from the site and its share data; None (a reject) when neither has a body.

        Share data that failed to come (the share host down, a 5xx, a timeout...) for a
        post the site gives no body, title or date is that failure's reject, retried by
        later runs; only share data saying there is no such article makes it ``no_body``.
        """
        upstream = share if isinstance(share, UpstreamPost) else None
        if upstream is not None:
            self.crawler.stats.inc_value(SHAREDATA_USED)
        elif isinstance(share, Unavailable) and share.failed and (not site.body.text_length or site.untitled):
            self.rejects.record(share.reason, site.url, site.info_code, share.why)
            return None
        elif not site.body.text_length:
            self.rejects.record("no_body", site.url, site.info_code, share.why if share else "")
            return None
        return await self.parse_workers.load_post(site, upstream)
