"""``scrapy search``: Chinese full text over the archive, kept up to date by the crawls themselves."""

import html
import json
import sqlite3
from datetime import datetime, timedelta

import pytest

from newscrawl.mocksite import DEFAULT_CATEGORIES, MockSite, generate_posts
from tests.conftest import crawl, make_post, post_item, read_posts, scrapy, write_archive

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

ALL_CATEGORIES = "categories=" + ",".join(slug for slug, _, _ in DEFAULT_CATEGORIES)
#: Two-character words of the mock site's posts, some in most posts, some in few.
WORDS = ["市场", "基金", "青岛", "增长", "银行", "指数", "港股"]


def search(output, tmp_path, *args: str, env: dict | None = None) -> list[dict]:
    """The hits of ``scrapy search ARGS``, best first, as its JSON-lines feed gives them."""
    hits = tmp_path / "hits.jsonl"
    result = scrapy(output, "search", *args, "-O", str(hits), env=env)
    assert result.returncode == 0, result.stderr
    assert "hit(s) in" in result.stderr  # its own query time
    return [json.loads(line) for line in hits.read_text(encoding="utf-8").splitlines()]


def scan(output, word: str) -> set[str]:
    """The posts whose title or body holds ``word``: a plain scan of the files."""
    return {post.meta["info_code"] for post in read_posts(output)
            if word in html.unescape(post.meta["title"]) or word in post.body}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The archive of a crawl of 60 posts in every category, shared by the tests that only search it."""
    output = tmp_path_factory.mktemp("crawled") / "output"
    site = MockSite(generate_posts(60, seed=22))
    with site.serve():
        run = crawl(site, output, "finews", "-a", ALL_CATEGORIES)
    assert run.returncode == 0, run.log
    return output


def test_a_two_character_word_finds_every_post_holding_it_and_no_other(crawled, tmp_path):
    posts = len(read_posts(crawled))
    checked = 0
    for word in WORDS:
        expected = scan(crawled, word)
        found = [hit["info_code"] for hit in search(crawled, tmp_path, word, "-n", "0")]
        assert len(found) == len(set(found)), word
        assert set(found) == expected, word  # recall and precision both 1
        checked += 0 < len(expected) < posts
    assert checked >= 4  # words that split the archive, not only words every post or no post holds


def test_a_piece_of_a_title_finds_its_post_in_the_top_ten(crawled, tmp_path):
    pieces = 0
    for post in read_posts(crawled)[::9]:
        title = html.unescape(post.meta["title"])
        piece = max(title.split(), key=len)[1:9]  # eight characters from inside its longest stretch
        if len(piece) < 4:
            continue
        top = [hit["info_code"] for hit in search(crawled, tmp_path, piece, "-n", "10")]
        assert post.meta["info_code"] in top, (piece, title)
        pieces += 1
    assert pieces >= 5


def test_posts_of_a_later_crawl_are_found_with_no_other_command(output, tmp_path):
    site = MockSite(generate_posts(20, seed=3))
    with site.serve():
        assert crawl(site, output, "finews", "-a", ALL_CATEGORIES).returncode == 0
        site.add_posts([make_post("NW202203010000000001", title="鲲鹏计划落地青岛", published=datetime(2022, 3, 1, 9, 0, 0)),
                        make_post("NW202203010000000002", title="鲲鹏基金开始募集", published=datetime(2022, 3, 1, 9, 5, 0))])
        later = crawl(site, output, "finews", "-a", ALL_CATEGORIES)
    assert later.returncode == 0, later.log
    # The crawl indexed them itself: the index holds every post file before any search runs.
    with sqlite3.connect(output / "search.sqlite3") as db:
        indexed = {name for (name,) in db.execute("SELECT name FROM posts")}
    assert indexed == {post.path.name for post in read_posts(output)}
    hits = search(output, tmp_path, "鲲鹏")
    assert {hit["info_code"] for hit in hits} == {"NW202203010000000001", "NW202203010000000002"}
    assert [hit["info_code"] for hit in search(output, tmp_path, "鲲鹏", "基金")] == ["NW202203010000000002"]


def archive_of_days_and_categories(output):
    """Ten posts, two a day from 2022-02-20 to 02-24, Wind and emnews each day, all about 市场."""
    start = datetime(2022, 2, 20, 9, 0, 0)
    write_archive(output, [
        post_item(info_code=f"NW{n:04d}", category=category, date=f"{start + timedelta(days=n // 2):%Y-%m-%d %H:%M:%S} +0800",
                  title=f"标题{n}", body="市场" + "消息" * n)
        for n, category in enumerate(["Wind", "emnews"] * 5)
    ])


def test_search_filters_by_day_and_category_and_limits_the_hits(output, tmp_path):
    archive_of_days_and_categories(output)

    def found(*args):
        return sorted(hit["info_code"] for hit in search(output, tmp_path, "市场", *args))

    assert found("-n", "0") == [f"NW{n:04d}" for n in range(10)]
    assert found("--since", "2022-02-22", "--until", "2022-02-23") == ["NW0004", "NW0005", "NW0006", "NW0007"]
    assert found("--categories", "Wind") == ["NW0000", "NW0002", "NW0004", "NW0006", "NW0008"]
    assert found("--categories", "emnews,Wind", "--since", "2022-02-24") == ["NW0008", "NW0009"]
    assert len(found("-n", "3")) == 3


def test_phrases_and_or_not(output, tmp_path):
    bodies = {"NW0001": "北向资金今日大幅流入。", "NW0002": "资金流入放缓，北向暂停。", "NW0003": "城市场景的新能源汽车。",
              "NW0004": "基金经理看好市场。"}
    write_archive(output, [post_item(info_code=code, title=f"快讯{code[-1]}", body=body) for code, body in bodies.items()])

    def found(*query):
        return sorted(hit["info_code"] for hit in search(output, tmp_path, *query, "-n", "0"))

    assert found("北向", "流入") == ["NW0001", "NW0002"]  # both words, anywhere
    assert found('"资金流入"') == ["NW0002"]  # the phrase as written
    assert found("北向资金流入") == ["NW0001", "NW0002"]  # jieba's words 北向, 资金, 流入: both hold all three
    assert found('"北向资金流入"') == []
    assert found("城市 OR 基金") == ["NW0003", "NW0004"]
    assert found("市场 NOT 基金") == ["NW0003"]
    assert found("(北向 OR 城市) 汽车") == ["NW0003"]


def test_a_missing_or_stale_index_is_rebuilt_from_the_post_files(output, tmp_path):
    write_archive(output, [post_item(info_code=f"NW{n:04d}", title=f"标题{n}", body=f"市场消息{n}") for n in range(5)])
    assert len(search(output, tmp_path, "市场")) == 5  # no index yet: built
    posts = output / "_posts"
    (posts / "2022-02-23-NW0000.md").unlink()  # removed by hand
    write_archive(output, [post_item(info_code="NW0001", title="改写", body="市场改写后的正文")])  # rewritten
    write_archive(output, [post_item(info_code="NW0009", title="新文章", body="市场新消息")])  # copied in
    assert sorted(hit["info_code"] for hit in search(output, tmp_path, "市场")) == ["NW0001", "NW0002", "NW0003", "NW0004", "NW0009"]
    assert [hit["info_code"] for hit in search(output, tmp_path, "改写")] == ["NW0001"]
    (output / "search.sqlite3").write_bytes(b"not a database at all")
    assert len(search(output, tmp_path, "市场")) == 5
    assert len(search(output, tmp_path, "市场", "--reindex")) == 5


def test_a_crawl_whose_index_cannot_be_written_loses_no_post_and_says_so_once(output, tmp_path):
    blocked = tmp_path / "index-is-a-directory"
    blocked.mkdir()
    site = MockSite(generate_posts(40, seed=5))
    with site.serve():
        run = crawl(site, output, "finews", "-a", ALL_CATEGORIES, env={"NEWSCRAWL_SEARCH_INDEX": str(blocked)})
    assert run.returncode == 0, run.log
    assert len(run.posts()) == len(site.posts)
    assert run.log.count("Search index not updated") == 1 and not run.tracebacks()
    assert len(search(output, tmp_path, "市场", "-n", "0")) == len(scan(output, "市场"))  # the default index: built now


def test_search_usage_and_index_errors_are_one_line_and_exit_2(output, tmp_path):
    write_archive(output, [post_item()])
    for args in ([], ["AND"], ["市场 AND"], ["市场", "-n", "-1"], ["市场", "--since", "yesterday"]):
        result = scrapy(output, "search", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
    blocked = tmp_path / "index-is-a-directory"
    blocked.mkdir()
    result = scrapy(output, "search", "市场", env={"NEWSCRAWL_SEARCH_INDEX": str(blocked)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("newscrawl:")] == [
        line for line in result.stderr.splitlines() if str(blocked) in line]


def test_search_prints_one_line_a_hit_with_the_word_marked(output, tmp_path):
    write_archive(output, [post_item(info_code="NW0001", title="北向资金", body="今天北向资金流入市场。")])
    result = scrapy(output, "search", "市场")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2022-02-23 10:30  qingdaocaijingribao  北向资金  "
        "https://finews.withounder.com/qingdaocaijingribao/2022/02/23/NW0001.html  今天北向资金流入**市场**。"]
