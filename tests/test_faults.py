"""Faults and bad input, each through the real crawl: nothing lost, nothing
half-written, every skip explained (rejects.jsonl, a WARNING, the run report)."""

import json
import re
import sqlite3
from datetime import datetime

import pytest
import pytest_twisted

from newscrawl.archive.sqlite_store import SqliteArchiveStore
from newscrawl.mocksite import SHARE_HOSTS, SITE_HOST, Fault, MockSite
from tests.conftest import crawl, crawl_here, make_post

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

POST_PAGE = r"/.+/\d{4}/\d\d/\d\d/.+\.html"


GOOD = make_post("NW202202230000001001")
#: The share JSON for an article it does not have.
NO_ARTICLE = b'{"infoCode": "", "title": "", "showtime": "", "medianame": "", "text": ""}'


def _report(output) -> dict:
    return json.loads((output / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])


def _assert_archived(result, post=GOOD):
    written = result.posts()[post.info_code]
    assert written.meta["title"] == post.title
    assert written.body == "第一段正文。\n\n第二段正文。"
    assert result.tracebacks() == []


@pytest.mark.parametrize(
    "fault, extra",
    [
        (Fault(status=500, times=2), []),
        (Fault(status=503, headers={"Retry-After": "1"}, times=1), []),
        # A timeout of seconds, not one: the retry must answer within it on a busy machine.
        (Fault(delay=6, times=1), ["-s", "DOWNLOAD_TIMEOUT=3"]),
        # Twisted retries a reset keep-alive connection itself, before Scrapy's retries.
        (Fault(reset=True, times=1), []),
        (Fault(body=lambda page: page[: len(page) // 2], times=1), []),  # truncated HTML
    ],
    ids=["500", "503-retry-after", "stall", "reset", "truncated"],
)
def test_transient_fault_is_retried_then_archived(output, fault, extra):
    with MockSite([GOOD], include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, POST_PAGE, fault)
        result = crawl(site, output, "qingdaocaijing", *extra, "-s", "RETRY_TIMES=2")
        assert len(site.post_page_requests()) >= 2
    assert result.returncode == 0, result.log[-3000:]
    _assert_archived(result)
    assert result.rejects() == []
    if not fault.reset:  # a reset is retried by Twisted, below Scrapy's retry middleware and its stats
        assert _report(output)["retries"] >= 1


def _in_gbk(page: bytes) -> bytes:
    """The page in GBK, its charset declared only in the meta tag."""
    text = page.decode("utf-8").replace('<meta charset="UTF-8">', '<meta charset="gbk">')
    return text.encode("gbk", errors="xmlcharrefreplace")


def test_gbk_page_with_meta_charset_only(output):
    with MockSite([GOOD], include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, POST_PAGE, Fault(body=_in_gbk, content_type="text/html"))
        result = crawl(site, output)
    assert result.returncode == 0, result.log
    _assert_archived(result)


@pytest_twisted.ensureDeferred
async def test_always_truncated_page_is_rejected_and_retried_next_run(output):
    with MockSite([GOOD], include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, POST_PAGE, Fault(body=lambda page: page[: len(page) // 2]))
        first = await crawl_here(site, output)
        site.clear_faults()
        second = await crawl_here(site, output)
    assert first.stats["newscrawl/problems"]  # a post could not be fetched: a bad run
    assert [(r["info_code"], r["reason"]) for r in first.rejects()] == [(GOOD.info_code, "unreadable_post_page")]
    assert first.stats["newscrawl/rejected"] == 1 and first.tracebacks() == []
    assert second.report()["posts"]["written"] == 1 and second.stats["newscrawl/problems"] == []
    _assert_archived(second)


def _blank_title_and_date(page: bytes) -> bytes:
    """The real archive's bad post: ``title:``, ``date:  +0800`` and a share link ``<>``.

    Jekyll 4.3 stops the whole build at such a date, so a built page is blanked instead."""
    text = page.decode("utf-8")
    text = re.sub(r"<small>\(GMT\+8, Asia/Shanghai, CST\) [^<]*</small>", "<small>(GMT+8, Asia/Shanghai, CST)  +0800</small>", text)
    text = re.sub(r"<h1>[^<]*</h1>", "<h1></h1>", text)
    text = re.sub(r'<p><a href="http://[^"]*NewsShare[^"]*">[^<]*</a></p>', "<p>&lt;&gt;</p>", text)
    return text.encode("utf-8")


def test_post_with_empty_title_and_date_is_completed_from_its_share_data(output):
    bad = make_post("NW202202230000001002", published=datetime(2022, 2, 23, 21, 5, 7))
    with MockSite([GOOD, bad], include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, re.escape(bad.url_path), Fault(body=_blank_title_and_date))
        result = crawl(site, output)
        asked = [r.query for r in site.requests if r.path == "/NewsData/GetNewsText.do"]
    assert result.returncode == 0, result.log
    assert asked == [f"id={bad.info_code}"]  # its link is empty: the share data is asked by its infoCode
    written = result.posts()[bad.info_code]
    assert (written.meta["title"], written.meta["date"]) == (bad.title, "2022-02-23 21:05:07 +0800")
    assert written.meta["share_url"] == "" and written.body == "第一段正文。\n\n第二段正文。"
    assert result.rejects() == []


@pytest_twisted.ensureDeferred
async def test_post_with_empty_title_and_date_and_no_share_data_is_rejected_not_archived(output):
    bad = make_post("NW202202230000001002")
    with MockSite([GOOD, bad], include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, re.escape(bad.url_path), Fault(body=_blank_title_and_date))
        for host in SHARE_HOSTS:  # the share data has no such article (an outage would be a failure)
            site.add_fault(host, "/NewsData/GetNewsText.do", Fault(body=lambda _: NO_ARTICLE, content_type="application/json"))
        first = await crawl_here(site, output, settings={"NEWSCRAWL_SHARE": "api"})
        site.clear_requests()
        second = await crawl_here(site, output, settings={"NEWSCRAWL_SHARE": "api"})
        retried = [r.path for r in site.post_page_requests()]
    assert set(first.posts()) == {GOOD.info_code}
    assert [(r["info_code"], r["reason"], r["url"]) for r in first.rejects()][0] == (
        bad.info_code, "missing_title_date", "https://finews.withounder.com" + bad.url_path)
    assert first.stats["newscrawl/rejected/missing_title_date"] == first.stats["newscrawl/rejected"] == 1
    assert first.tracebacks() == []
    assert retried == [bad.url_path]  # not archived: the next run tries it again
    assert [(r["info_code"], r["attempts"]) for r in second.rejects()] == [(bad.info_code, 2)]
    assert second.report()["posts"]["rejected"]["by_reason"] == {"missing_title_date": 1}


def test_share_data_that_is_not_json(output):
    empty = make_post("NW202202230000001003", site_body=False)
    with MockSite([GOOD, empty], include_seed=False).serve() as site:
        for host in SHARE_HOSTS:
            site.add_fault(host, "/NewsData/GetNewsText.do", Fault(body=lambda _: b"<html>busy</html>", content_type="text/html"))
        result = crawl(site, output)
    assert set(result.posts()) == {GOOD.info_code}
    rejects = result.rejects()
    # Often an overloaded host's or a proxy's page: a failure, retried, not an absent article.
    assert [(r["info_code"], r["reason"], r["kind"]) for r in rejects] == [(empty.info_code, "unreadable_share_data", "failure")]
    assert "not JSON" in result.log and "Traceback" not in result.log
    assert _report(output)["posts"]["rejected"]["by_reason"] == {"unreadable_share_data": 1}
    assert result.returncode == 1


def test_redirect_loop_is_rejected(output):
    looping = make_post("NW202202230000001004")
    with MockSite([GOOD, looping], include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, re.escape(looping.url_path), Fault(status=302, headers={"Location": looping.url_path}))
        result = crawl(site, output)
    assert set(result.posts()) == {GOOD.info_code}
    assert [(r["info_code"], r["reason"]) for r in result.rejects()] == [(looping.info_code, "redirect_loop")]
    assert "redirect" in result.rejects()[0]["detail"].lower()
    assert "Traceback" not in result.log
    assert result.returncode == 1


def test_category_page_with_50000_links(output):
    listed = [make_post(f"NW2022022300{i:08d}") for i in range(50_000)]
    fresh = listed[:3]
    store = SqliteArchiveStore(output / "state.sqlite3")
    in_place = output / "archived.md"  # each archived post's file is there (a listed post's file is checked)
    in_place.write_text("---\n", encoding="utf-8")
    with store._db:  # one transaction: the 49,997 posts an earlier run archived
        store._db.executemany(
            "INSERT INTO archived (info_code, path, url, archived_at) VALUES (?, ?, '', 0)",
            [(p.info_code, str(in_place)) for p in listed[3:]],
        )
    store.close()
    with MockSite(fresh, include_seed=False).serve() as site:
        links = "".join(f'<li><a href="{p.url_path}">{p.title}</a></li>\n' for p in listed)
        page = f"<html><body><section><ul>{links}</ul></section></body></html>".encode()
        site.add_fault(SITE_HOST, "/category/qingdaocaijingribao.html", Fault(body=lambda _: page))
        result = crawl(site, output)
        requested = sorted(r.path for r in site.post_page_requests())
    assert result.returncode == 0, result.log[-2000:]
    assert requested == sorted(p.url_path for p in fresh)
    assert set(result.posts()) == {p.info_code for p in fresh}
    assert _report(output)["posts"]["skipped"] == 49_997


def test_bad_host_map_fails_at_start_up(output):
    with MockSite([]).serve() as site:
        result = crawl(site, output, env={"NEWSCRAWL_HOST_MAP": '{"finews.withounder.com": "file:///etc"}'})
        assert site.requests == []
    assert result.returncode == 2
    assert "NEWSCRAWL_HOST_MAP: 'finews.withounder.com' must map to an http(s) base URL" in result.log
    assert "Traceback" not in result.log


@pytest_twisted.ensureDeferred
async def test_non_http_links_are_never_requested(output):
    page = (
        '<html><body><section><ul>'
        '<li><a href="file:///etc/qingdaocaijingribao/2022/02/23/NW1.html">x</a></li>'
        '<li><a href="ftp://finews.withounder.com/q/2022/02/23/NW2.html">x</a></li>'
        '<li><a href="javascript:alert(1)">x</a></li>'
        f'<li><a href="{GOOD.url_path}">ok</a></li>'
        '</ul></section></body></html>'
    ).encode()
    with MockSite([GOOD], include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, "/category/qingdaocaijingribao.html", Fault(body=lambda _: page))
        result = await crawl_here(site, output, "qingdaocaijing")
    assert set(result.posts()) == {GOOD.info_code}
    assert all(url.startswith("http") for url in result.scheduled) and len(result.scheduled) == 4  # 2 pages, each mapped
    assert result.stats.get("downloader/exception_count") is None and result.tracebacks() == []


def test_state_store_survives_and_counts_match(output):
    with MockSite([GOOD]).serve() as site:
        crawl(site, output)
    db = sqlite3.connect(output / "state.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT COUNT(*) FROM archived").fetchone()[0] == len(list((output / "_posts").glob("*.md")))
