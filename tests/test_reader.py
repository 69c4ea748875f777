"""The parse workers (NEWSCRAWL_PARSE_WORKERS): the same post as on the event loop; a worker that dies
fails its pages with a PageError (no hang), and the next page gets new workers; closing stops them."""

import asyncio
import os
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred

from newscrawl.loading.parse_workers import ParseWorkers, ReaderCrashed
from newscrawl.site.fetched import UpstreamPost

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

SAMPLES = Path(__file__).parent / "fixtures" / "site-samples" / "site"
PAGE = SAMPLES / "post-qingdaocaijingribao-NW202202232285760343.html"
URL = "https://finews.withounder.com/qingdaocaijingribao/2022/02/23/NW202202232285760343.html"


class _Stats:
    def __init__(self):
        self.values = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


class _Crawler:
    stats = _Stats()


def in_asyncio(coroutine) -> Deferred:
    """A coroutine that awaits asyncio futures, run on the reactor's asyncio loop."""
    return Deferred.fromFuture(asyncio.ensure_future(coroutine))


async def _read_and_load(reader: ParseWorkers):
    site = await reader.read_post_page(PAGE.read_text(encoding="utf-8"), URL, "NW202202232285760343", None)
    site.category = "qingdaocaijingribao"
    upstream = UpstreamPost(title="标题", time_text="2022-02-23 10:00:00", body_html="<p>正文，比页面的更长。</p>" * 500)
    return site, await reader.load_post(site, None), await reader.load_post(site, upstream)


@pytest_twisted.ensureDeferred
async def test_a_worker_reads_and_loads_as_the_event_loop_does():
    here, there = ParseWorkers(_Crawler(), workers=0), ParseWorkers(_Crawler(), workers=1)
    try:
        expected = await in_asyncio(_read_and_load(here))
        assert await in_asyncio(_read_and_load(there)) == expected
        assert expected[0].body.markdown and expected[1]["body"] != expected[2]["body"]
        assert await in_asyncio(there._run(os.getpid)) != os.getpid()
    finally:
        there.close()


@pytest_twisted.ensureDeferred
async def test_a_worker_that_dies_fails_its_pages_and_is_replaced():
    crawler = _Crawler()
    crawler.stats = _Stats()
    reader = ParseWorkers(crawler, workers=1)
    try:
        dying = in_asyncio(reader._run(os._exit, 3))
        waiting = in_asyncio(reader.read_post_page("<html></html>", URL, "NW202202232285760343", None))
        for call in (dying, waiting):
            with pytest.raises(ReaderCrashed, match="died"):
                await call
        assert crawler.stats.values == {"newscrawl/reader_crashed": 1}
        site, *_ = await in_asyncio(_read_and_load(reader))
        assert site.title
    finally:
        reader.close()


@pytest_twisted.ensureDeferred
async def test_closing_stops_the_worker():
    reader = ParseWorkers(_Crawler(), workers=1)
    await in_asyncio(_read_and_load(reader))
    worker = await in_asyncio(reader._run(os.getpid))
    reader.close()
    assert reader.pool is None
    with pytest.raises(ProcessLookupError):  # exited, and waited for
        os.kill(worker, 0)


@pytest.mark.parametrize("value, spider_auto, workers", [
    ("auto", 0, 0),  # a crawl: on the event loop
    ("auto", 1, 1),  # the source import on two cores or more
    ("0", 1, 0),
    ("2", 1, 2),
])
def test_auto_parse_workers_are_what_the_spider_asks_for_and_a_number_wins(value, spider_auto, workers):
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(settings_dict={"NEWSCRAWL_PARSE_WORKERS": value})
    assert ParseWorkers.from_crawler(crawler, auto=spider_auto).workers == workers


@pytest.mark.parametrize("cores, workers", [(1, 0), (2, 1), (8, 1)])
def test_the_source_import_asks_for_one_worker_when_it_has_a_core_to_spare(monkeypatch, tmp_path, cores, workers):
    from scrapy.utils.test import get_crawler

    from spiders.source import SourceSpider

    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    crawler = get_crawler(SourceSpider, settings_dict={"NEWSCRAWL_OUTPUT_DIR": str(tmp_path / "out")})
    spider = SourceSpider.from_crawler(crawler, path=str(tmp_path))
    assert spider.parse_workers.workers == workers
