"""Unit tests of category discovery from the home page, the feed and back links."""

import pytest
from parsel import Selector

from newscrawl.mocksite import SITE_CATEGORIES, SITE_URL, build_site, generate_posts
from newscrawl.site.discovery import category_from_link, category_from_tags, category_from_terms, read_feed, read_home_page
from newscrawl.site.urls import category_of_link
from tests.conftest import SAMPLES_DIR, research_titles_on_top

SAMPLES = SAMPLES_DIR / "site"
SITE = SITE_URL
SPACED_URL = f"{SITE}/21shijijingjibaodao/21caijingapp/2022/02/21/NW202202212285020117.html"


def test_home_page_tags_name_categories_in_pinyin():
    found = read_home_page(Selector(text=(SAMPLES / "index.html").read_text(encoding="utf-8")), SITE + "/")
    by_url = {f.url: f for f in found}
    assert by_url[f"{SITE}/qingdaocaijingribao/2022/02/23/NW202202232285760343.html"].category == "qingdaocaijingribao"
    assert by_url[f"{SITE}/wind/2022/02/24/NW202202242285008307.html"].category == "Wind"  # case from the tag
    hk = by_url[f"{SITE}/anxinguojizhengquan(xianggang)/2022/02/24/NW202202242285006921.html"]
    assert hk.category == "anxinguojizhengquan(xianggang)"
    emnews = by_url[f"{SITE}/emnews/2022/02/24/202202242285031456.html"]
    assert (emnews.category, emnews.candidate) == (None, "emnews")  # 东财滚动 does not spell emnews
    # The spaced category's post is listed under each of its two tags: together they name it.
    assert by_url[SPACED_URL].category == "21shijijingjibaodao 21caijingAPP"


@pytest.mark.slow  # builds the site with Jekyll
@pytest.mark.parametrize("home", ["index", "latest100"])
def test_home_page_broken_by_kramdown_still_gives_every_post(home):
    posts = research_titles_on_top(generate_posts(120, seed=5, categories=SITE_CATEGORIES))
    page = (build_site(posts, home=home) / "index.html").read_text(encoding="utf-8")
    section = page.split("<section>")[1]
    assert section.index("&lt;/a&gt;&lt;/li&gt;") < len(section) // 5  # the rest of a list escaped, near the top
    newest = sorted(posts, key=lambda p: p.displayed_time, reverse=True)
    if home == "latest100":
        expected = {p.url_path for p in newest[:100]}
    else:  # each tag's five newest
        tags = {tag for post in posts for tag in post.tags}
        expected = {p.url_path for tag in tags for p in [p for p in newest if tag in p.tags][:5]}
    found = read_home_page(Selector(text=page), SITE + "/")
    assert {f.url.removeprefix(SITE) for f in found} == expected
    by_path = {p.url_path: p for p in posts}
    for post in found:
        category = by_path[post.url.removeprefix(SITE)].category
        if home == "index" and category != "emnews":
            assert post.category == category  # "Wind", not "wind"
        else:
            assert post.category in (category, None) and post.candidate == category.lower()


def test_feed_terms_name_categories_exactly():
    found = read_feed((SAMPLES / "feed.xml").read_text(encoding="utf-8"))
    assert len(found) == 10
    by_url = {f.url: f for f in found}
    assert by_url[f"{SITE}/wind/2022/02/24/NW202202242285008307.html"].category == "Wind"
    assert all(f.category for f in found)


def test_spaced_category_from_terms():
    terms = ["21shijijingjibaodao", "21caijingAPP", "21世纪经济报道", "21财经APP新闻"]
    assert category_from_terms(SPACED_URL, terms) == "21shijijingjibaodao 21caijingAPP"
    assert category_from_tags(SPACED_URL, ["21世纪经济报道"]) is None  # one tag names one segment only


def test_back_links_name_their_category():
    assert category_of_link("//finews.withounder.com/category/Wind.html") == "Wind"
    spaced = category_of_link("//finews.withounder.com/category/21shijijingjibaodao 21caijingAPP.html")
    assert spaced == "21shijijingjibaodao 21caijingAPP"
    assert category_from_link(SPACED_URL, spaced) == spaced
    assert category_from_link(SPACED_URL, "Wind") is None  # a back link to another category is not evidence
    assert category_of_link("//finews.withounder.com/wind/") is None
    assert category_of_link("../emnews/") is None


def test_a_post_names_its_spaced_category_by_its_tags():
    assert category_from_tags(SPACED_URL, ["21世纪经济报道", "21财经APP新闻"]) == "21shijijingjibaodao 21caijingAPP"
    assert category_from_tags(SPACED_URL, ["东财滚动新闻"]) is None
