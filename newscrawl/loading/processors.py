"""Processors that normalise the fields of a post (used by the item loader).

Each is a plain function of text, so it can be unit-tested alone and never
raises on junk: it returns None, which the loader drops.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from w3lib.html import replace_entities

from newscrawl.site.text import clean_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
# What the site does to an offset-less date (YAML reads it as UTC).
SITE_LATE_BY = timedelta(hours=8)
#: Anything outside is junk, not a publication time.
PLAUSIBLE_YEARS = (1990, 2200)

# ASCII digits only: int() reads the digits of any script ("𐴲000" is 2000).
_TIME_IN_TEXT = re.compile(r"([0-9]{4})\s*[-/年]\s*([0-9]{1,2})\s*[-/月]\s*([0-9]{1,2})\s*日?\s+([0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)")
_DIGEST_SOURCE = re.compile(r"[（(](?P<name>[^（）()]+)[）)]\s*$")
_SOURCE_LABEL = re.compile(r"^\s*来源\s*[:：]\s*")


def clean_title(text: str | None) -> str | None:
    """Unescape entities, collapse whitespace, trim; full-width punctuation kept."""
    if text is None:
        return None
    return clean_text(replace_entities(text))


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


def reconcile_times(times: list[PostTime]) -> datetime | None:
    """The true publication time from the site's and upstream's versions.

    Upstream is the truth, but the eastmoney article gives only minutes:
    where the site's time (as shown, or 8 hours earlier when the site shows
    it late) falls in upstream's minute, the site's seconds are kept.
    """
    site = next((t for t in times if t.origin == "site"), None)
    upstream = next((t for t in times if t.origin == "upstream"), None)
    if upstream is None:
        return site.moment if site else None
    if upstream.has_seconds or site is None:
        return upstream.moment
    minute = upstream.moment.replace(second=0)
    for candidate in (site.moment, site.moment - SITE_LATE_BY):
        if candidate.replace(second=0) == minute:
            return candidate
    return minute


def format_time(moment: datetime) -> str:
    """Jekyll's date form, always in Asia/Shanghai: ``2022-02-23 10:30:09 +0800``."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S %z")


def source_from_label(text: str | None) -> str | None:
    """eastmoney's ``来源：上海证券报`` -> ``上海证券报``."""
    return clean_text(_SOURCE_LABEL.sub("", text or ""))


def source_from_digest(text: str | None) -> str | None:
    """The publisher an emnews digest ends with: ``...（中国基金报）`` -> ``中国基金报``."""
    match = _DIGEST_SOURCE.search(clean_text(text) or "")
    return clean_text(match["name"]) if match else None


def source_from_tag(tag: str | None) -> str | None:
    """The post's tag without its ``新闻`` suffix: ``青岛财经日报新闻`` -> ``青岛财经日报``."""
    tag = clean_text(tag)
    if not tag:
        return None
    return clean_text(tag.removesuffix("新闻")) or tag
