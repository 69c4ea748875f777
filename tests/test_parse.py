"""``scrapy parse <post url> --spider finews --callback parse_post``: the item a crawl writes, share data included."""

import ast

import pytest

from newscrawl.archive.postfile import read_post
from newscrawl.mocksite import MockSite, generate_posts
from tests.conftest import crawl, read_posts, scrapy

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)


def parsed_items(stdout: str) -> list[dict]:
    """The items ``scrapy parse --nocolour`` prints: a Python literal under its "Scraped Items" heading."""
    block = stdout.split("# Scraped Items ", 1)[1].split("\n", 1)[1].split("# Requests ", 1)[0]
    return ast.literal_eval(block)


def test_parse_shows_the_item_a_crawl_writes_share_data_included(output, tmp_path):
    post = generate_posts(1, seed=2, categories=[("Wind", "Wind", "Wind新闻")])[0]
    post.site_body = False  # its body is in the share JSON only: parse_post fetches it
    site = MockSite([post])
    with site.serve():
        crawled = crawl(site, output, "finews", "-a", "categories=Wind")
        assert crawled.returncode == 0, crawled.log
        written = next(p for p in read_posts(output) if p.meta["info_code"] == post.info_code)
        parsed = scrapy(tmp_path / "parse-output", "parse", written.meta["url"], "--spider", "finews",
                        "--callback", "parse_post", "--nocolour", env=site.env())
    assert parsed.returncode == 0, parsed.stderr
    assert "Traceback" not in parsed.stderr
    assert parsed_items(parsed.stdout) == [dict(read_post(written.path.read_text(encoding="utf-8")))]


def test_parse_of_a_page_that_is_not_a_post_says_so(output):
    site = MockSite([])
    with site.serve():
        parsed = scrapy(output, "parse", "https://finews.withounder.com/", "--spider", "finews",
                        "--callback", "parse_post", "--nocolour", env=site.env())
    assert "Not a post URL: https://finews.withounder.com/" in parsed.stderr
    assert "Traceback" not in parsed.stderr and parsed_items(parsed.stdout) == []
