"""The downloader middlewares as the crawl makes them (from_crawler, the project's settings),
each given a request or a response by hand: what they let through, change, refuse and count."""

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler

from newscrawl.archive.store import ArchiveStore
from newscrawl.extensions.rejects import RejectLog
from newscrawl.middlewares.hostmap import HostMapMiddleware
from newscrawl.middlewares.httponly import HttpOnlyMiddleware
from newscrawl.middlewares.offsite import OffsiteRequest, SiteOffsiteMiddleware
from newscrawl.middlewares.redirect import RedirectLoop, SiteRedirectMiddleware, TooManyRedirects
from newscrawl.mocksite import SITE_URL
from newscrawl.site.urls import CANONICAL_URL_KEY, INFO_CODE_KEY
from newscrawl.stats import OFFSITE_FILTERED, REFUSED_URL
from tests.components import component_crawler, open_extensions, stop_engine

POST_URL = f"{SITE_URL}/qingdaocaijingribao/2022/02/23/NW202202232285760343.html"


@pytest.fixture
def crawler(tmp_path):
    host_map = '{"finews.withounder.com": "http://127.0.0.1:8123/mirror"}'
    crawler = component_crawler(tmp_path / "output", NEWSCRAWL_HOST_MAP=host_map)
    open_extensions(crawler, RejectLog)
    yield crawler
    stop_engine(crawler)


def test_only_http_and_https_are_fetched(crawler):
    middleware = build_from_crawler(HttpOnlyMiddleware, crawler)
    assert middleware.process_request(Request(POST_URL)) is None
    for url in ("file:///etc/passwd", "ftp://example.com/x", "data:text/html,x"):
        with pytest.raises(IgnoreRequest, match="not http"):
            middleware.process_request(Request(url))
    assert crawler.stats.get_value(REFUSED_URL) == 3


def test_an_offsite_post_is_the_crawls_reject_and_an_offsite_page_only_counted(crawler):
    middleware = build_from_crawler(SiteOffsiteMiddleware, crawler)
    assert middleware.process_request(Request(POST_URL)) is None
    with pytest.raises(OffsiteRequest):
        middleware.process_request(Request("https://elsewhere.example/a.html", meta={INFO_CODE_KEY: "NW1"}))
    with pytest.raises(OffsiteRequest):
        middleware.process_request(Request("https://elsewhere.example/b.html"))
    assert crawler.stats.get_value(OFFSITE_FILTERED) == 2
    store = crawler.get_extension(ArchiveStore)
    assert [(r["info_code"], r["reason"]) for r in store.rejects()] == [("NW1", "offsite")]


def test_the_host_map_fetches_from_the_mirror_and_answers_under_the_canonical_url(crawler):
    middleware = build_from_crawler(HostMapMiddleware, crawler)
    mirrored = middleware.process_request(Request(POST_URL))
    assert mirrored.url == "http://127.0.0.1:8123/mirror/qingdaocaijingribao/2022/02/23/NW202202232285760343.html"
    assert mirrored.meta[CANONICAL_URL_KEY] == POST_URL and mirrored.dont_filter
    assert middleware.process_request(mirrored) is None, "mapped once"
    response = HtmlResponse(mirrored.url, body=b"<html></html>", request=mirrored)
    assert middleware.process_response(mirrored, response).url == POST_URL
    assert middleware.process_request(Request("https://other.example/x.html")) is None


def test_a_redirect_loop_or_a_long_chain_fails_the_request(crawler):
    middleware = build_from_crawler(SiteRedirectMiddleware, crawler)
    first = Request(f"{SITE_URL}/a.html")
    to_b = middleware.process_response(first, HtmlResponse(first.url, status=302, headers={"Location": "/b.html"}))
    assert to_b.url == f"{SITE_URL}/b.html" and to_b.dont_filter
    with pytest.raises(RedirectLoop) as loop:
        middleware.process_response(to_b, HtmlResponse(to_b.url, status=302, headers={"Location": "/a.html"}))
    assert loop.value.reject_reason == "redirect_loop"
    request = first
    with pytest.raises(TooManyRedirects):
        for hop in range(crawler.settings.getint("REDIRECT_MAX_TIMES") + 1):
            request = middleware.process_response(
                request, HtmlResponse(request.url, status=302, headers={"Location": f"/hop{hop}.html"}))
