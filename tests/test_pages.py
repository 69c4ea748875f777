"""Unit tests of the share page reader (the rendered DOM of NewsShare.html)."""

import pytest
from parsel import Selector

from newscrawl.mocksite.server import SHARE_PAGE
from newscrawl.site.pages import PageError, read_share_page

RENDERED = """<html><body><div id="app"><div class="news-detail"><h1 class="news-title">标题 “引号” &amp; 更多</h1>
<div class="news-info"><span class="news-time">2022-02-23 10:30:09</span><span class="news-source">青岛财经日报</span></div>
<div class="news-content"><p>第一段。</p><p class="em_media">（文章来源：青岛财经日报）</p></div></div></div></body></html>"""


def test_rendered_share_page_gives_the_upstream_post():
    post = read_share_page(Selector(text=RENDERED))
    assert post.title == "标题 “引号” & 更多"
    assert post.time_text == "2022-02-23 10:30:09"
    assert post.publisher == "青岛财经日报"
    assert post.body_html == '<p>第一段。</p><p class="em_media">（文章来源：青岛财经日报）</p>'


def test_share_page_error_element_means_no_article():
    page = '<html><body><div id="app"><div class="error">资讯不存在</div></div></body></html>'
    assert read_share_page(Selector(text=page)) is None


def test_unrendered_share_page_shell_is_an_error():
    shell = SHARE_PAGE.read_text(encoding="utf-8")  # the real sample, kept once: in the mock site
    with pytest.raises(PageError, match="neither an article nor its error element"):
        read_share_page(Selector(text=shell))
