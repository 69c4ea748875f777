"""Benchmark run (a), the ceiling: a bare Scrapy spider over the finews crawl's URLs.

It fetches what ``scrapy crawl finews -a categories=all`` fetches (the home
page, the feed, the category pages, every post they list, the share JSON of
a post whose page has no body and the eastmoney article of an ``emnews``
post) but only extracts the ``<h1>`` or JSON title: no loaders, no body
conversion, no pipelines, no archive.

It builds the mirror URLs itself with newscrawl's HostMap (a pure URL
function), so it does not pay for the HostMapMiddleware either. It runs with
Scrapy's defaults plus the crawl's concurrency, robots.txt and throttling
settings, so that (a) and (b) differ only in the work the project adds.

    python -m bench.baseline --host-map JSON [-s NAME=VALUE ...] URL [URL ...]
"""

import argparse
import json

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

import newscrawl.settings
from newscrawl.mirrors import HostMap
from newscrawl.site.urls import parse_post_url, parse_share_link

#: The project settings that shape the load on the site: (a) uses the same values as (b).
SHARED_SETTINGS = (
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "ROBOTSTXT_OBEY",
    "AUTOTHROTTLE_ENABLED",
    "DOWNLOAD_DELAY",
    "USER_AGENT",
    # Scrapy tuning, not project work: the ceiling has it too.
    "WARN_ON_GENERATOR_RETURN_VALUE",
    "CONCURRENT_ITEMS",
)


class BaselineSpider(scrapy.Spider):
    name = "baseline"

    def __init__(self, start_urls: list[str], host_map: HostMap, **kwargs):
        super().__init__(**kwargs)
        self.canonical_start_urls = start_urls
        self.host_map = host_map

    def mirror(self, url: str) -> str:
        return self.host_map.to_mirror(url) or url

    async def start(self):
        for url in self.canonical_start_urls:
            yield scrapy.Request(self.mirror(url), callback=self.parse_listing)

    def parse_listing(self, response):
        """A category page, or (for ``categories=all``) the home page or feed."""
        links = response.xpath("//section//ul/li/a/@href | //*[local-name()='entry']/*[local-name()='link']/@href")
        for href in links.getall():
            url = self.mirror(response.urljoin(href))
            if parse_post_url(url) is not None:
                yield scrapy.Request(url, callback=self.parse_post)

    def parse_post(self, response):
        title = response.xpath("//section/h1/text()").get()
        share = parse_share_link(response.xpath("//section/p/a[contains(@href, '://')]/@href").get() or "")
        if share is not None and share.kind == "eastmoney":
            yield scrapy.Request(self.mirror(share.data_url), callback=self.parse_eastmoney, dont_filter=True)
        elif share is not None and _has_no_body(response):
            yield scrapy.Request(self.mirror(share.data_url), callback=self.parse_share_json, dont_filter=True)
        else:
            yield {"title": title}

    def parse_share_json(self, response):
        yield {"title": json.loads(response.text).get("title")}

    def parse_eastmoney(self, response):
        yield {"title": response.xpath("//div[@class='newsContent']/h1/text()").get()}


def _has_no_body(response) -> bool:
    """The paragraph right after the post's <h1> is already the share link."""
    first = response.xpath("//section/h1/following-sibling::*[1]")
    return bool(first.xpath("self::p/a[contains(@href, 'NewsShare.html')]"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__.split("\n")[0])
    parser.add_argument("--host-map", required=True, help="NEWSCRAWL_HOST_MAP JSON")
    parser.add_argument("-s", dest="overrides", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("start_urls", nargs="+", metavar="URL", help="canonical start URLs")
    args = parser.parse_args(argv)

    project = Settings()
    project.setmodule(newscrawl.settings)
    settings = {name: project[name] for name in SHARED_SETTINGS}
    settings.update({"TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "INFO"})
    settings.update(override.split("=", 1) for override in args.overrides)

    process = CrawlerProcess(settings, install_root_handler=True)
    process.crawl(BaselineSpider, start_urls=args.start_urls, host_map=HostMap.from_json(args.host_map))
    process.start()


if __name__ == "__main__":
    main()
