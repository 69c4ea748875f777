"""Backfill by infoCode: posts the site no longer lists, from their share data."""

import re
from pathlib import Path

import scrapy

from newscrawl.errors import ConfigError
from newscrawl.loading.loaders import load_share_post
from newscrawl.site.records import UpstreamPost
from newscrawl.extensions.rejects import RejectLog
from newscrawl.share.data import ShareDataMixin
from newscrawl.archive.store import ArchiveStore
from newscrawl.site.urls import INFO_CODE_RE, ShareLink, parse_share_link, share_page_url


class ShareSpider(ShareDataMixin, scrapy.Spider):
    """``scrapy crawl share -a infocodes=<file or comma list>``.

    The site keeps only its last few days of posts; the share host keeps
    them all. For each infoCode not yet archived, the share data (JSON or
    rendered share page, as NEWSCRAWL_SHARE says) is fetched from
    NEWSCRAWL_SHARE_URL and written as the post the site would have shown
    (see newscrawl.loading.loaders.load_share_post).
    """

    name = "share"

    def __init__(self, *args, infocodes: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.info_codes = read_info_codes(infocodes)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.site_url = crawler.settings.get("NEWSCRAWL_SITE_URL")
        spider.share_url = crawler.settings.get("NEWSCRAWL_SHARE_URL")
        if parse_share_link(share_page_url(spider.share_url, "X")) is None:
            raise ConfigError(f"NEWSCRAWL_SHARE_URL must be an http(s) base URL, not {spider.share_url!r}")
        spider.init_share_data(crawler.settings)
        if not spider.share_mode.fetches_share_data:
            raise ConfigError("NEWSCRAWL_SHARE=off: `scrapy crawl share` has nothing to fetch")
        return spider

    async def start(self):
        # Extensions exist only once the crawl starts.
        store = self.crawler.get_extension(ArchiveStore)
        self.rejects = self.crawler.get_extension(RejectLog)
        for info_code in self.info_codes:
            if store.is_archived(info_code):
                self.crawler.stats.inc_value("newscrawl/skipped_archived")
                continue
            link = parse_share_link(share_page_url(self.share_url, info_code))
            for request in self.fetch_share_data(link, context=link):
                yield request

    def finish(self, link: ShareLink, upstream: UpstreamPost | None, why_none: str | None = None):
        if upstream is None:
            self.rejects.record("no_share_data", link.url, link.info_code, why_none or "")
            return
        yield load_share_post(link.info_code, upstream, self.site_url, link.url)


def read_info_codes(argument: str | None) -> list[str]:
    """The infoCodes of ``-a infocodes=``: a file (one or more a line) or a comma list;
    duplicates dropped, order kept. Raises ConfigError for anything else."""
    if not argument:
        raise ConfigError("give the infoCodes to fetch: -a infocodes=<file or comma-separated list>")
    path = Path(argument)
    text = path.read_text(encoding="utf-8") if path.is_file() else argument
    codes = [code for code in re.split(r"[\s,]+", text) if code]
    for code in codes:
        if not INFO_CODE_RE.match(code):
            raise ConfigError(f"infocodes: {code!r} is neither a file nor an infoCode")
    if not codes:
        raise ConfigError(f"infocodes: no infoCode in {argument!r}")
    return list(dict.fromkeys(codes))
