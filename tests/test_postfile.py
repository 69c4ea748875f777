"""Unit tests of the post file: front matter, body, share and back links."""

import html

import yaml
import pytest

from newscrawl.archive.postfile import post_filename, read_post, render_post
from newscrawl.mocksite import SITE_URL
from tests.conftest import post_item

def _split(text):
    _, front, rest = text.split("---\n", 2)
    return yaml.safe_load(front), front, rest


def test_front_matter_keys_in_order_and_values():
    meta, front, _ = _split(render_post(post_item(), SITE_URL))
    assert list(meta) == ["layout", "render_with_liquid", "title", "date", "categories", "tags", "source", "info_code", "url", "share_url"]
    assert meta["layout"] == "post" and meta["render_with_liquid"] is False
    assert meta["date"] == "2022-02-23 10:30:09 +0800"
    assert "date: 2022-02-23 10:30:09 +0800\n" in front


@pytest.mark.parametrize(
    "title",
    ['A股"开门红": 港股 #热点', "  leading and trailing  ", "back\\slash", "'single' & <angle>", "- dash", "yes", "2022-02-23", "[x]: {y}", "％：＃"],
)
def test_any_title_round_trips(title):
    text = render_post(post_item(title=title), SITE_URL)
    assert _split(text)[0]["title"] == html.escape(title)  # HTML text: the layouts print it raw
    assert read_post(text)["title"] == title


def test_body_then_share_link_then_back_links():
    _, _, rest = _split(render_post(post_item(), SITE_URL))
    assert rest == (
        "第一段\n\n第二段\n\n"
        "<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202232285760343>\n\n"
        "[返回青岛财经日报新闻](//finews.withounder.com/category/qingdaocaijingribao.html)｜[返回首页](//finews.withounder.com/)\n"
    )


def test_back_link_of_a_spaced_category_is_one_url():
    item = post_item(category="21shijijingjibaodao 21caijingAPP", tags="21世纪经济报道 21财经APP新闻")
    assert "(//finews.withounder.com/category/21shijijingjibaodao%2021caijingAPP.html)" in render_post(item, SITE_URL)


def test_no_share_link_line_without_share_url():
    text = render_post(post_item(share_url=None), SITE_URL)
    assert "<http" not in text
    assert _split(text)[0]["share_url"] == ""


def test_filename_is_date_and_info_code():
    assert post_filename(post_item()) == "2022-02-23-NW202202232285760343.md"


def test_permalink_keeps_the_url_where_the_true_date_is_another_day():
    # Shown 8 hours late, at 02:47 the next day: the URL has that day, the archive the true one.
    late = post_item(info_code="202112082206870651", date="2021-12-08 18:47:49 +0800", category="emnews",
                 url=f"{SITE_URL}/emnews/2021/12/09/202112082206870651.html")
    meta, _, _ = _split(render_post(late, SITE_URL))
    assert meta["permalink"] == "/emnews/2021/12/09/202112082206870651.html"
    assert meta["date"] == "2021-12-08 18:47:49 +0800"
    on_time = post_item(category="21shijijingjibaodao 21caijingAPP",
                    url=f"{SITE_URL}/21shijijingjibaodao/21caijingapp/2022/02/23/NW202202232285760343.html")
    assert "permalink" not in _split(render_post(on_time, SITE_URL))[0]
    assert "permalink" not in _split(render_post(post_item(), SITE_URL))[0]
