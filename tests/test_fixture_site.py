"""Tests of the fixture site itself: it must render the real sample pages byte for byte."""

import html
import json
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime
from urllib.parse import quote

import lxml.html
import pytest

from tests.fixture_site import (
    SAMPLES_DIR,
    SITE_HOST,
    SITE_URL,
    FixtureSite,
    Post,
    generate_posts,
    post_content,
    render_eastmoney_article,
    render_post_page,
    sample_post,
)

SPACED = ("21shijijingjibaodao 21caijingAPP", "21世纪经济报道 21财经APP", "21世纪经济报道 21财经APP新闻")


def sample(name: str) -> str:
    return (SAMPLES_DIR / name).read_text(encoding="utf-8")


def fetch(site: FixtureSite, host: str, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(site.host_map[host] + quote(path, safe="/()?=,&")) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- Posts behind the other sample pages ---------------------------------------------------

def spaced_sample_post() -> Post:
    body = re.search(r"<h1>.*?</h1>\n\n(.*?)\n\n<p><a href=\"http", sample("site/post-spaced-category-NW202202212285020117.html"), re.S)[1]
    return Post("NW202202212285020117", SPACED[0], "新能源汽车销量同比增长 #热点", datetime(2022, 2, 21, 3, 17, 28),
                SPACED[1], SPACED[2], body)


def emnews_sample_post() -> Post:
    digest = "市场热点轮动实在太快了！昨天还是基金人满仓跌停的一天，今天就是基金人回血的一天了；开盘还是光伏、锂电的天下，临近午盘时，大消费、半导体、军工竞相表演。"
    return Post("202112082206935918", "emnews", "白酒突然爆发！茅台飙900亿 军工火了 巨头首秀破发！",
                datetime(2021, 12, 8, 12, 47, 49), "中国基金报", "东财滚动新闻",
                f'<p>\u3000\u3000{digest}</p>\n<p class="em_media">（文章来源：中国基金报）</p>',
                shown_late=True, back_link_form=2)


def feed_sample_posts() -> list[Post]:
    """The ten posts of the sample feed, rebuilt from it (titles from the sample home page)."""
    raw_titles = dict(re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', sample("site/index.html")))
    posts = []
    for entry in re.findall(r"<entry>(.*?)</entry>", sample("site/feed.xml"), re.S):
        path = re.search(r'<link href="([^"]+)"', entry)[1].removeprefix(SITE_URL)
        info_code = path.rsplit("/", 1)[1].removesuffix(".html")
        shown = datetime.strptime(re.search(r"<published>(.*?)\+08:00", entry)[1], "%Y-%m-%dT%H:%M:%S")
        category, tag = re.findall(r'<category term="([^"]+)" />', entry)
        content = re.search(r"<!\[CDATA\[(.*?)\]\]></content>", entry, re.S)[1]
        body, link, back = content.split("\n\n")
        link = re.search(r'href="([^"]+)"', link)[1]
        fields = dict(back_link_form=0 if "/category/" in back else 1 if "｜" in back else 2)
        if category == "emnews":
            text, publisher = re.fullmatch(r"<p>(.*)（(.*?)）</p>", body).groups()
            body = f'<p>{text}</p><p class="em_media">（文章来源：{publisher}）</p>'
            fields["eastmoney_column"] = re.search(r"/news/(\d+),", link)[1]
            # The sample eastmoney article gives this one's true time: 01:42, shown 09:42.
            fields["shown_late"] = info_code == "202202222285029445"
        else:
            publisher = re.search(r"（文章来源：(.*?)）</p>$", body)[1]
            fields["share_host"] = link.split("/")[2]
        published = shown.replace(hour=shown.hour - 8) if fields.get("shown_late") else shown
        title = html.unescape(raw_titles[path])
        posts.append(Post(info_code, category, title, published, publisher, tag, body, **fields))
    return posts


def home_only_sample_posts() -> list[Post]:
    """Posts of the sample home page that are too old for the feed (times made up, in order)."""

    def emnews(code, title, when):
        return Post(code, "emnews", title, when, "证券时报", "东财滚动新闻", "<p>体制机制更顺畅下活高质量发展大棋</p>")

    return [
        emnews("202202202285010893", "港股科技股午后走强——详解详解详解", datetime(2022, 2, 20, 12, 0)),
        emnews("202112082206672930", "离岸人民币兑美元升至2018年以来最高水平", datetime(2021, 12, 8, 9, 0)),
        emnews_sample_post(),
        spaced_sample_post(),
        Post("NW202202212285024505", "Wind", "多家银行下调存款利率——详解详解详解", datetime(2022, 2, 21, 10, 0),
             "Wind", "Wind新闻", '<p>体制机制更顺畅下活高质量发展大棋</p><p class="em_media">（文章来源：Wind）</p>'),
    ]


# --- Byte-for-byte fidelity -----------------------------------------------------------------

@pytest.mark.parametrize(
    "make_post, name",
    [
        (sample_post, "site/post-qingdaocaijingribao-NW202202232285760343.html"),
        (spaced_sample_post, "site/post-spaced-category-NW202202212285020117.html"),
        (emnews_sample_post, "site/post-emnews-202112082206935918.html"),
    ],
)
def test_post_page_renders_like_the_sample(make_post, name):
    assert render_post_page(make_post()) == sample(name)


def test_feed_and_home_render_like_the_samples():
    site = FixtureSite(feed_sample_posts() + home_only_sample_posts(), include_samples=False)
    feed = site.respond(SITE_HOST, "/feed.xml", "")[2].decode()
    updated = re.compile(r"<updated>[^<]*</updated>")
    assert updated.sub("", feed, count=1) == updated.sub("", sample("site/feed.xml"), count=1)
    # The sample home page also lists a site news post (站长消息), not modelled here.
    home = re.sub(r'<h2 id="站长消息">.*?<hr />\n\n', "", sample("site/index.html"), flags=re.S)
    assert site.respond(SITE_HOST, "/", "")[2].decode() == home


def test_category_pages_render_like_the_samples():
    site = FixtureSite([spaced_sample_post()])
    page = site.respond(SITE_HOST, "/category/qingdaocaijingribao.html", "")[2].decode()
    assert page == sample("site/category/qingdaocaijingribao.html")
    page = site.respond(SITE_HOST, f"/category/{SPACED[0]}.html", "")[2].decode()
    assert page == sample("site/category/SPACED-21shijijingjibaodao_21caijingAPP.html")


def test_eastmoney_article_renders_like_the_sample():
    post = next(p for p in feed_sample_posts() if p.info_code == "202202222285029445")
    paragraphs = re.findall(r"<p>\u3000\u3000.*?</p>", sample("share/eastmoney-article-11158_202202222285029445.html"))
    post.body_html = "\n".join(paragraphs) + '\n<p class="em_media">（文章来源：上海证券报）</p>'
    assert render_eastmoney_article(post) == sample("share/eastmoney-article-11158_202202222285029445.html")


# --- Serving ------------------------------------------------------------------------------------

@pytest.fixture
def served():
    site = FixtureSite(generate_posts(40, categories=[SPACED, ("Wind", "Wind", "Wind新闻"), ("emnews", "东财滚动新闻", "东财滚动新闻")]))
    with site.serve():
        yield site


def test_sample_post_and_json_are_served_verbatim(served):
    post = served.sample_post()
    assert fetch(served, SITE_HOST, post.url_path) == (
        200, (SAMPLES_DIR / "site/post-qingdaocaijingribao-NW202202232285760343.html").read_bytes())
    for host in ("finews.zning.xyz", "choicewzp1.eastmoney.com"):
        assert fetch(served, host, f"/NewsData/GetNewsText.do?id={post.info_code}") == (
            200, (SAMPLES_DIR / "share/GetNewsText.do-id-NW202202232285760343.json").read_bytes())
    status, page = fetch(served, SITE_HOST, "/category/qingdaocaijingribao.html")
    assert status == 200 and post.url_path.encode() in page
    assert post.url_path in served.paths(SITE_HOST)


def test_spaced_category_page_lists_nothing(served):
    spaced = {p.info_code for p in served.posts if p.category == SPACED[0]}
    status, page = fetch(served, SITE_HOST, f"/category/{SPACED[0]}.html")
    assert spaced and status == 200 and b"<li>" not in page
    # Only the home page (5 per tag) and the feed link to them.
    assert 0 < len(spaced & served.reachable_codes()) < len(spaced)
    assert f"/category/{SPACED[0]}.html" in served.paths(SITE_HOST)
    assert fetch(served, SITE_HOST, "/category/wind.html")[0] == 404  # slug case is kept
    assert fetch(served, SITE_HOST, "/wind/")[0] == 404


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
    data_url = f"{base}/NewsData/GetNewsText.do?id={served.sample_post().info_code}"
    assert fetch(served, "finews.zning.xyz", data_url[len(base):])[0] == 403
    page_request = urllib.request.Request(
        data_url, headers={"Referer": f"{base}/html_News/NewsShare.html?infoCode={served.sample_post().info_code}"})
    with urllib.request.urlopen(page_request) as response:
        assert response.status == 200 and json.loads(response.read())["medianame"] == "青岛财经日报"


def test_generated_post_pages_have_the_broken_og_description(served):
    post = next(p for p in served.posts if p.category == "Wind" and p.site_body)
    status, page = fetch(served, SITE_HOST, post.url_path)
    content = post_content(post)
    assert status == 200 and f'<meta property="og:description" content="{content}">'.encode() in page
    # A parser ends the attribute at the body's first `"`: the rest spills into the head.
    parsed = lxml.html.fromstring(page).xpath('//meta[@property="og:description"]/@content')[0]
    assert parsed == content.split('"')[0]
    assert served.post_page_requests()[-1].path == post.url_path


def test_emnews_post_links_to_its_eastmoney_article(served):
    post = next(p for p in served.posts if p.is_emnews)
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
    server = subprocess.Popen([sys.executable, "-m", "tests.fixture_site", "--posts", "3", "--new-posts", "2"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    newest = generate_posts(2, first=3)[-1]  # what the first SIGUSR1 adds last
    try:
        site = json.loads(server.stdout.readline())[SITE_HOST]
        urllib.request.urlopen(site + "/robots.txt").read()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(site + newest.url_path)
        server.send_signal(signal.SIGUSR2)
        assert server.stdout.readline() == 'requests {"post": 1, "robots": 1}\n'
        server.send_signal(signal.SIGUSR1)
        assert server.stdout.readline() == "added 2\n"
        assert urllib.request.urlopen(site + newest.url_path).status == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=10)
    assert errors == 'requests: {"post": 2, "robots": 1}\n'


# --- Generated posts ------------------------------------------------------------------------------

def test_generate_posts_is_deterministic_and_continues():
    posts = generate_posts(300, seed=3)
    assert posts == generate_posts(300, seed=3)
    assert posts[200:] == generate_posts(100, seed=3, first=200)
    assert posts != generate_posts(300, seed=4)
    assert len({p.info_code for p in posts}) == 300
    assert len({p.published for p in posts}) == len({p.displayed_time for p in posts}) == 300
    assert any(p.shown_late for p in posts) and any(not p.site_body for p in posts)
    assert {p.back_link_form for p in posts} == {0, 1, 2}
    assert len({p.publisher for p in posts if p.is_emnews}) > 1
