"""End to end: share data in every NEWSCRAWL_SHARE mode, share pages rendered in
real headless Chromium, and the backfill by infoCode (``scrapy crawl share``).

The browser tests serve the share JSON only to the share page's own script
(``json_only_for_share_page``): the crawler's direct JSON requests are
refused, so what they prove is the browser path. Each starts Chromium, so
they are few.
"""

import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from newscrawl.mocksite import SITE_URL, MockSite, Post, generate_posts
from tests.conftest import crawl

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

SAMPLE_CODE = "NW202202232285760343"
UNKNOWN_CODE = "NW209901010000000001"
JSON_PATH = "/NewsData/GetNewsText.do"
SHARE_PAGE_PATH = "/html_News/NewsShare.html"
SHARE_HOST = "finews.zning.xyz"

def json_statuses(site: MockSite) -> list[int]:
    return sorted(r.status for r in site.requests if r.host == SHARE_HOST and r.path == JSON_PATH)


def bodiless_post(n: int) -> Post:
    """A post whose page has no body and whose site time is 8 hours late: its body,
    publisher and time can only come from the share data. Its body has a picture."""
    return Post(
        info_code=f"NW20220223000000010{n}",
        category="qingdaocaijingribao",
        title=f"第{n}条：没有正文的帖子",
        published=datetime(2022, 2, 23, 9, 15, 42) + timedelta(minutes=n),
        publisher="青岛日报",
        tag="青岛财经日报新闻",
        body_html=('<p>　　第一段正文。</p>\n<center><img src="/pictures/chart.png" alt="图表" /></center>\n'
                   '<p>第二段正文。</p>\n<p class="em_media">（文章来源：青岛日报）</p>'),
        site_body=False,
        shown_late=True,
    )


def test_share_page_rendered_in_chromium_gives_the_post_the_site_gives(tmp_path):
    site = MockSite([])
    site.json_only_for_share_page = True
    with site.serve():
        through_site = crawl(site, tmp_path / "site")
        assert through_site.returncode == 0, through_site.log
        site.clear_requests()

        rendered = crawl(site, tmp_path / "browser", "share", "-a", f"infocodes={SAMPLE_CODE},{UNKNOWN_CODE}",
                         env={"NEWSCRAWL_SHARE": "browser"})
        share_requests = [(r.path, r.status) for r in site.requests if r.host == SHARE_HOST and r.path != "/robots.txt"]
    assert rendered.returncode == 0, rendered.log
    # Only share pages were requested, and the JSON was fetched by their script alone.
    assert sorted(share_requests) == [(JSON_PATH, 200)] * 2 + [(SHARE_PAGE_PATH, 200)] * 2
    expected = through_site.posts()[SAMPLE_CODE].path
    written = rendered.posts()[SAMPLE_CODE].path
    assert written.name == expected.name
    assert written.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")
    assert [(r["info_code"], r["reason"], r["detail"]) for r in rendered.rejects()] == [
        (UNKNOWN_CODE, "no_share_data", "share page: 资讯不存在 (no article)")]
    assert "Traceback" not in rendered.log


def test_auto_run_with_the_json_refused_archives_every_post_from_share_pages(output):
    # The third's JSON names its body "content", as older payloads do: the page's script shows 资讯不存在.
    posts = [bodiless_post(0), bodiless_post(1), replace(bodiless_post(2), legacy_content_key=True)]
    site = MockSite(posts)
    site.json_only_for_share_page = True
    with site.serve():
        # One page at a time: the three share pages are rendered one after another in the same page.
        result = crawl(site, output, "qingdaocaijing", "-s", "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT=1")
        share_paths = site.paths(SHARE_HOST)
        statuses = json_statuses(site)
    assert result.returncode == 0, result.log
    written = result.posts()
    assert set(written) == {p.info_code for p in posts} | {SAMPLE_CODE}
    for post in posts:
        meta = written[post.info_code].meta
        assert written[post.info_code].body == "第一段正文。\n\n![图表](/pictures/chart.png)\n\n第二段正文。"
        assert meta["source"] == "青岛日报"  # the page's .news-source, not the tag
        assert meta["date"] == post.published.strftime("%Y-%m-%d %H:%M:%S +0800")  # upstream's time, not the site's
        assert meta["title"] == post.title and meta["url"] == SITE_URL + post.url_path
    # The crawler's own JSON requests were refused; each share page's script got its JSON.
    assert statuses == [200] * 3 + [403] * 3
    assert share_paths.count(SHARE_PAGE_PATH) == 3
    # Pictures are never fetched (aborted by resource type, if the page's script shows them before
    # the page is read: newscrawl.addons.browser.abort_unneeded_resource); one page was opened, and reused.
    assert "/pictures/chart.png" not in share_paths
    assert re.search(r"'playwright/page_count': 1\b", result.log)
    assert "Traceback" not in result.log


def test_auto_run_without_chromium_warns_once_and_leaves_the_post_for_a_later_run(output):
    post = bodiless_post(7)
    no_chromium = {"NEWSCRAWL_CHROMIUM": "/nonexistent/chromium"}
    site = MockSite([post])
    site.json_only_for_share_page = True
    with site.serve():
        first = crawl(site, output, env=no_chromium)
        assert first.returncode == 1, first.log  # a post was lost this run
        assert site.paths(SHARE_HOST).count(SHARE_PAGE_PATH) == 0
        assert post.info_code not in first.posts() and SAMPLE_CODE in first.posts()
        warnings = [line for line in first.log.splitlines() if "share pages will not be rendered" in line]
        assert len(warnings) == 1 and "WARNING" in warnings[0] and "/nonexistent/chromium" in warnings[0]
        [reject] = first.rejects()
        assert (reject["info_code"], reject["reason"]) == (post.info_code, "share_fetch_failed")
        assert reject["detail"].startswith("share data HTTP 403; Chromium is not found")
        assert "Traceback" not in first.log

        site.json_only_for_share_page = False
        second = crawl(site, output, env=no_chromium)
    assert second.returncode == 0, second.log
    assert second.posts()[post.info_code].meta["source"] == "青岛日报"


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["qingdaocaijing"], {"NEWSCRAWL_SHARE": "browser", "NEWSCRAWL_CHROMIUM": "/nonexistent/chromium"},
         "newscrawl: NEWSCRAWL_SHARE=browser, but Chromium is not found at NEWSCRAWL_CHROMIUM='/nonexistent/chromium'"),
        (["qingdaocaijing"], {"NEWSCRAWL_SHARE": "sometimes"},
         "newscrawl: NEWSCRAWL_SHARE=sometimes: must be one of auto, api, browser, off"),
        (["share", "-a", "infocodes=missing-list.txt"], {},
         "newscrawl: infocodes: 'missing-list.txt' is neither a file nor an infoCode"),
        (["share", "-a", "infocodes=NW1"], {"NEWSCRAWL_SHARE": "off"},
         "newscrawl: NEWSCRAWL_SHARE=off: `scrapy crawl share` has nothing"),
    ],
    ids=["browser-without-chromium", "unknown-mode", "bad-infocodes", "share-off"],
)
def test_start_up_errors_exit_2_with_one_line(output, args, env, message):
    with MockSite([]).serve() as site:
        result = crawl(site, output, *args, env=env)
        assert site.requests == []
    assert result.returncode == 2, result.log
    assert message in result.log and "Traceback" not in result.log


def test_share_backfill_writes_the_posts_the_site_does_not_list(tmp_path):
    posts = [p for p in generate_posts(24, seed=8) if not p.is_emnews]
    spaced = Post("NW202202210000000009", "21shijijingjibaodao 21caijingAPP", "新能源汽车销量同比增长 #热点",
                  datetime(2022, 2, 21, 3, 17, 28), "21世纪经济报道 21财经APP", "21世纪经济报道 21财经APP新闻",
                  '<p>正文一段。</p>\n<p class="em_media">（文章来源：21世纪经济报道）</p>')
    for post in posts:
        post.share_host = SHARE_HOST  # what NEWSCRAWL_SHARE_URL names
        post.listed = False
    site = MockSite([*posts, spaced], include_seed=False)
    codes = tmp_path / "infocodes.txt"
    codes.write_text("\n".join(p.info_code for p in [*posts, spaced]) + "\n", encoding="utf-8")
    api = {"NEWSCRAWL_SHARE": "api"}
    with site.serve():
        backfill = crawl(site, tmp_path / "backfill", "share", "-a", f"infocodes={codes}", env=api)
        assert backfill.returncode == 0, backfill.log
        assert site.post_page_requests() == [] and "/category/" not in " ".join(site.paths())

        site.clear_requests()
        again = crawl(site, tmp_path / "backfill", "share", "-a", f"infocodes={posts[0].info_code},{spaced.info_code}",
                      env=api)
        assert again.returncode == 0 and site.paths(SHARE_HOST) == []  # already archived: not requested
    # The same posts crawled through the site, had it listed them: the same files.
    with MockSite([replace(p, listed=True) for p in posts], include_seed=False).serve() as listing_site:
        categories = sorted({p.category for p in posts})
        through_site = crawl(listing_site, tmp_path / "site", "finews", "-a", "categories=" + ",".join(categories),
                             env=api)
    assert through_site.returncode == 0, through_site.log
    written = backfill.posts()
    assert {"Wind", "anxinguojizhengquan(xianggang)"} <= {p.category for p in posts}
    for post in posts:
        expected = through_site.posts()[post.info_code].path
        assert written[post.info_code].path.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")
    meta = written[spaced.info_code].meta
    assert meta["categories"] == "21shijijingjibaodao 21caijingAPP" and meta["tags"] == "21世纪经济报道 21财经APP新闻"
    assert meta["url"] == f"{SITE_URL}/21shijijingjibaodao/21caijingapp/2022/02/21/NW202202210000000009.html"
    assert meta["share_url"] == f"http://{SHARE_HOST}/html_News/NewsShare.html?infoCode={spaced.info_code}"


def test_share_backfill_takes_a_long_comma_list(output):
    """15 infoCodes make a list longer than a file name may be: it must not be taken for one."""
    posts = [replace(p, share_host=SHARE_HOST, listed=False) for p in generate_posts(40, seed=6) if not p.is_emnews][:15]
    codes = ",".join(p.info_code for p in posts)
    assert len(posts) == 15 and len(codes) > 255
    with MockSite(posts, include_seed=False).serve() as site:
        result = crawl(site, output, "share", "-a", f"infocodes={codes}", env={"NEWSCRAWL_SHARE": "api"})
    assert result.returncode == 0, result.log
    assert set(result.posts()) == {p.info_code for p in posts}
