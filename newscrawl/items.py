"""The archived post."""

import scrapy

from newscrawl.site.urls import CATEGORY_RE, INFO_CODE_RE, POST_URL_RE, SHARE_URL_RE


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


FIELDS = ("info_code", "title", "date", "category", "tags", "source", "body", "url", "share_url")
REQUIRED_FIELDS = ("info_code", "title", "date", "category", "body", "url")

#: One line of text: no control character nor line separator.
_ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
#: The longest value kept, in characters; longer is junk (a real title is under 200).
MAX_LINE_LENGTH = 1000
MAX_URL_LENGTH = 2000
MAX_BODY_LENGTH = 2_000_000


def _text(pattern: str, max_length: int, required: bool) -> dict:
    """A string property; an optional one may be null (the loader found nothing)."""
    return {"type": "string" if required else ["string", "null"], "pattern": pattern, "maxLength": max_length,
            **({"minLength": 1} if required else {})}


#: What a post must be to be written (checked by spidermon's item validation,
#: newscrawl.pipelines.validate): the required fields non-empty; an infoCode and a
#: date that make a safe file name (newscrawl.archive.postfile); a category and URLs
#: of the site's scheme (newscrawl.site.urls), which make the permalink; every value
#: bounded, and one line but for the body.
POST_SCHEMA = {
    "type": "object",
    "required": list(REQUIRED_FIELDS),
    "properties": {
        "info_code": _text(INFO_CODE_RE.pattern, 64, required=True),
        "title": _text(_ONE_LINE, MAX_LINE_LENGTH, required=True),
        "date": _text(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$", 25, required=True),
        "category": _text(CATEGORY_RE.pattern, 200, required=True),
        "tags": _text(_ONE_LINE, MAX_LINE_LENGTH, required=False),
        "source": _text(_ONE_LINE, MAX_LINE_LENGTH, required=False),
        "body": _text(r"^[^\x00]*$", MAX_BODY_LENGTH, required=True),
        "url": _text(POST_URL_RE.pattern, MAX_URL_LENGTH, required=True),
        "share_url": _text(SHARE_URL_RE.pattern, MAX_URL_LENGTH, required=False),
    },
}
