"""The page reader's worker process: the same post as on the event loop; a worker that dies fails
its pages with a PageError (no hang), and the next page gets a new worker; closing stops it."""

import asyncio
import os
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred

from newscrawl.site.reader import PageReader, ReaderCrashed
from newscrawl.site.fetched import UpstreamPost

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


async def _read_and_load(reader: PageReader):
    site = await reader.post_page(PAGE.read_text(encoding="utf-8"), URL, "NW202202232285760343", None)
    site.category = "qingdaocaijingribao"
    upstream = UpstreamPost(title="标题", time_text="2022-02-23 10:00:00", body_html="<p>正文，比页面的更长。</p>" * 500)
    return site, await reader.post(site, None), await reader.post(site, upstream)


@pytest_twisted.ensureDeferred
async def test_a_worker_reads_and_loads_as_the_event_loop_does():
    here, there = PageReader(_Crawler(), workers=0), PageReader(_Crawler(), workers=1)
    try:
        expected = await in_asyncio(_read_and_load(here))
        assert await in_asyncio(_read_and_load(there)) == expected
        assert expected[0].body.markdown and expected[1]["body"] != expected[2]["body"]
        assert there.workers[0].process.pid != os.getpid()
    finally:
        there.close()


@pytest_twisted.ensureDeferred
async def test_a_worker_that_dies_fails_its_pages_and_is_replaced():
    crawler = _Crawler()
    crawler.stats = _Stats()
    reader = PageReader(crawler, workers=1)
    try:
        dying = in_asyncio(reader._run(os._exit, 3))
        waiting = in_asyncio(reader.post_page("<html></html>", URL, "NW202202232285760343", None))
        for call in (dying, waiting):
            with pytest.raises(ReaderCrashed, match="exit status 3"):
                await call
        assert crawler.stats.values == {"newscrawl/reader_crashed": 1}
        site, *_ = await in_asyncio(_read_and_load(reader))
        assert site.title
    finally:
        reader.close()


@pytest_twisted.ensureDeferred
async def test_closing_stops_the_worker():
    reader = PageReader(_Crawler(), workers=1)
    await in_asyncio(_read_and_load(reader))
    process = reader.workers[0].process
    reader.close()
    assert process.exitcode == 0 and reader.workers == [None]
