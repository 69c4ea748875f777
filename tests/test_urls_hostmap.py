"""Unit tests of the URL scheme and the host map."""

from datetime import date

import pytest

from newscrawl.mirrors import HostMap, HostMapError
from newscrawl.site.urls import category_slug, category_url, parse_post_url, parse_share_link, post_url, share_page_url


def test_post_url_gives_info_code_and_date():
    ref = parse_post_url("https://finews.withounder.com/qingdaocaijingribao/2022/02/23/NW202202232285760343.html")
    assert ref.info_code == "NW202202232285760343" and ref.date == date(2022, 2, 23)
    spaced = parse_post_url("https://finews.withounder.com/21shijijingjibaodao/21caijingapp/2022/02/21/NW202202212285020117.html")
    assert spaced.info_code == "NW202202212285020117"
    assert parse_post_url("https://finews.withounder.com/anxinguojizhengquan(xianggang)/2022/02/24/NW1.html").info_code == "NW1"


@pytest.mark.parametrize(
    "url",
    ["https://finews.withounder.com/", "https://finews.withounder.com/category/Wind.html",
     "https://finews.withounder.com/wind/", "https://finews.withounder.com/wind/2022/13/40/NW1.html"],
)
def test_not_post_urls(url):
    assert parse_post_url(url) is None


def test_category_url_keeps_case_spaces_and_parens():
    site = "https://finews.withounder.com"
    assert category_url(site, "Wind") == f"{site}/category/Wind.html"
    assert category_url(site, "anxinguojizhengquan(xianggang)") == f"{site}/category/anxinguojizhengquan(xianggang).html"
    assert category_url(site, "21shijijingjibaodao 21caijingAPP") == f"{site}/category/21shijijingjibaodao%2021caijingAPP.html"


@pytest.mark.parametrize(
    "publisher, slug",
    [("青岛财经日报", "qingdaocaijingribao"), ("安信国际证券(香港)", "anxinguojizhengquan(xianggang)"), ("Wind", "Wind"),
     ("21世纪经济报道 21财经APP", "21shijijingjibaodao 21caijingAPP"), ("上海证券报", "shanghaizhengquanbao")],
)
def test_category_slug_is_the_publisher_in_pinyin_like_the_sites(publisher, slug):
    assert category_slug(publisher) == slug


def test_post_url_is_the_sites_permalink():
    site = "https://finews.withounder.com"
    day = date(2022, 2, 23)
    assert post_url(site, "qingdaocaijingribao", day, "NW1") == f"{site}/qingdaocaijingribao/2022/02/23/NW1.html"
    assert post_url(site, "Wind", day, "NW1") == f"{site}/wind/2022/02/23/NW1.html"
    assert post_url(site, "21shijijingjibaodao 21caijingAPP", day, "NW1") == (
        f"{site}/21shijijingjibaodao/21caijingapp/2022/02/23/NW1.html")
    assert parse_post_url(post_url(site, "anxinguojizhengquan(xianggang)", day, "NW1")).date == day


def test_share_page_url_is_a_share_link():
    url = share_page_url("http://finews.zning.xyz/", "NW1")
    assert url == "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW1"
    assert parse_share_link(url).data_url == "http://finews.zning.xyz/NewsData/GetNewsText.do?id=NW1"


def test_share_links():
    share = parse_share_link("http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202232285760343")
    assert share.kind == "newsshare"
    assert share.data_url == "http://finews.zning.xyz/NewsData/GetNewsText.do?id=NW202202232285760343"
    article = parse_share_link("http://finance.eastmoney.com/news/11158,202112082206935918.html")
    assert article.kind == "eastmoney" and article.data_url == article.url
    assert parse_share_link("") is None
    assert parse_share_link("javascript:alert(1)") is None
    assert parse_share_link("http://finews.zning.xyz/html_News/NewsShare.html?infoCode=../x") is None


def test_host_map_round_trip():
    host_map = HostMap.from_json('{"finews.withounder.com": "http://127.0.0.1:8000", "finews.zning.xyz": "http://127.0.0.1:8001/mirror/"}')
    assert host_map.to_mirror("https://finews.withounder.com/a/b.html?x=1") == "http://127.0.0.1:8000/a/b.html?x=1"
    assert host_map.to_mirror("http://finews.zning.xyz/NewsData/GetNewsText.do?id=1") == "http://127.0.0.1:8001/mirror/NewsData/GetNewsText.do?id=1"
    assert host_map.to_mirror("http://other.example/x") is None
    assert host_map.to_canonical("http://127.0.0.1:8000/a/b.html", "https") == "https://finews.withounder.com/a/b.html"
    assert host_map.to_canonical("http://127.0.0.1:8001/mirror/x", "http") == "http://finews.zning.xyz/x"


@pytest.mark.parametrize("text", ["[1]", "not json", '{"h": "ftp://x"}', '{"h": "127.0.0.1:8000"}', '{"h": 5}'])
def test_bad_host_map_is_refused(text):
    with pytest.raises(HostMapError):
        HostMap.from_json(text)
