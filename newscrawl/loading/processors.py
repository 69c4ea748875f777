"""Processors that normalise the fields of a post (used by the item loader).

Each is a plain function of text, so it can be unit-tested alone and never
raises on junk: it returns None, which the loader drops.
"""

import re
from datetime import datetime, timedelta

from w3lib.html import replace_entities

from newscrawl.site.text import clean_text
from newscrawl.site.times import SHANGHAI, PostTime

# What the site does to an offset-less date (YAML reads it as UTC).
SITE_LATE_BY = timedelta(hours=8)

_DIGEST_SOURCE = re.compile(r"[（(](?P<name>[^（）()]+)[）)]\s*$")
_SOURCE_LABEL = re.compile(r"^\s*来源\s*[:：]\s*")


def clean_title(text: str | None) -> str | None:
    """Unescape entities, collapse whitespace, trim; full-width punctuation kept."""
    if text is None:
        return None
    return clean_text(replace_entities(text))


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
