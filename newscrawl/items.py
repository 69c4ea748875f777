"""The archived post."""

import scrapy


class PostItem(scrapy.Item):
    """One post, with the fields its front matter is written from."""

    info_code = scrapy.Field()
    title = scrapy.Field()
    date = scrapy.Field()  # "YYYY-MM-DD HH:MM:SS +0800", Asia/Shanghai
    category = scrapy.Field()  # slug of the category page it was found on, case kept
    tags = scrapy.Field()  # the site's tags, space-separated as Jekyll writes them
    source = scrapy.Field()  # the publisher
    body = scrapy.Field()  # Markdown
    url = scrapy.Field()  # canonical post URL
    share_url = scrapy.Field()  # share page or eastmoney article, as the post links it


REQUIRED_FIELDS = ("info_code", "title", "date", "category", "body", "url")
