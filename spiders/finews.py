"""The finews crawl: category pages -> post pages -> share data -> items."""

import logging
from datetime import date
from functools import cached_property

import scrapy
from parsel import Selector
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import TextResponse

from newscrawl.archive.store import ArchiveStore
from newscrawl.config import check_spider_arguments
from newscrawl.errors import ConfigError
from newscrawl.extensions.listings import listing_read
from newscrawl.extensions.rejects import RejectLog
from newscrawl.failures import failure_reason
from newscrawl.items import PostItem
from newscrawl.loading.loaders import load_post
from newscrawl.middlewares.hostmap import CANONICAL_URL_KEY
from newscrawl.share.data import ShareData, Unavailable
from newscrawl.site.discovery import FoundPost, category_from_tags, read_feed, read_home_page
from newscrawl.site.pages import IncompletePageError, PageError, read_post_page
from newscrawl.site.records import SitePost, UpstreamPost
from newscrawl.site.urls import category_url, parse_post_url, parse_share_link
from newscrawl.work import WORK_KEY, page_listed, page_work, post_work


ALL = "all"


class FinewsSpider(scrapy.Spider):
    """``scrapy crawl finews -a categories=slug1,slug2`` (or ``categories=all``).

    Follows every post a category page lists, unless its infoCode (read
    from the post URL) is already archived or its URL date is outside the
    ``since``/``until`` window. A post whose page has no body, or only an
    emnews digest, is completed from its share data (the share JSON or
    rendered share page, as NEWSCRAWL_SHARE says; the eastmoney article for
    a digest). ``categories=all`` discovers the categories from the home
    page, the feed and the back links of posts. ``refresh=1`` fetches and
    rewrites archived posts too.
    """

    name = "finews"
    default_categories: tuple[str, ...] = ()
    arguments = ("categories", "since", "until", "refresh")  # the -a it takes

    def __init__(self, *args, categories: str | None = None, since: str | None = None, until: str | None = None,
                 refresh: str | None = None, **kwargs):
        check_spider_arguments(self.name, kwargs, self.arguments)
        super().__init__(*args, **kwargs)
        self.run_args = {k: v for k, v in dict(categories=categories, since=since, until=until, refresh=refresh).items() if v}
        if categories:
            self.categories = [slug.strip() for slug in categories.split(",") if slug.strip()]
        else:
            self.categories = list(self.default_categories)
        self.discover_all = ALL in self.categories
        self.since = _parse_day("since", since)
        self.until = _parse_day("until", until)
        if self.since and self.until and self.since > self.until:
            raise ConfigError(f"-a since={since} is after -a until={until}")
        self.refresh = refresh not in (None, "", "0", "false", "no")
        self.seen: set[str] = set()  # infoCodes of every post link met, each handled once

    @classmethod
    def check_crawl_arguments(cls, categories: str | None = None, **others) -> None:
        """What ``scrapy crawl`` needs that ``scrapy parse`` does not: something to crawl."""
        check_spider_arguments(cls.name, others, cls.arguments)
        if not (categories or "").strip(", ") and not cls.default_categories:
            raise ConfigError("nothing to crawl: give -a categories=slug1,slug2 (or all)")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.site_url = crawler.settings.get("NEWSCRAWL_SITE_URL").rstrip("/")
        spider.share = ShareData(crawler)
        return spider

    # Extensions exist only once the crawl starts; ``scrapy parse`` replaces start().
    @cached_property
    def store(self) -> ArchiveStore:
        return self.crawler.get_extension(ArchiveStore)

    @cached_property
    def rejects(self) -> RejectLog:
        return self.crawler.get_extension(RejectLog)

    async def start(self):
        if not self.categories:
            self.logger.error("Nothing to crawl: give -a categories=slug1,slug2 (or all)")
            return
        if self.discover_all:
            for url, callback in [(f"{self.site_url}/", self.parse_home), (f"{self.site_url}/feed.xml", self.parse_feed)]:
                yield scrapy.Request(url, callback=callback, errback=self.discovery_failed, meta={WORK_KEY: page_work(url)})
        for slug in self.categories:
            if slug != ALL:
                yield self.category_request(slug)

    # --- Discovery -----------------------------------------------------------

    def category_request(self, slug: str, guessed: bool = False) -> scrapy.Request:
        url = category_url(self.site_url, slug)
        return scrapy.Request(
            url,
            callback=self.parse_category,
            errback=self.guessed_category_failed if guessed else self.category_failed,
            cb_kwargs={"category": slug},
            meta={WORK_KEY: page_work(url)},
        )

    def post_request(self, url: str, category: str | None, exact: bool = True) -> scrapy.Request | None:
        """The request for a listed post, or None if it is archived or outside the window."""
        ref = parse_post_url(url)
        if ref is None:
            self.logger.debug("Not a post link: %s", url)
            return None
        if ref.info_code in self.seen:
            return None
        self.seen.add(ref.info_code)
        stats = self.crawler.stats
        if (self.since and ref.date < self.since) or (self.until and ref.date > self.until):
            stats.inc_value("newscrawl/skipped_window")
            return None
        if not self.refresh and self.store.is_archived(ref.info_code):
            stats.inc_value("newscrawl/skipped_archived")
            return None
        if not self.refresh and self.rejects.given_up(ref.info_code):
            stats.inc_value("newscrawl/skipped_given_up")
            return None
        stats.inc_value("newscrawl/post_requests")
        return scrapy.Request(
            ref.url,
            callback=self.parse_post,
            errback=self.post_failed,
            cb_kwargs={"category": category, "info_code": ref.info_code, "exact": exact},
            meta={WORK_KEY: post_work(ref.info_code)},
        )

    def listed(self, page: scrapy.Request, requests: list[scrapy.Request]) -> list[scrapy.Request]:
        """What a listing page leads to, announced all at once before the first is yielded.

        A worker taking over the page's work (newscrawl.scaleout) then knows of all of it.
        """
        self.crawler.signals.send_catch_log(page_listed, work=page.meta.get(WORK_KEY), requests=requests)
        return requests

    def parse_category(self, response, category: str):
        links = response.xpath("//section//ul/li/a/@href").getall()
        self.crawler.stats.inc_value("newscrawl/listed", len(links))
        self.crawler.signals.send_catch_log(listing_read, url=response.url, posts=len(links),
                                            required=category in self.categories)
        requests = [self.post_request(response.urljoin(href), category) for href in links]
        yield from self.listed(response.request, [r for r in requests if r])

    def parse_home(self, response):
        yield from self._follow_found(response, read_home_page(Selector(text=response.text), response.url))

    def parse_feed(self, response):
        yield from self._follow_found(response, read_feed(response.text))

    def _follow_found(self, response, found: list[FoundPost]):
        """Posts found outside their category page, and the category pages they point to."""
        self.crawler.signals.send_catch_log(listing_read, url=response.url, posts=len(found), required=True)
        posts = [self.post_request(post.url, post.category, post.exact) for post in found]
        categories = [
            self.category_request(slug, guessed=not any(p.exact for p in found if p.category == slug))
            for slug in sorted({post.category for post in found})
        ]
        yield from self.listed(response.request, [r for r in posts if r] + categories)

    def category_failed(self, failure):
        self.crawler.stats.inc_value("newscrawl/request_failed")
        self.logger.error("Category page %s failed: %s", failure.request.url, failure_reason(failure))
        self.listed(failure.request, [])

    def guessed_category_failed(self, failure):
        self.logger.info("No category page at %s (%s); its posts come from other links", failure.request.url, failure_reason(failure))
        self.listed(failure.request, [])

    def discovery_failed(self, failure):
        self.crawler.stats.inc_value("newscrawl/request_failed")
        self.logger.error("Discovery page %s failed: %s", failure.request.url, failure_reason(failure))
        self.listed(failure.request, [])

    # --- Post pages ----------------------------------------------------------

    async def parse_post(self, response, category: str | None = None, info_code: str | None = None, exact: bool = True):
        """A post page, then its share data if the page lacks the body, then the post (or its reject).

        Given the page alone (``scrapy parse <post url> --spider finews --callback parse_post``),
        it reads the infoCode from the URL and the category from the page.
        """
        if info_code is None:
            if (ref := parse_post_url(response.url)) is None:
                self.logger.error("Not a post URL: %s", response.url)
                return
            info_code, exact = ref.info_code, category is not None
        if not isinstance(response, TextResponse):
            self.rejects.record("unreadable_post_page", response.url, info_code, "not a text page")
            return
        try:
            site = read_post_page(Selector(text=response.text), response.url, info_code, category)
        except PageError as exc:
            # Often a page cut short or a proxy's error page: fetch it again, then give up.
            if retry := get_retry_request(response.request, spider=self, reason=str(exc), give_up_log_level=logging.INFO):
                yield retry
            else:
                self.crawler.stats.inc_value("newscrawl/request_failed")
                reason = "incomplete_post_page" if isinstance(exc, IncompletePageError) else "unreadable_post_page"
                self.rejects.record(reason, response.url, info_code, str(exc))
            return
        if not exact:
            site.category = site.linked_category or category_from_tags(site.url, site.tags) or category
        if self.discover_all and site.linked_category:
            yield self.category_request(site.linked_category, guessed=True)
        link = parse_share_link(site.share_url) if site.share_url else None
        needs_share_data = not site.body.text_length or site.is_digest
        share = await self.share.fetch(link) if link and needs_share_data else None
        if post := self.finish(site, share):
            yield post

    def post_failed(self, failure):
        self.crawler.stats.inc_value("newscrawl/request_failed")
        request = failure.request
        url = request.meta.get(CANONICAL_URL_KEY, request.url)
        post = parse_post_url(url)  # None after a redirect elsewhere
        self.rejects.record("fetch_failed", url, post.info_code if post else None, failure_reason(failure))

    def finish(self, site: SitePost, share: UpstreamPost | Unavailable | None) -> PostItem | None:
        """The post, from the site and its share data; None (a reject) when neither has a body."""
        upstream = share if isinstance(share, UpstreamPost) else None
        if upstream is not None:
            self.crawler.stats.inc_value("newscrawl/share_used")
        elif not site.body.text_length:
            self.rejects.record("no_body", site.url, site.info_code, share.why if share else "")
            return None
        return load_post(site, upstream)


def _parse_day(name: str, value: str | None) -> date | None:
    """A window bound: an inclusive Asia/Shanghai day, YYYY-MM-DD."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"-a {name}={value} is not a date (YYYY-MM-DD)") from None
