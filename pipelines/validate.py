"""Reject a post that cannot be written as a valid file."""

from scrapy.exceptions import DropItem

from newscrawl.items import REQUIRED_FIELDS
from newscrawl.archive.postfile import post_filename
from newscrawl.extensions.rejects import RejectLog
from newscrawl.site.urls import INFO_CODE_RE


class ValidatePostPipeline:
    def __init__(self, rejects: RejectLog):
        self.rejects = rejects

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.get_extension(RejectLog))

    def process_item(self, item):
        missing = [name for name in REQUIRED_FIELDS if not item.get(name)]
        reason = None
        if missing:
            reason = "missing_" + "_".join(missing)
        elif not INFO_CODE_RE.fullmatch(item["info_code"]):
            reason = "bad_info_code"
        elif not _makes_file_name(item):
            reason = "bad_date"
        if reason:
            self.rejects.record(reason, item.get("url"), item.get("info_code"))
            raise DropItem(reason)
        return item


def _makes_file_name(item) -> bool:
    try:
        post_filename(item)
    except ValueError:
        return False
    return True
