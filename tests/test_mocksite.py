"""The mock site itself: real Jekyll renders its posts as the real site rendered the samples."""

import json
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime
from urllib.parse import quote

import pytest

from newscrawl.mocksite import (
    SITE_CATEGORIES,
    SITE_HOST,
    SPACED,
    MockSite,
    Post,
    build_site,
    generate_posts,
    seed_post,
    source_text,
)
from newscrawl.mocksite.source_posts import SEED_FILE
from newscrawl.mocksite.upstream import eastmoney_article, share_json
from tests.conftest import SAMPLES_DIR


def sample(name: str) -> str:
    return (SAMPLES_DIR / name).read_text(encoding="utf-8")


def fetch(site: MockSite, host: str, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(site.host_map[host] + quote(path, safe="/()?=,&")) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- The posts behind the sample pages --------------------------------------------------------

def spaced_sample_post() -> Post:
    page = sample("site/post-spaced-category-NW202202212285020117.html")
    body = re.search(r"<h1>.*?</h1>\n\n(.*?)\n\n<p><a href=\"http", page, re.S)[1]
    return Post("NW202202212285020117", SPACED[0], "新能源汽车销量同比增长 #热点", datetime(2022, 2, 21, 3, 17, 28),
                SPACED[1], SPACED[2], body)


def emnews_sample_post() -> Post:
    digest = ("市场热点轮动实在太快了！昨天还是基金人满仓跌停的一天，今天就是基金人回血的一天了；开盘还是光伏、锂电的天下，"
              "临近午盘时，大消费、半导体、军工竞相表演。")
    return Post("202112082206935918", "emnews", "白酒突然爆发！茅台飙900亿 军工火了 巨头首秀破发！",
                datetime(2021, 12, 8, 12, 47, 49), "中国基金报", "东财滚动新闻",
                f'<p>\u3000\u3000{digest}</p>\n<p class="em_media">（文章来源：中国基金报）</p>',
                shown_late=True, back_link_form=2)


def test_seed_post_is_written_as_the_generator_wrote_it():
    assert source_text(seed_post()) == SEED_FILE.read_text(encoding="utf-8")
    assert SEED_FILE.read_bytes() == (SAMPLES_DIR / "source-post-2022-02-23-NW202202232285760343.md").read_bytes()
    assert json.loads(share_json(seed_post())) == json.loads(
        sample("share/GetNewsText.do-id-NW202202232285760343.json"))


@pytest.mark.parametrize(
    "built, name",
    [
        ("qingdaocaijingribao/2022/02/23/NW202202232285760343.html",
         "site/post-qingdaocaijingribao-NW202202232285760343.html"),
        ("21shijijingjibaodao/21caijingapp/2022/02/21/NW202202212285020117.html",
         "site/post-spaced-category-NW202202212285020117.html"),
        ("emnews/2021/12/08/202112082206935918.html", "site/post-emnews-202112082206935918.html"),
        ("category/qingdaocaijingribao.html", "site/category/qingdaocaijingribao.html"),
        ("category/21shijijingjibaodao 21caijingAPP.html", "site/category/SPACED-21shijijingjibaodao_21caijingAPP.html"),
    ],
)
def test_jekyll_builds_the_sample_pages_byte_for_byte(built, name):
    site = build_site([seed_post(), spaced_sample_post(), emnews_sample_post()])
    assert (site / built).read_text(encoding="utf-8") == sample(name)


def test_eastmoney_article_is_like_the_sample():
    page = sample("share/eastmoney-article-11158_202202222285029445.html")
    paragraphs = re.findall(r"<p>\u3000\u3000.*?</p>", page)
    post = Post("202202222285029445", "emnews", "A股三大指数集体收涨 & 市场展望", datetime(2022, 2, 22, 1, 42, 10),
                "上海证券报", "东财滚动新闻", "\n".join(paragraphs) + '\n<p class="em_media">（文章来源：上海证券报）</p>')
    assert eastmoney_article(post) == page


# --- Generated sites ---------------------------------------------------------------------------

GENERATED = generate_posts(200, seed=3, categories=SITE_CATEGORIES)


def test_generated_posts_carry_the_archives_quirks():
    assert GENERATED == generate_posts(200, seed=3, categories=SITE_CATEGORIES)
    assert GENERATED[150:] == generate_posts(50, seed=3, categories=SITE_CATEGORIES, first=150)
    assert len({p.info_code for p in GENERATED}) == len({p.displayed_time for p in GENERATED}) == 200
    emnews = [p for p in GENERATED if p.is_emnews]
    assert any(p.shown_late for p in emnews) and any(p.share_link_empty for p in emnews)
    assert any(p.ascii_digest for p in emnews) and len({p.publisher for p in emnews}) > 1
    assert any(not p.site_body for p in GENERATED)
    assert {p.back_link_form for p in GENERATED} == {0, 1, 2}
    assert {p.category for p in GENERATED} == {slug for slug, _, _ in SITE_CATEGORIES}
    titles = " ".join(p.title for p in GENERATED)
    assert all(mark in titles for mark in ("<研报>", '"', "&", "“")) and any(p.title.startswith(" ") for p in GENERATED)
    bodies = " ".join(p.body_html for p in GENERATED)
    for quirk in ("<table>", "<img", "EM_StockImg_Start", "display:none", "keytip", "em_stock_key_common"):
        assert quirk in bodies, quirk


@pytest.mark.parametrize("home", ["index", "latest100"])
def test_every_post_comes_out_at_its_url(home):
    site = MockSite(GENERATED, home=home)
    for post in site.posts:
        assert (site.site_dir / post.url_path.lstrip("/")).is_file(), post.url_path
    home_page = (site.site_dir / "index.html").read_text(encoding="utf-8")
    assert "&lt;/a&gt;&lt;/li&gt;" in home_page  # a <研报> title made kramdown escape the rest of its list
    tags = Counter(tag for post in site.posts for tag in post.tags)
    listed = 100 if home == "latest100" else sum(min(5, n) for n in tags.values())
    assert home_page.split("<section>")[1].count("<li>") == listed
    assert "<li>" not in (site.site_dir / f"category/{SPACED[0]}.html").read_text(encoding="utf-8")
    spaced = {p.info_code for p in site.posts if p.category == SPACED[0]}
    assert spaced - site.reachable_codes() and site.reachable_codes() - spaced


# --- Serving -----------------------------------------------------------------------------------

@pytest.fixture
def served():
    site = MockSite(GENERATED[:40])
    with site.serve():
        yield site


def test_the_built_site_is_served(served):
    post = next(p for p in served.posts if p.category == "Wind")
    status, page = fetch(served, SITE_HOST, post.url_path)
    assert status == 200 and page == (served.site_dir / post.url_path.lstrip("/")).read_bytes()
    assert fetch(served, SITE_HOST, "/")[0] == fetch(served, SITE_HOST, "/feed.xml")[0] == 200
    assert fetch(served, SITE_HOST, "/category/Wind.html")[0] == 200
    assert fetch(served, SITE_HOST, "/category/wind.html")[0] == 404  # slug case is kept
    assert fetch(served, SITE_HOST, "/wind/")[0] == 404
    assert served.paths(SITE_HOST) == [post.url_path, "/", "/feed.xml", "/category/Wind.html",
                                       "/category/wind.html", "/wind/"]
    assert served.request_counts() == {"post": 1, "home": 1, "feed": 1, "category": 2, "other": 1}


def test_share_json(served):
    status, body = fetch(served, "finews.zning.xyz", "/NewsData/GetNewsText.do?id=NW000")
    assert status == 200 and json.loads(body)["text"] == ""
    post = next(p for p in served.posts if p.category == "Wind")
    data = json.loads(fetch(served, "finews.zning.xyz", f"/NewsData/GetNewsText.do?id={post.info_code}")[1])
    assert data["showtime"] == f"{post.published:%Y-%m-%d %H:%M:%S}" and post.body_html in data.values()
    served.json_status = 503
    assert fetch(served, "finews.zning.xyz", f"/NewsData/GetNewsText.do?id={post.info_code}")[0] == 503
    served.json_refused = True
    with pytest.raises((urllib.error.URLError, ConnectionError, socket.error)):
        urllib.request.urlopen(served.host_map["finews.zning.xyz"] + "/NewsData/GetNewsText.do?id=x")
    assert served.requests[-1].status == 0


def test_json_only_for_share_page_serves_the_share_pages_script_only(served):
    served.json_only_for_share_page = True
    base = served.host_map["finews.zning.xyz"]
    data_url = f"{base}/NewsData/GetNewsText.do?id={seed_post().info_code}"
    assert fetch(served, "finews.zning.xyz", data_url[len(base):])[0] == 403
    page_request = urllib.request.Request(
        data_url, headers={"Referer": f"{base}/html_News/NewsShare.html?infoCode={seed_post().info_code}"})
    with urllib.request.urlopen(page_request) as response:
        assert response.status == 200 and json.loads(response.read())["medianame"] == "青岛财经日报"


def test_emnews_post_links_to_its_eastmoney_article(served):
    post = next(p for p in served.posts if p.is_emnews and not p.share_link_empty)
    status, page = fetch(served, SITE_HOST, post.url_path)
    assert status == 200 and post.share_url.encode() in page
    status, article = fetch(served, "finance.eastmoney.com", post.share_url.split("finance.eastmoney.com")[1])
    assert status == 200 and f'<div class="time">{post.published:%Y年%m月%d日 %H:%M}</div>'.encode() in article


def test_posts_can_be_added_and_removed_while_serving(served):
    post = generate_posts(1, first=1000)[0]
    assert fetch(served, SITE_HOST, post.url_path)[0] == 404
    served.add_post(post)
    assert fetch(served, SITE_HOST, post.url_path)[0] == 200
    assert post.url_path.encode() in fetch(served, SITE_HOST, "/feed.xml")[1]
    served.remove_post(post.info_code)
    assert fetch(served, SITE_HOST, post.url_path)[0] == 404
    assert post.url_path.encode() not in fetch(served, SITE_HOST, "/feed.xml")[1]


def test_command_line_server_adds_posts_and_counts_requests():
    server = subprocess.Popen([sys.executable, "-m", "newscrawl.mocksite", "--posts", "3", "--new-posts", "2"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    newest = quote(generate_posts(2, first=3)[-1].url_path, safe="/()")  # what the first SIGUSR1 adds last
    try:
        site = json.loads(server.stdout.readline())[SITE_HOST]
        urllib.request.urlopen(site + "/robots.txt").read()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(site + newest)
        server.send_signal(signal.SIGUSR2)
        assert server.stdout.readline() == 'requests {"post": 1, "robots": 1}\n'
        server.send_signal(signal.SIGUSR1)
        assert server.stdout.readline() == "added 2\n"
        assert urllib.request.urlopen(site + newest).status == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert errors == 'requests: {"post": 2, "robots": 1}\n'
