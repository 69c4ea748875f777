"""The finews crawl: category pages -> post pages -> share data -> items."""

import logging
from functools import cached_property

import scrapy
from parsel import Selector
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy_spider_metadata import Args

from newscrawl.archive.store import ArchiveIndex, ArchiveStore
from newscrawl.completion import PostCompleter
from newscrawl.errors import ConfigError
from newscrawl.extensions.listings import listing_read
from newscrawl.extensions.rejects import RejectLog
from newscrawl.failures import failure_reason, reject_reason
from newscrawl.loading.parse_workers import ParseWorkers
from newscrawl.setting_registry import setting
from newscrawl.sharedata.data import ShareData
from newscrawl.site.discovery import FoundPost, category_from_link, category_from_tags, read_feed, read_home_page
from newscrawl.site.fetched import SitePost
from newscrawl.site.pages import IncompletePageError, PageError
from newscrawl.site.urls import (
    INFO_CODE_KEY,
    canonical_url,
    category_url,
    parse_post_url,
)
from newscrawl.spider_arguments import CrawlArguments, argument, check_arguments
from newscrawl.stats import (
    LISTED,
    POST_REQUESTS,
    REQUEST_FAILED,
    SKIPPED_ARCHIVED,
    SKIPPED_GIVEN_UP,
    SKIPPED_WINDOW,
)


ALL = "all"


class FinewsArguments(CrawlArguments):
    categories: str | None = argument(
        "the category slugs to crawl, comma-separated, or `all` (every category, found from the home page, the "
        "feed and the pages posts link); a named crawl has its own by default", "SLUG,...", None)


class FinewsSpider(Args[FinewsArguments], scrapy.Spider):
    """``scrapy crawl finews -a categories=slug1,slug2`` (or ``categories=all``).

    Follows every post a category page lists, unless its infoCode (read
    from the post URL) is already archived or its URL date is outside the
    ``since``/``until`` window. A post whose page has no body, or only an
    emnews digest, or no title or date, is completed from its share data
    (the share JSON or rendered share page, as NEWSCRAWL_SHARE says; the
    eastmoney article for a digest). ``categories=all`` discovers the
    categories from the home page, the feed and the pages posts link (see
    newscrawl.site.discovery). ``refresh=1`` fetches and rewrites archived
    posts too.
    """

    name = "finews"
    #: scrapy-spider-metadata's: for ``scrapy crawl -h``, docs/settings.md and tools that list spiders.
    metadata = {"title": "finews", "description": "crawl the category pages -a categories names (or every "
                "category) and archive the posts they list that are not archived yet, completing from its share "
                "data a post whose page lacks its body, title or date"}
    default_categories: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        check_arguments(type(self), kwargs)  # one line for a bad one (Args would log a block, then raise)
        super().__init__(*args, **kwargs)
        self.run_args = self.args.given(kwargs)
        if self.args.categories:
            self.categories = [slug.strip() for slug in self.args.categories.split(",") if slug.strip()]
        else:
            self.categories = list(self.default_categories)
        self.discover_all = ALL in self.categories
        self.since, self.until, self.refresh = self.args.since, self.args.until, self.args.refresh
        # infoCodes of the post links met in this pass over the listings, each handled once
        # (a shared run's sweep is another pass: newscrawl.scaleout.sweep empties it).
        self.seen: set[str] = set()
        self.named_slugs: set[str] = set()  # slugs something named exactly (see discovery)
        self.slugs_asked: set[str] = set()  # category pages post pages asked for (settle_category)

    @classmethod
    def check_crawl_arguments(cls, categories: str | None = None, **others) -> None:
        """What ``scrapy crawl`` needs that ``scrapy parse`` does not: something to crawl."""
        if not (categories or "").strip(", ") and not cls.default_categories:
            raise ConfigError("nothing to crawl: give -a categories=slug1,slug2 (or all)")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.site_url = setting(crawler.settings, "NEWSCRAWL_SITE_URL").rstrip("/")
        spider.share = ShareData(crawler)
        spider.parse_workers = ParseWorkers.from_crawler(crawler)
        spider.completer = PostCompleter(crawler, spider.share, spider.parse_workers)
        return spider

    # Extensions exist only once the crawl starts; ``scrapy parse`` replaces start().
    @cached_property
    def store(self) -> ArchiveIndex:
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
                yield scrapy.Request(url, callback=callback, errback=self.discovery_failed)
        for slug in self.categories:
            if slug != ALL:
                yield self.category_request(slug, expected=True)

    # --- Discovery -----------------------------------------------------------

    def category_request(self, slug: str, expected: bool, waiting: tuple[str, ...] = ()) -> scrapy.Request:
        """The request for a category page (the dupefilter drops a second one).

        ``expected``: something names the slug exactly, so the page's failure is
        an error; a candidate slug or a page a post links may well be missing.
        ``waiting``: the URLs of posts whose slug the page answering confirms.
        (Dropped as a duplicate, the request was made before: that page lists them.)
        """
        url = category_url(self.site_url, slug)
        return scrapy.Request(
            url,
            callback=self.parse_category,
            errback=self.category_failed if expected else self.unexpected_category_failed,
            cb_kwargs={"category": slug, "waiting": waiting},
        )

    def post_request(self, url: str, category: str | None) -> scrapy.Request | None:
        """The request for a found post, or None if it is archived, outside the
        window or met before. ``category`` None: the post page settles it."""
        ref = parse_post_url(url)
        if ref is None:
            self.logger.debug("Not a post link: %s", url)
            return None
        if ref.info_code in self.seen:
            return None
        self.seen.add(ref.info_code)
        stats = self.crawler.stats
        if (self.since and ref.date < self.since) or (self.until and ref.date > self.until):
            stats.inc_value(SKIPPED_WINDOW)
            return None
        if not self.refresh and self.store.is_archived(ref.info_code):
            stats.inc_value(SKIPPED_ARCHIVED)
            return None
        if not self.refresh and self.rejects.given_up(ref.info_code):
            stats.inc_value(SKIPPED_GIVEN_UP)
            return None
        stats.inc_value(POST_REQUESTS)
        return scrapy.Request(
            ref.url,
            callback=self.parse_post,
            errback=self.post_failed,
            cb_kwargs={"category": category, "info_code": ref.info_code},
            meta={INFO_CODE_KEY: ref.info_code},
        )

    def parse_category(self, response, category: str, waiting: tuple[str, ...] = ()):
        urls = [url for url in map(response.urljoin, response.xpath("//section//ul/li/a/@href").getall())
                if parse_post_url(url)]
        self.crawler.stats.inc_value(LISTED, len(urls))
        self.crawler.signals.send_catch_log(listing_read, url=response.url, posts=len(urls),
                                            required=category in self.categories)
        # The page answering confirms the slug of the posts that waited for it. One request
        # at a time: a page listing thousands of posts never holds them all (the scheduler's
        # queue is on disk, newscrawl.spilling_scheduler).
        for url in [*urls, *waiting]:
            if request := self.post_request(url, category):
                yield request

    def parse_home(self, response):
        yield from self._follow_found(response, read_home_page(Selector(text=response.text), response.url))

    def parse_feed(self, response):
        yield from self._follow_found(response, read_feed(response.text))

    def _follow_found(self, response, found: list[FoundPost]):
        """Posts found outside their category page, and the category pages they lead to.

        A post whose slug nothing names exactly waits for the category page
        of its URL's segments (it travels in that page's request): if the
        page answers, that is its slug; if not, the post page settles it.
        """
        self.crawler.signals.send_catch_log(listing_read, url=response.url, posts=len(found), required=True)
        requests, waiting = [], {}
        for post in found:
            if post.category:
                self.named_slugs.add(post.category)
                requests += [self.category_request(post.category, expected=True),
                             self.post_request(post.url, post.category)]
            elif post.candidate in self.named_slugs:
                requests.append(self.post_request(post.url, post.candidate))
            else:
                waiting.setdefault(post.candidate, []).append(post.url)
        for slug, urls in waiting.items():
            requests.append(self.category_request(slug, expected=False, waiting=tuple(urls)))
        yield from filter(None, requests)

    def settle_category(self, site: SitePost) -> list[scrapy.Request]:
        """A post page found outside a listing names its own slug (back link, tags);
        the category pages a post names are asked for too, each once.

        (Nearly every post names a page asked for already. The dupefilter would
        drop the request, but only once it had passed the spider middlewares
        and the scheduler and been fingerprinted: a request a post, for nothing.)
        """
        named = [category_from_link(site.url, site.linked_category), category_from_tags(site.url, site.tags)]
        site.category = site.category or next(filter(None, named), None)
        if not self.discover_all:
            return []
        self.named_slugs.update(filter(None, named))
        slugs = {slug for slug in [site.linked_category, *named] if slug} - self.slugs_asked
        self.slugs_asked.update(slugs)
        return [self.category_request(slug, expected=False) for slug in sorted(slugs)]

    def category_failed(self, failure):
        self.crawler.stats.inc_value(REQUEST_FAILED)
        self.logger.error("Category page %s failed: %s", failure.request.url, failure_reason(failure))
        yield from self._posts_still_waiting(failure)

    def unexpected_category_failed(self, failure):
        """A 404 says only that the slug was a wrong guess; anything else is a failure."""
        if failure.check(HttpError) and failure.value.response.status == 404:
            self.logger.info("No category page at %s; its posts come from other links", failure.request.url)
        else:
            self.crawler.stats.inc_value(REQUEST_FAILED)
            self.logger.warning("Category page %s failed: %s; its posts come from other links", failure.request.url,
                                failure_reason(failure))
        yield from self._posts_still_waiting(failure)

    def _posts_still_waiting(self, failure):
        """The posts that waited for a page that did not answer settle their slug on their own pages."""
        waiting = failure.request.cb_kwargs["waiting"]
        yield from filter(None, (self.post_request(url, None) for url in waiting))

    def discovery_failed(self, failure):
        self.crawler.stats.inc_value(REQUEST_FAILED)
        self.logger.error("Discovery page %s failed: %s", failure.request.url, failure_reason(failure))

    # --- Post pages ----------------------------------------------------------

    async def parse_post(self, response, category: str | None = None, info_code: str | None = None):
        """A post page, then its share data if the page lacks the body, then the post (or its reject).

        Given the page alone (``scrapy parse <post url> --spider finews --callback parse_post``),
        it reads the infoCode from the URL and the category from the page.
        """
        if info_code is None:
            if (ref := parse_post_url(response.url)) is None:
                self.logger.error("Not a post URL: %s", response.url)
                return
            info_code = ref.info_code
        elif (ref := parse_post_url(response.url)) and ref.info_code != info_code:
            # Redirected to another post's page: it is not this post (and that post is read from its own link).
            self.crawler.stats.inc_value(REQUEST_FAILED)
            self.rejects.record("redirected_to_other_post", canonical_url(response.request), info_code,
                                f"redirected to {response.url}")
            return
        if not isinstance(response, TextResponse):
            self.rejects.record("unreadable_post_page", response.url, info_code, "not a text page")
            return
        try:
            site = await self.parse_workers.read_post_page(response.text, response.url, info_code, category)
        except PageError as exc:
            # Often a page cut short or a proxy's error page: fetch it again, then give up.
            if retry := get_retry_request(response.request, spider=self, reason=str(exc), give_up_log_level=logging.INFO):
                yield retry
            else:
                self.crawler.stats.inc_value(REQUEST_FAILED)
                reason = "incomplete_post_page" if isinstance(exc, IncompletePageError) else "unreadable_post_page"
                self.rejects.record(reason, response.url, info_code, str(exc))
            return
        for request in self.settle_category(site):
            yield request
        if site.category is None:
            self.rejects.record("unknown_category", site.url, info_code,
                                "no category page lists it, and neither its back link nor its tags name one")
            return
        if post := await self.completer.complete(site):
            yield post

    def post_failed(self, failure):
        self.crawler.stats.inc_value(REQUEST_FAILED)
        url = canonical_url(failure.request)  # the first of its redirects
        info_code = failure.request.meta.get(INFO_CODE_KEY) or getattr(parse_post_url(url), "info_code", None)
        self.rejects.record(reject_reason(failure.value), url, info_code, failure_reason(failure))
