"""Log lines for items that are not written.

Scrapy logs a dropped item at WARNING with the whole item (the whole body).
Here a duplicate is a DEBUG line and a reject is already one WARNING line
from RejectLog, so a drop is a short DEBUG line.
"""

import logging

from scrapy.logformatter import LogFormatter


class PostLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        return {
            "level": logging.DEBUG,
            "msg": "Not written: %(info_code)s (%(reason)s)",
            "args": {"info_code": item.get("info_code"), "reason": exception},
        }

    def scraped(self, item, response, spider=None):
        return {
            "level": logging.DEBUG,
            "msg": "Scraped %(info_code)s from %(src)s",
            "args": {"info_code": item.get("info_code"), "src": getattr(response, "url", response)},
        }
