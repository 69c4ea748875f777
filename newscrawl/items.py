"""The archived post."""

import scrapy

from newscrawl.site.urls import INFO_CODE_RE


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


#: What a post must be to be written (checked by spidermon's item validation,
#: newscrawl.pipelines.validate): the required fields non-empty strings; an
#: infoCode and a date that make a safe file name (newscrawl.archive.postfile).
POST_SCHEMA = {
    "type": "object",
    "required": list(REQUIRED_FIELDS),
    "properties": {
        **{name: {"type": "string", "minLength": 1} for name in REQUIRED_FIELDS},
        "info_code": {"type": "string", "minLength": 1, "pattern": INFO_CODE_RE.pattern},
        "date": {"type": "string", "minLength": 1, "pattern": r"^\d{4}-\d{2}-\d{2}"},
    },
}
