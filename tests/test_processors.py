"""Unit tests of the field processors."""

from datetime import datetime

import pytest

from newscrawl.loading.processors import (
    clean_title,
    format_time,
    reconcile_times,
    source_from_digest,
    source_from_label,
    source_from_tag,
)
from newscrawl.site.times import SHANGHAI, site_time, upstream_time


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  青岛高新区是如何实现“进位争先”的？ ", "青岛高新区是如何实现“进位争先”的？"),
        ("A股三大指数集体收涨 &amp; 市场展望", "A股三大指数集体收涨 & 市场展望"),
        ("A股\n\t  \"开门红\"  港股", 'A股 "开门红" 港股'),
        ("央行：逆回购 #热点 &lt;", "央行：逆回购 #热点 <"),
        ("\u3000标题\u3000", "标题"),
        ("   ", None),
        (None, None),
    ],
)
def test_clean_title(raw, expected):
    assert clean_title(raw) == expected


def _at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def test_site_time_reads_the_post_page_line():
    parsed = site_time("(GMT+8, Asia/Shanghai, CST) 2022-02-23 10:30:09")
    assert parsed.moment == _at(2022, 2, 23, 10, 30, 9)
    assert parsed.has_seconds and parsed.origin == "site"


@pytest.mark.parametrize(
    "text, moment, has_seconds",
    [
        ("2022-02-23 10:30:09", _at(2022, 2, 23, 10, 30, 9), True),
        ("2022-02-23 10:30:09 +0800", _at(2022, 2, 23, 10, 30, 9), True),
        ("2022年02月22日 10:46", _at(2022, 2, 22, 10, 46), False),
    ],
)
def test_upstream_time_formats(text, moment, has_seconds):
    parsed = upstream_time(text)
    assert parsed.moment == moment and parsed.has_seconds is has_seconds


@pytest.mark.parametrize("junk", ["", None, " +0800", "2022-13-45 10:00:00", "2022-02-30 25:61", "yesterday", "0001-01-01 00:00:00"])
def test_junk_time_is_none(junk):
    assert site_time(junk) is None


@pytest.mark.parametrize("site, upstream, moment", [
    # the upstream time has seconds: it wins
    ("2021-12-08 20:47:49", "2021-12-08 12:47:49", _at(2021, 12, 8, 12, 47, 49)),
    # minutes only upstream: the site's seconds stay, whether the site is eight hours late or right
    ("2021-12-08 20:47:49", "2021年12月08日 12:47", _at(2021, 12, 8, 12, 47, 49)),
    ("2022-02-22 10:46:31", "2022年02月22日 10:46", _at(2022, 2, 22, 10, 46, 31)),
    # they disagree: the upstream minute is trusted
    ("2022-02-22 03:00:05", "2022年02月22日 10:46", _at(2022, 2, 22, 10, 46, 0)),
])
def test_reconcile_site_and_upstream_times(site, upstream, moment):
    assert reconcile_times([site_time(site), upstream_time(upstream)]) == moment


def test_reconcile_without_upstream_is_the_site_time():
    assert reconcile_times([site_time("2022-02-23 10:30:09")]) == _at(2022, 2, 23, 10, 30, 9)
    assert reconcile_times([]) is None


def test_format_time_is_jekyll_form_in_shanghai():
    assert format_time(_at(2022, 2, 23, 10, 30, 9)) == "2022-02-23 10:30:09 +0800"
    utc = datetime.fromisoformat("2022-02-23T02:30:09+00:00")
    assert format_time(utc) == "2022-02-23 10:30:09 +0800"


def test_sources():
    assert source_from_label("来源：上海证券报") == "上海证券报"
    assert source_from_digest("……军工竞相表演。（中国基金报）") == "中国基金报"
    assert source_from_digest("没有来源") is None
    assert source_from_tag("青岛财经日报新闻") == "青岛财经日报"
    assert source_from_tag("21世纪经济报道 21财经APP新闻") == "21世纪经济报道 21财经APP"
    assert source_from_tag("新闻") == "新闻"
    assert source_from_tag("") is None
