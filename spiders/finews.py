"""The finews crawl: category pages -> post pages -> share data -> items."""

import scrapy
from parsel import Selector
from scrapy.spidermiddlewares.httperror import HttpError

from newscrawl.loaders import SitePost, UpstreamPost, load_post
from newscrawl.pages import PageError, read_eastmoney_article, read_post_page, read_share_json
from newscrawl.rejects import RejectLog
from newscrawl.store import ArchiveStore
from newscrawl.urls import category_url, parse_post_url, parse_share_link


class FinewsSpider(scrapy.Spider):
    """``scrapy crawl finews -a categories=slug1,slug2``.

    Follows every post a category page lists, unless its infoCode (read
    from the post URL) is already archived. A post whose page has no body,
    or only an emnews digest, is completed from its share data.
    """

    name = "finews"
    default_categories: tuple[str, ...] = ()

    def __init__(self, *args, categories: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if categories:
            self.categories = [slug.strip() for slug in categories.split(",") if slug.strip()]
        else:
            self.categories = list(self.default_categories)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.site_url = crawler.settings.get("NEWSCRAWL_SITE_URL")
        return spider

    async def start(self):
        # Extensions exist only once the crawl starts.
        self.store = self.crawler.get_extension(ArchiveStore)
        self.rejects = self.crawler.get_extension(RejectLog)
        if not self.categories:
            self.logger.error("Nothing to crawl: give -a categories=slug1,slug2")
            return
        for slug in self.categories:
            yield scrapy.Request(
                category_url(self.site_url, slug),
                callback=self.parse_category,
                errback=self.category_failed,
                cb_kwargs={"category": slug},
            )

    # --- Category pages ----------------------------------------------------

    def parse_category(self, response, category: str):
        links = response.xpath("//section//ul/li/a/@href").getall()
        self.crawler.stats.inc_value("newscrawl/listed", len(links))
        for href in links:
            ref = parse_post_url(response.urljoin(href))
            if ref is None:
                self.logger.debug("Not a post link on %s: %s", response.url, href)
                continue
            if self.store.is_archived(ref.info_code):
                self.crawler.stats.inc_value("newscrawl/skipped_archived")
                continue
            yield scrapy.Request(
                ref.url,
                callback=self.parse_post,
                errback=self.post_failed,
                cb_kwargs={"category": category, "info_code": ref.info_code},
            )

    def category_failed(self, failure):
        self.crawler.stats.inc_value("newscrawl/request_failed")
        self.logger.error("Category page %s failed: %s", failure.request.url, _reason(failure))

    # --- Post pages ----------------------------------------------------------

    def parse_post(self, response, category: str, info_code: str):
        try:
            site = read_post_page(Selector(text=response.text), response.url, info_code, category)
        except (PageError, AttributeError) as exc:
            self.rejects.record("unreadable_post_page", response.url, info_code, str(exc))
            return
        share = parse_share_link(site.share_url) if site.share_url else None
        if share is None or (site.body.text_length and not site.is_digest):
            yield from self.finish(site, None)
            return
        callback = self.parse_eastmoney if share.kind == "eastmoney" else self.parse_share_json
        yield scrapy.Request(
            share.data_url,
            callback=callback,
            errback=self.share_failed,
            cb_kwargs={"site": site},
            # Several posts never share one data URL, but a refetch must not be filtered.
            dont_filter=True,
        )

    def post_failed(self, failure):
        self.crawler.stats.inc_value("newscrawl/request_failed")
        info_code = failure.request.cb_kwargs.get("info_code")
        self.rejects.record("fetch_failed", failure.request.url, info_code, _reason(failure))

    # --- Share data ----------------------------------------------------------

    def parse_share_json(self, response, site: SitePost):
        try:
            upstream = read_share_json(response.text)
        except (PageError, AttributeError) as exc:
            self.logger.warning("Share data for %s unusable: %s", site.info_code, exc)
            upstream = None
        yield from self.finish(site, upstream)

    def parse_eastmoney(self, response, site: SitePost):
        try:
            upstream = read_eastmoney_article(Selector(text=response.text))
        except AttributeError:
            upstream = None
        if upstream is None:
            self.logger.warning("eastmoney article for %s has no article body: %s", site.info_code, response.url)
        yield from self.finish(site, upstream)

    def share_failed(self, failure):
        site = failure.request.cb_kwargs["site"]
        self.crawler.stats.inc_value("newscrawl/request_failed")
        self.logger.warning("Share data for %s unavailable: %s", site.info_code, _reason(failure))
        self.crawler.stats.inc_value("newscrawl/share_unavailable")
        yield from self.finish(site, None)

    def finish(self, site: SitePost, upstream: UpstreamPost | None):
        """Yield the post, or reject it when neither the site nor upstream has a body."""
        if upstream is not None:
            self.crawler.stats.inc_value("newscrawl/share_used")
        if not site.body.text_length and upstream is None:
            self.rejects.record("no_body", site.url, site.info_code)
            return
        yield load_post(site, upstream)


def _reason(failure) -> str:
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"
