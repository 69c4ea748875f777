"""End to end: the real crawl against the mock site, asserting on the files written."""

import re
from datetime import datetime

import pytest
from parsel import Selector

from newscrawl.mocksite import SITE_URL, MockSite, generate_posts
from tests.conftest import SAMPLES_DIR, crawl, expected_front_matter, make_post

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

SAMPLE_CODE = "NW202202232285760343"


def source_paragraphs() -> list[str]:
    """The body paragraphs of the real source file behind the sample post."""
    source = (SAMPLES_DIR / "source-post-2022-02-23-NW202202232285760343.md").read_text(encoding="utf-8")
    paragraphs = Selector(text=source).xpath("//p[not(@class='em_media')]")
    return [" ".join(p.xpath("string()").get().split()) for p in paragraphs]


def test_sample_post_front_matter_and_body(output):
    with MockSite([]).serve() as site:
        result = crawl(site, output)
    assert result.returncode == 0, result.log
    post = result.posts()[SAMPLE_CODE]
    assert post.path.name == "2022-02-23-NW202202232285760343.md"
    assert post.meta == {
        "layout": "post",
        "render_with_liquid": False,
        "title": "青岛高新区是如何实现“进位争先”的？",
        "date": "2022-02-23 10:30:09 +0800",
        "categories": "qingdaocaijingribao",
        "tags": "青岛财经日报新闻",
        "source": "青岛财经日报",
        "info_code": SAMPLE_CODE,
        "url": f"{SITE_URL}/qingdaocaijingribao/2022/02/23/NW202202232285760343.html",
        "share_url": "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202232285760343",
    }
    paragraphs = source_paragraphs()
    assert len(paragraphs) == 21
    assert [" ".join(block.split()) for block in post.body.split("\n\n")] == paragraphs
    assert "返回" not in post.body and "NewsShare" not in post.body and "文章来源" not in post.body
    assert post.content.endswith(
        "\n\n<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202202232285760343>\n\n"
        "[返回青岛财经日报新闻](//finews.withounder.com/category/qingdaocaijingribao.html)｜[返回首页](//finews.withounder.com/)\n"
    )


def test_second_crawl_writes_nothing_and_requests_no_post_page(output):
    posts = [p for p in generate_posts(30, seed=3) if p.category != "emnews"]
    for post in posts:
        post.category, post.tag, post.publisher = "qingdaocaijingribao", "青岛财经日报新闻", "青岛财经日报"
    with MockSite(posts).serve() as site:
        first = crawl(site, output)
        assert first.returncode == 0, first.log
        written = {p.path.name: p.path.stat().st_mtime_ns for p in first.posts().values()}
        assert len(written) == len(posts) + 1
        site.clear_requests()

        second = crawl(site, output)
        assert second.returncode == 0, second.log
        assert site.post_page_requests() == []
        assert site.paths("finews.withounder.com").count("/category/qingdaocaijingribao.html") == 1
        assert not [r for r in site.requests if r.host != "finews.withounder.com"]
        assert {p.path.name: p.path.stat().st_mtime_ns for p in second.posts().values()} == written


def test_finews_crawls_the_given_categories_with_canonical_urls(output):
    posts = generate_posts(60, seed=5)
    wanted = ["Wind", "shanghaizhengquanbao", "emnews"]
    for post in posts[:10]:
        post.category, post.tag = "Wind", "Wind新闻"
    with MockSite(posts, include_seed=False).serve() as site:
        result = crawl(site, output, "finews", "-a", "categories=" + ",".join(wanted))
    assert result.returncode == 0, result.log
    expected = {p.info_code: p for p in posts if p.category in wanted}
    written = result.posts()
    assert set(written) == set(expected)
    for code, post in expected.items():
        assert written[code].meta == expected_front_matter(post)  # categories "Wind", not the URL's "wind"
        assert "127.0.0.1" not in written[code].path.read_text(encoding="utf-8")


def test_widgets_never_reach_the_body(output):
    posts = [p for p in generate_posts(40, seed=11) if p.category != "emnews"]
    with MockSite(posts, include_seed=False).serve() as site:
        categories = sorted({p.category for p in posts})
        result = crawl(site, output, "finews", "-a", "categories=" + ",".join(categories))
    assert result.returncode == 0, result.log
    assert len(result.posts()) == len(posts)
    for post in result.posts().values():
        for residue in ("K图", "keytip", "display:none", "EM_StockImg", "文章来源", "责任编辑", "<span", "<p>"):
            assert residue not in post.body, (post.path.name, residue)
        assert "\n\n\n" not in post.body and not re.search(r"^\u3000", post.body, re.M)


def test_empty_site_body_is_completed_from_share_json(output):
    post = make_post("NW202202230000000001", site_body=False, shown_late=True, publisher="青岛日报")
    assert post.tag == "青岛财经日报新闻"  # so the source can only come from the share data
    with MockSite([post]).serve() as site:
        result = crawl(site, output)
        assert "/NewsData/GetNewsText.do" in site.paths("finews.zning.xyz")
    meta = result.posts()[post.info_code].meta
    assert result.posts()[post.info_code].body == "第一段正文。\n\n第二段正文。"
    assert meta["date"] == "2022-02-23 09:15:42 +0800"  # upstream's time, not the site's 8 hours late
    assert meta["source"] == "青岛日报"


def test_post_with_a_body_is_not_sent_to_share_data(output):
    with MockSite([make_post("NW202202230000000002")]).serve() as site:
        result = crawl(site, output)
        assert site.paths("finews.zning.xyz") == [] and site.paths("choicewzp1.eastmoney.com") == []
    assert result.posts()["NW202202230000000002"].meta["source"] == "青岛财经日报"


def test_post_with_no_body_anywhere_is_rejected_then_retried(output):
    post = make_post("NW202202230000000003", site_body=False)
    api_only = {"NEWSCRAWL_SHARE": "api"}  # the JSON path; auto mode's share page is tested in test_share.py
    with MockSite([post]).serve() as site:
        site.json_status = 503
        first = crawl(site, output, env=api_only)
        assert first.returncode == 1, first.log  # share data failed: a bad run
        assert post.info_code not in first.posts()
        # The share host failing is a failure (retried until it answers), not an absent article.
        assert [(r["info_code"], r["reason"], r["kind"]) for r in first.rejects()] == [
            (post.info_code, "share_fetch_failed", "failure")]
        assert "Traceback" not in first.log

        site.json_status = 200
        second = crawl(site, output, env=api_only)
    assert second.returncode == 0, second.log
    assert second.posts()[post.info_code].body == "第一段正文。\n\n第二段正文。"


def test_site_body_is_kept_when_share_data_fails(output):
    emnews = make_post("202202230000000004", category="emnews", tag="东财滚动新闻", publisher="中国基金报")
    with MockSite([emnews], include_seed=False).serve() as site:
        site.json_status = 404  # irrelevant for emnews, which links eastmoney
        result = crawl(site, output, "finews", "-a", "categories=emnews", env={
            "NEWSCRAWL_HOST_MAP": site.env()["NEWSCRAWL_HOST_MAP"].replace(
                site.host_map["finance.eastmoney.com"], "http://127.0.0.1:9")})
    post = result.posts()[emnews.info_code]
    assert post.body == "第一段正文。（中国基金报）"
    assert post.meta["source"] == "中国基金报"  # from the digest
    assert "unavailable" in result.log and "Traceback" not in result.log


def test_emnews_digest_is_completed_from_the_eastmoney_article(output):
    late = make_post("202112082206935918", category="emnews", tag="东财滚动新闻", publisher="中国基金报",
                 published=datetime(2021, 12, 8, 12, 47, 49), shown_late=True)
    on_time = make_post("202202220000000005", category="emnews", tag="东财滚动新闻", publisher="上海证券报",
                    published=datetime(2022, 2, 22, 10, 46, 31))
    with MockSite([late, on_time], include_seed=False).serve() as site:
        result = crawl(site, output, "finews", "-a", "categories=emnews")
        assert len(site.paths("finance.eastmoney.com")) >= 2
    posts = result.posts()
    for post, expected in ((late, "2021-12-08 12:47:49 +0800"), (on_time, "2022-02-22 10:46:31 +0800")):
        written = posts[post.info_code]
        assert written.meta["date"] == expected  # eastmoney's minute, the site's seconds
        assert written.meta["source"] == post.publisher
        assert written.body == "第一段正文。\n\n第二段正文。"
        assert written.path.name == f"{expected[:10]}-{post.info_code}.md"


@pytest.mark.parametrize("ascii_digest", [False, True], ids=["full-width", "ascii"])
def test_digest_with_an_empty_share_link_keeps_its_publisher(output, ascii_digest):
    """The real archive's infoCode 202112082206870651: a digest ending ``(东方财富Choice数据)``, its link ``<>``."""
    post = make_post("202112082206870651", category="emnews", tag="东财滚动新闻", publisher="东方财富Choice数据",
                 share_link_empty=True, ascii_digest=ascii_digest)
    with MockSite([post], include_seed=False).serve() as site:
        result = crawl(site, output, "finews", "-a", "categories=emnews")
        assert site.paths("finance.eastmoney.com") == []
    assert result.returncode == 0, result.log
    written = result.posts()[post.info_code]
    assert written.meta["source"] == "东方财富Choice数据"  # not the tag's 东财滚动
    assert written.body == ("第一段正文。(东方财富Choice数据)" if ascii_digest else "第一段正文。（东方财富Choice数据）")
    assert written.meta["share_url"] == ""
