"""Unit tests of the post file: front matter, body, share and back links."""

import yaml
import pytest

from newscrawl.items import PostItem
from newscrawl.archive.postfile import post_filename, render_post

SITE = "https://finews.withounder.com"


def _item(**overrides):
    values = dict(
        info_code="NW202202232285760343",
        title="青岛高新区是如何实现“进位争先”的？",
        date="2022-02-23 10:30:09 +0800",
        category="qingdaocaijingribao",
        tags="青岛财经日报新闻",
        source="青岛财经日报",
        body="第一段\n\n第二段",
        url=f"{SITE}/qingdaocaijingribao/2022/02/23/NW202202232285760343.html",
        share_url="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202232285760343",
    )
    values.update(overrides)
    return PostItem(**values)


def _split(text):
    _, front, rest = text.split("---\n", 2)
    return yaml.safe_load(front), front, rest


def test_front_matter_keys_in_order_and_values():
    meta, front, _ = _split(render_post(_item(), SITE))
    assert list(meta) == ["layout", "title", "date", "categories", "tags", "source", "info_code", "url", "share_url"]
    assert meta["layout"] == "post"
    assert meta["date"] == "2022-02-23 10:30:09 +0800"
    assert "date: 2022-02-23 10:30:09 +0800\n" in front


@pytest.mark.parametrize(
    "title",
    ['A股"开门红": 港股 #热点', "  leading and trailing  ", "back\\slash", "'single' & <angle>", "- dash", "yes", "2022-02-23", "[x]: {y}", "％：＃"],
)
def test_any_title_round_trips(title):
    meta, _, _ = _split(render_post(_item(title=title), SITE))
    assert meta["title"] == title


def test_body_then_share_link_then_back_links():
    _, _, rest = _split(render_post(_item(), SITE))
    assert rest == (
        "第一段\n\n第二段\n\n"
        "<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202232285760343>\n\n"
        "[返回青岛财经日报新闻](//finews.withounder.com/category/qingdaocaijingribao.html)｜[返回首页](//finews.withounder.com/)\n"
    )


def test_back_link_of_a_spaced_category_is_one_url():
    item = _item(category="21shijijingjibaodao 21caijingAPP", tags="21世纪经济报道 21财经APP新闻")
    assert "(//finews.withounder.com/category/21shijijingjibaodao%2021caijingAPP.html)" in render_post(item, SITE)


def test_no_share_link_line_without_share_url():
    text = render_post(_item(share_url=None), SITE)
    assert "<http" not in text
    assert _split(text)[0]["share_url"] == ""


def test_filename_is_date_and_info_code():
    assert post_filename(_item()) == "2022-02-23-NW202202232285760343.md"


def test_permalink_keeps_the_url_where_the_true_date_is_another_day():
    # Shown 8 hours late, at 02:47 the next day: the URL has that day, the archive the true one.
    late = _item(info_code="202112082206870651", date="2021-12-08 18:47:49 +0800", category="emnews",
                 url=f"{SITE}/emnews/2021/12/09/202112082206870651.html")
    meta, _, _ = _split(render_post(late, SITE))
    assert meta["permalink"] == "/emnews/2021/12/09/202112082206870651.html"
    assert meta["date"] == "2021-12-08 18:47:49 +0800"
    on_time = _item(category="21shijijingjibaodao 21caijingAPP",
                    url=f"{SITE}/21shijijingjibaodao/21caijingapp/2022/02/23/NW202202232285760343.html")
    assert "permalink" not in _split(render_post(on_time, SITE))[0]
    assert "permalink" not in _split(render_post(_item(), SITE))[0]
