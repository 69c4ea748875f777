"""Backfill by infoCode: posts the site no longer lists, from their share data."""

import asyncio
import re
from pathlib import Path

import scrapy
from scrapy_spider_metadata import Args

from newscrawl.archive.store import ArchiveStore
from newscrawl.errors import ConfigError
from newscrawl.extensions.rejects import RejectLog
from newscrawl.items import PostItem
from newscrawl.loading.loaders import load_post
from newscrawl.setting_registry import setting
from newscrawl.sharedata.data import ShareData, Unavailable
from newscrawl.site.unlisted import unlisted_post
from newscrawl.site.urls import INFO_CODE_RE, ShareLink, parse_share_link, share_page_url
from newscrawl.spider_arguments import SpiderArguments, argument, check_arguments
from newscrawl.stats import SKIPPED_ARCHIVED, SKIPPED_GIVEN_UP


class ShareArguments(SpiderArguments):
    infocodes: str = argument("the infoCodes to fetch: a file of them (one or more a line), or a comma-separated "
                              "list", "CODES")


class ShareSpider(Args[ShareArguments], scrapy.Spider):
    """``scrapy crawl share -a infocodes=<file or comma list>``.

    The site keeps only its last few days of posts; the share host keeps
    them all. For each infoCode not yet archived, the share data (JSON or
    rendered share page, as NEWSCRAWL_SHARE says) is fetched from
    NEWSCRAWL_SHARE_URL and written as the post the site would have shown
    (newscrawl.site.unlisted: the page it would have had; then
    newscrawl.loading.loaders.load_post, as for any post).
    """

    name = "share"
    metadata = {"title": "share", "description": "backfill, by infoCode, posts the site no longer lists, from "
                "their share data on NEWSCRAWL_SHARE_URL"}

    def __init__(self, *args, **kwargs):
        check_arguments(type(self), kwargs)  # one line for a bad one (Args would log a block, then raise)
        super().__init__(*args, **kwargs)
        self.info_codes = read_info_codes(self.args.infocodes)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.site_url = setting(crawler.settings, "NEWSCRAWL_SITE_URL")
        spider.share_url = setting(crawler.settings, "NEWSCRAWL_SHARE_URL")
        if parse_share_link(share_page_url(spider.share_url, "X")) is None:
            raise ConfigError(f"NEWSCRAWL_SHARE_URL must be an http(s) base URL, not {spider.share_url!r}")
        spider.share = ShareData(crawler)
        if not spider.share.mode.fetches_share_data:
            raise ConfigError("NEWSCRAWL_SHARE=off: `scrapy crawl share` has nothing to fetch")
        return spider

    async def start(self):
        """Every infoCode not archived, fetched at once (the downloader keeps to its concurrency limits)."""
        # Extensions exist only once the crawl starts.
        store = self.crawler.get_extension(ArchiveStore)
        self.rejects = self.crawler.get_extension(RejectLog)
        links = []
        for info_code in self.info_codes:
            if store.is_archived(info_code):
                self.crawler.stats.inc_value(SKIPPED_ARCHIVED)
            elif self.rejects.given_up(info_code):
                self.crawler.stats.inc_value(SKIPPED_GIVEN_UP)
            else:
                links.append(parse_share_link(share_page_url(self.share_url, info_code)))
        fetches = [asyncio.ensure_future(self.backfill(link)) for link in links]
        try:
            for fetched in asyncio.as_completed(fetches):
                if post := await fetched:
                    yield post
        finally:
            for fetch in fetches:
                fetch.cancel()  # the crawl was stopped

    async def backfill(self, link: ShareLink) -> PostItem | None:
        """The post of one infoCode; None (a reject) if its share data is unavailable."""
        share = await self.share.fetch(link)
        if isinstance(share, Unavailable):
            # A failed fetch is a failure, retried until the host answers; only the upstream's
            # own "no such article" is absent.
            self.rejects.record(share.reason if share.failed else "no_share_data", link.url, link.info_code, share.why)
            return None
        site = unlisted_post(link.info_code, share, self.site_url, link.url)  # the page it would have had
        return load_post(site, share)


def read_info_codes(given: str | None) -> list[str]:
    """The infoCodes of ``-a infocodes=``: a file (one or more a line) or a comma list;
    duplicates dropped, order kept. Raises ConfigError for anything else."""
    if not given:
        raise ConfigError("give the infoCodes to fetch: -a infocodes=<file or comma-separated list>")
    codes = _split(given)
    # A list of infoCodes is never taken for a file name: a long one is too long to stat (OSError 36).
    if not all(INFO_CODE_RE.match(code) for code in codes) and _is_file(Path(given)):
        codes = _split(Path(given).read_text(encoding="utf-8"))
    for code in codes:
        if not INFO_CODE_RE.match(code):
            raise ConfigError(f"infocodes: {code!r} is neither a file nor an infoCode")
    if not codes:
        raise ConfigError(f"infocodes: no infoCode in {given!r}")
    return list(dict.fromkeys(codes))


def _split(text: str) -> list[str]:
    return [code for code in re.split(r"[\s,]+", text) if code]


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a name too long
        return False
