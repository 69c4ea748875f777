"""Publication times as the site and its upstream print them.

A post page prints ``(GMT+8, ...) 2022-02-23 10:30:09`` (to the second,
possibly 8 hours late: newscrawl.loading.processors.reconcile_times), the
share JSON ``2022-02-23 10:30:09``, the eastmoney article ``2022年02月22日
10:46`` (to the minute). Each is read as what it says, never raising on junk.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Anything outside is junk, not a publication time.
PLAUSIBLE_YEARS = (1990, 2200)

# ASCII digits only: int() reads the digits of any script ("𐴲000" is 2000).
_TIME_IN_TEXT = re.compile(r"([0-9]{4})\s*[-/年]\s*([0-9]{1,2})\s*[-/月]\s*([0-9]{1,2})\s*日?\s+([0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)")


@dataclass(frozen=True)
class PostTime:
    """A publication time as one source tells it.

    ``origin`` is "site" (the post page, seconds, possibly 8 hours late) or
    "upstream" (share JSON to the second, eastmoney article to the minute).
    """

    moment: datetime
    origin: str
    has_seconds: bool


def parse_time(text: str | None, origin: str) -> PostTime | None:
    """Find a Shanghai date-time in text such as ``(GMT+8, ...) 2022-02-23 10:30:09``,
    ``2022-02-23 10:30:09 +0800`` or ``2022年02月22日 10:46``; None if there is none."""
    if not text:
        return None
    match = _TIME_IN_TEXT.search(text)
    if not match:
        return None
    year, month, day, clock = match.groups()
    if not PLAUSIBLE_YEARS[0] <= int(year) <= PLAUSIBLE_YEARS[1]:
        return None
    # The parts are digits already: datetime checks their ranges (what dateutil's
    # parser did, at a twentieth of its cost; the same answer for every month,
    # day and clock the pattern matches).
    try:
        moment = datetime(int(year), int(month), int(day), *map(int, clock.split(":")), tzinfo=SHANGHAI)
    except ValueError:
        return None
    return PostTime(moment=moment, origin=origin, has_seconds=clock.count(":") == 2)


def site_time(text: str | None) -> PostTime | None:
    return parse_time(text, "site")


def upstream_time(text: str | None) -> PostTime | None:
    return parse_time(text, "upstream")
