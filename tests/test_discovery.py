"""Unit tests of category discovery from the home page, the feed and back links."""

from pathlib import Path

from parsel import Selector

from newscrawl.site.discovery import category_from_tags, found_by_tag, found_by_terms, read_feed, read_home_page
from newscrawl.site.urls import category_of_link

SAMPLES = Path(__file__).parent / "fixtures" / "site-samples" / "site"
SITE = "https://finews.withounder.com"


def test_home_page_tags_name_categories_in_pinyin():
    found = read_home_page(Selector(text=(SAMPLES / "index.html").read_text(encoding="utf-8")), SITE + "/")
    by_url = {f.url: f for f in found}
    qingdao = by_url[f"{SITE}/qingdaocaijingribao/2022/02/23/NW202202232285760343.html"]
    assert (qingdao.category, qingdao.exact) == ("qingdaocaijingribao", True)
    wind = by_url[f"{SITE}/wind/2022/02/24/NW202202242285008307.html"]
    assert (wind.category, wind.exact) == ("Wind", True)  # case from the tag, not the URL
    hk = by_url[f"{SITE}/anxinguojizhengquan(xianggang)/2022/02/24/NW202202242285006921.html"]
    assert hk.category == "anxinguojizhengquan(xianggang)" and hk.exact
    emnews = by_url[f"{SITE}/emnews/2022/02/24/202202242285031456.html"]
    assert (emnews.category, emnews.exact) == ("emnews", False)  # 东财滚动 is not spelled emnews: a guess


def test_feed_terms_name_categories_exactly():
    found = read_feed((SAMPLES / "feed.xml").read_text(encoding="utf-8"))
    assert len(found) == 10
    by_url = {f.url: f for f in found}
    assert by_url[f"{SITE}/wind/2022/02/24/NW202202242285008307.html"].category == "Wind"
    assert all(f.exact for f in found)


def test_spaced_category_from_terms():
    url = f"{SITE}/21shijijingjibaodao/21caijingapp/2022/02/21/NW202202212285020117.html"
    found = found_by_terms(url, ["21shijijingjibaodao", "21caijingAPP", "21世纪经济报道", "21财经APP新闻"])
    assert (found.category, found.exact) == ("21shijijingjibaodao 21caijingAPP", True)
    assert found_by_tag(url, "21世纪经济报道").exact is False


def test_back_links_name_their_category():
    assert category_of_link("//finews.withounder.com/category/Wind.html") == "Wind"
    assert category_of_link("//finews.withounder.com/category/21shijijingjibaodao 21caijingAPP.html") == "21shijijingjibaodao 21caijingAPP"
    assert category_of_link("//finews.withounder.com/wind/") is None
    assert category_of_link("../emnews/") is None


def test_a_post_names_its_spaced_category_by_its_tags():
    url = f"{SITE}/21shijijingjibaodao/21caijingapp/2022/02/21/NW202202212285020117.html"
    assert category_from_tags(url, ["21世纪经济报道", "21财经APP新闻"]) == "21shijijingjibaodao 21caijingAPP"
    assert category_from_tags(url, ["东财滚动新闻"]) is None
