"""The item pipelines as the crawl makes them (from_crawler, on the crawl's own store and
reject log): validate, claim (the first half of a post's write), write (the second)."""

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler

from newscrawl.archive.postfile import render_post
from newscrawl.archive.sqlite_store import SqliteArchiveStore
from newscrawl.archive.store import ArchiveStore
from newscrawl.extensions.rejects import RejectLog
from newscrawl.mocksite import SITE_URL
from newscrawl.pipelines.claim import ClaimPostPipeline
from newscrawl.pipelines.markdown import MarkdownWriterPipeline
from newscrawl.pipelines.validate import ValidatePostPipeline
from newscrawl.spiders.finews import FinewsSpider
from newscrawl.stats import DUPLICATE, REJECTED_PREFIX, WRITTEN
from tests.components import component_crawler, open_extensions, stop_engine
from tests.conftest import post_item


@pytest.fixture
def crawler(tmp_path):
    crawler = component_crawler(tmp_path / "output", FinewsSpider, NEWSCRAWL_SYNC_BATCH=2)
    open_extensions(crawler, RejectLog)
    yield crawler
    stop_engine(crawler)


def _pipelines(crawler):
    """The project's ITEM_PIPELINES, in their order, as Scrapy builds them."""
    classes = (ValidatePostPipeline, ClaimPostPipeline, MarkdownWriterPipeline)
    return [build_from_crawler(cls, crawler) for cls in classes]


def _through(pipelines, item):
    for pipeline in pipelines:
        item = pipeline.process_item(item)
    return item


def test_the_pipelines_share_the_crawls_store_and_write_each_post_once(crawler, tmp_path):
    store = crawler.get_extension(ArchiveStore)
    assert isinstance(store, SqliteArchiveStore)
    pipelines = _pipelines(crawler)
    writer = pipelines[-1]
    writer.open_spider()
    first, second = post_item("NW1"), post_item("NW2")
    _through(pipelines, first)
    with pytest.raises(DropItem, match="duplicate NW1"):
        _through(pipelines, post_item("NW1"))  # claimed: the writer holds it
    _through(pipelines, second)  # the second of a batch of 2: both put in place
    writer.close_spider()

    posts = tmp_path / "output" / "_posts"
    assert sorted(path.name for path in posts.iterdir()) == ["2022-02-23-NW1.md", "2022-02-23-NW2.md"]
    assert (posts / "2022-02-23-NW1.md").read_text(encoding="utf-8") == render_post(first, SITE_URL)
    assert store.archived_path("NW1") == str(posts / "2022-02-23-NW1.md")
    assert crawler.stats.get_value(WRITTEN) == 2 and crawler.stats.get_value(DUPLICATE) == 1
    with pytest.raises(DropItem):
        _through(_pipelines(crawler), post_item("NW1"))  # archived: refused


def test_a_refresh_claims_an_archived_post_once(crawler, tmp_path):
    store = crawler.get_extension(ArchiveStore)
    path = tmp_path / "NW1.md"
    path.write_text("---\n", encoding="utf-8")
    store.mark_archived("NW1", str(path), f"{SITE_URL}/a.html")
    crawler.spider.refresh = True
    claim = build_from_crawler(ClaimPostPipeline, crawler)
    assert claim.process_item(post_item("NW1"))["info_code"] == "NW1"
    with pytest.raises(DropItem):
        claim.process_item(post_item("NW1"))


def test_an_invalid_post_is_the_crawls_reject_and_never_claimed(crawler):
    pipelines = _pipelines(crawler)
    with pytest.raises(DropItem):
        _through(pipelines, post_item("NW1", title=None))
    store = crawler.get_extension(ArchiveStore)
    assert [(r["info_code"], r["reason"]) for r in store.rejects()] == [("NW1", "missing_title")]
    assert crawler.stats.get_value(REJECTED_PREFIX + "missing_title") == 1
    assert pipelines[1].process_item(post_item("NW1")), "the claim is still free"


def test_a_post_that_cannot_be_rendered_gives_its_claim_back(crawler):
    claim, writer = _pipelines(crawler)[1:]
    writer.open_spider()
    item = post_item("NW1")
    claim.process_item(item)
    del item["category"]
    with pytest.raises(KeyError):
        writer.process_item(item)
    writer.close_spider()
    assert claim.process_item(post_item("NW1")), "released: the next try may write it"
    assert crawler.stats.get_value(WRITTEN) is None
