"""Reject a post that cannot be written as a valid file."""

from scrapy.exceptions import DropItem

from newscrawl.items import REQUIRED_FIELDS
from newscrawl.rejects import RejectLog
from newscrawl.urls import INFO_CODE_RE


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
        elif not INFO_CODE_RE.match(item["info_code"]):
            reason = "bad_info_code"
        if reason:
            self.rejects.record(reason, item.get("url"), item.get("info_code"))
            raise DropItem(reason)
        return item
