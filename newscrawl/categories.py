"""Named crawls: ``scrapy crawl NAME`` archives these category slugs.

Adding a named crawl is one line here; spiders/named.py makes the spider.
"""

NAMED_CRAWLS: dict[str, tuple[str, ...]] = {
    "qingdaocaijing": ("qingdaocaijingribao",),
}
