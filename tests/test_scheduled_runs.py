"""Scheduled and backfill runs: incremental cost, discovery, windows, refresh,
resume, exit status, overlap lock, run report and progress lines."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from filelock import FileLock

from newscrawl.mocksite import SITE_HOST, SPACED, Fault, MockSite, Post, generate_posts
from tests.conftest import FAST, REPO, crawl, read_posts

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)




def categories_of(posts: list[Post]) -> str:
    return "categories=" + ",".join(sorted({p.category for p in posts}))


def test_incremental_runs_cost_category_pages_plus_new_posts(output):
    posts = generate_posts(400, seed=21)
    with MockSite(posts, include_seed=False).serve() as site:
        backfill = crawl(site, output, "finews", "-a", categories_of(posts), timeout=300)
        assert backfill.returncode == 0, backfill.log[-3000:]
        assert len(read_posts(output)) == 400

        new = generate_posts(6, seed=21, first=400)  # newer posts, some needing share data
        site.add_posts(new)
        site.clear_requests()
        incremental = crawl(site, output, "finews", "-a", categories_of(posts))
        assert incremental.returncode == 0, incremental.log
        counts = site.request_counts()
        assert counts["category"] == len({p.category for p in posts})
        assert sorted(r.path for r in site.post_page_requests()) == sorted(p.url_path for p in new)
        needing_share = [p for p in new if (p.is_emnews and not p.share_link_empty) or not p.site_body]
        assert counts["share_json"] + counts["eastmoney_article"] == len(needing_share)
        assert set(counts) <= {"category", "post", "share_json", "eastmoney_article", "robots"}
        assert len(read_posts(output)) == 406

        site.clear_requests()
        before = {p.path.name: p.path.stat().st_mtime_ns for p in read_posts(output)}
        idle = crawl(site, output, "finews", "-a", categories_of(posts))
        assert idle.returncode == 0, idle.log
        assert site.post_page_requests() == []
        assert site.request_counts()["category"] == len({p.category for p in posts})
        assert {p.path.name: p.path.stat().st_mtime_ns for p in read_posts(output)} == before


def test_categories_all_discovers_every_category_and_spaced_posts(output):
    posts = generate_posts(120, seed=4)
    spaced = [
        replace(posts[i], info_code=f"NW2022030{i}00000000", category=SPACED[0], publisher=SPACED[1], tag=SPACED[2],
                published=posts[-1].published + timedelta(hours=i + 1), back_link_form=1)  # no /category/ link
        for i in range(3)
    ]
    with MockSite(posts + spaced).serve() as site:
        result = crawl(site, output, "finews", "-a", "categories=all")
        assert "/" in site.paths(SITE_HOST) and "/feed.xml" in site.paths(SITE_HOST)
    assert result.returncode == 0, result.log[-3000:]
    written = result.posts()
    assert set(written) == {p.info_code for p in posts + spaced} | {"NW202202232285760343"}
    for post in posts + spaced:
        assert written[post.info_code].meta["categories"] == post.category  # case and space kept
    assert written["NW202202232285760343"].meta["categories"] == "qingdaocaijingribao"


def test_date_window_requests_only_posts_inside_it(output):
    generated = generate_posts(40, seed=9)
    posts = [replace(p, published=generated[0].published + timedelta(hours=7 * i), shown_late=False)
             for i, p in enumerate(generated)]
    days = sorted({p.displayed_time.date() for p in posts})
    since, until = days[1], days[-2]
    with MockSite(posts, include_seed=False).serve() as site:
        result = crawl(site, output, "finews", "-a", categories_of(posts), "-a", f"since={since}", "-a", f"until={until}")
        requested = {r.path for r in site.post_page_requests()}
    assert result.returncode == 0, result.log
    inside = {p.url_path for p in posts if since <= p.displayed_time.date() <= until}
    assert requested == inside and 0 < len(inside) < len(posts)
    assert len(result.posts()) == len(inside)


def test_bad_window_is_a_config_error(output):
    with MockSite([]).serve() as site:
        result = crawl(site, output, "finews", "-a", "categories=Wind", "-a", "since=2022-13-01")
    assert result.returncode == 2
    assert "since=2022-13-01 is not a date" in result.log and "Traceback" not in result.log


def test_refresh_rewrites_archived_posts_without_duplicates(output):
    posts = [p for p in generate_posts(20, seed=12) if p.category != "emnews" and p.site_body]
    with MockSite(posts, include_seed=False).serve() as site:
        assert crawl(site, output, "finews", "-a", categories_of(posts)).returncode == 0
        fixed = replace(posts[0], title="更正后的标题")
        moved = replace(posts[1], published=posts[1].published - timedelta(days=3))
        site.add_posts([fixed, moved])
        result = crawl(site, output, "finews", "-a", categories_of(posts), "-a", "refresh=1")
    assert result.returncode == 0, result.log
    written = read_posts(output)
    assert sorted(p.meta["info_code"] for p in written) == sorted(p.info_code for p in posts)
    by_code = {p.meta["info_code"]: p for p in written}
    assert by_code[fixed.info_code].meta["title"] == "更正后的标题"
    assert by_code[moved.info_code].path.name.startswith(moved.published.strftime("%Y-%m-%d"))


def _start_crawl(site, output, *args, env=None):
    full_env = {**os.environ, **site.env(), "NEWSCRAWL_OUTPUT_DIR": str(output), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "finews", *FAST, *args],
        cwd=REPO, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_for_files(output, count, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((output / "_posts").glob("*.md"))) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"crawl ended or stalled before writing {count} posts")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_backfill_resumes_complete(output, signum):
    posts = generate_posts(150, seed=13)
    with MockSite(posts, include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, r"/.+/\d{4}/\d\d/\d\d/.+\.html", Fault(delay=0.2))
        proc = _start_crawl(site, output, "-a", categories_of(posts), "-s", "CONCURRENT_REQUESTS=4")
        _wait_for_files(output, 20, proc)
        proc.send_signal(signum)
        proc.communicate(timeout=60)
        assert proc.returncode != 0
        assert len(read_posts(output)) < len(posts)
        site.clear_faults()
        rerun = crawl(site, output, "finews", "-a", categories_of(posts))
    assert rerun.returncode == 0, rerun.log
    written = read_posts(output)
    assert sorted(p.meta["info_code"] for p in written) == sorted(p.info_code for p in posts)
    assert not list((output / "_posts").glob(".*"))  # no temporary files left


def test_exit_status(output):
    posts = [p for p in generate_posts(12, seed=14) if p.category != "emnews"]
    with MockSite(posts, include_seed=False).serve() as site:
        ok = crawl(site, output / "ok", "finews", "-a", categories_of(posts))
        assert ok.returncode == 0, ok.log

        cut_short = crawl(site, output / "cut", "finews", "-a", categories_of(posts), "-s", "CLOSESPIDER_ITEMCOUNT=1")
        assert cut_short.returncode == 1
        assert [p for p in cut_short.report()["problems"] if p == "Finish: the run ended early (closespider_itemcount)"]

        missing = crawl(site, output / "missing", "finews", "-a", "categories=nosuchcategory")
        assert missing.returncode == 1 and missing.report()["errors"] == 1
        assert [p for p in missing.report()["problems"] if p == "Errors: 1 error(s) logged: the log says what failed"]

        # Post pages answering 404: no ERROR line (each is a reject WARNING), but most requests failed.
        site.add_fault(SITE_HOST, r"/.+/\d{4}/\d\d/\d\d/.+\.html", Fault(status=404))
        failing = crawl(site, output / "failing", "finews", "-a", categories_of(posts))
        assert failing.returncode == 1 and failing.report()["errors"] == 0, failing.log
        assert [p for p in failing.report()["problems"] if p.startswith("Failed pages:")]
        tolerant = crawl(site, output / "tolerant", "finews", "-a", categories_of(posts), "-s", "NEWSCRAWL_MAX_FAILED_FRACTION=1")
        # Still bad, for the posts it could not fetch, but not for the fraction of failed pages.
        assert [p.split(":")[0] for p in tolerant.report()["problems"]] == ["Rejects"], tolerant.log


def test_overlapping_run_exits_at_once_with_status_75(output):
    output.mkdir(parents=True)
    with MockSite([]).serve() as site:
        with FileLock(output / "state.lock"):  # what a running crawl holds
            started = time.monotonic()
            second = crawl(site, output)
            assert second.returncode == 75
            assert "another run holds" in second.log
            assert time.monotonic() - started < 30
            assert site.requests == []
        after = crawl(site, output)
    assert after.returncode == 0, after.log


def test_real_overlap_on_the_same_state_store(output):
    posts = generate_posts(40, seed=15)
    with MockSite(posts, include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, r"/.+/\d{4}/\d\d/\d\d/.+\.html", Fault(delay=0.5))
        # About ten seconds of crawling left when the second run starts.
        first = _start_crawl(site, output, "-a", categories_of(posts), "-s", "CONCURRENT_REQUESTS=2")
        _wait_for_files(output, 1, first)
        second = crawl(site, output, "finews", "-a", categories_of(posts))
        first.communicate(timeout=120)
    assert second.returncode == 75
    assert first.returncode == 0


def test_run_report_and_summary_line(output):
    rejected = Post(info_code="NW202202239999999999", category="qingdaocaijingribao", title="无正文",
                    published=generate_posts(1)[0].published, publisher="青岛财经日报", tag="青岛财经日报新闻",
                    body_html="", site_body=False)
    with MockSite([rejected]).serve() as site:
        crawl(site, output)
        second = crawl(site, output, "qingdaocaijing", "-a", "since=2022-01-01")
    lines = [json.loads(line) for line in (output / "runs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    first_run, second_run = lines
    assert first_run["spider"] == "qingdaocaijing" and first_run["arguments"] == {}
    assert first_run["posts"]["written"] == 1
    assert first_run["posts"]["rejected"] == {"total": 1, "by_reason": {"no_body": 1}}
    assert first_run["requests"] >= 3 and first_run["finish_reason"] == "finished"
    assert first_run["start"] <= first_run["end"]
    assert second_run["arguments"] == {"since": "2022-01-01"}
    assert second_run["posts"]["skipped"] == 1 and second_run["posts"]["written"] == 0
    assert "Run summary: 0 written, 1 already archived, 1 rejected" in second.log


def test_progress_lines_during_a_long_backfill(output):
    posts = generate_posts(60, seed=16)
    with MockSite(posts, include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, r"/.+/\d{4}/\d\d/\d\d/.+\.html", Fault(delay=0.05))
        result = crawl(site, output, "finews", "-a", categories_of(posts), "-s", "NEWSCRAWL_PROGRESS_INTERVAL=0.5",
                       "-s", "CONCURRENT_REQUESTS=2")
    assert result.returncode == 0
    lines = [line for line in result.log.splitlines() if "Progress:" in line]
    assert lines, result.log[-2000:]
    assert all(re.search(r"Progress: (\d+/\d+ posts done \(\d+%\), [\d.]+ posts/min, (ETA \d|ETA unknown|all done$)"
                         r"|no post found yet after )", line) for line in lines), lines
    assert f"{len(posts)}/{len(posts)} posts done (100%)" in lines[-1]  # the closing line, before the summary
    assert result.log.index(lines[-1]) < result.log.index("Run summary:")
