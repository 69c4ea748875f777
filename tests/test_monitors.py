"""The run's monitors decide its exit status: each silent failure a cron user met is now a bad run,
in the exit status, the log (also with --logfile) and runs.jsonl; and a configured alert is sent."""

import re

import pytest

from newscrawl.mocksite import SITE_HOST, Fault, MockSite
from tests.conftest import crawl, make_post
from tests.local_servers import smtp_receiver

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

CATEGORY_PAGE = "/category/qingdaocaijingribao.html"
POST_PAGE = r"/.+/\d{4}/\d\d/\d\d/.+\.html"
POSTS = [make_post(f"NW20220223000000200{i}") for i in range(6)]


def _markup_changed(page: bytes) -> bytes:
    """The category page after a redesign: its list is no longer a <ul>."""
    return page.replace(b"<ul", b"<ol").replace(b"</ul>", b"</ol>")


def _problems(result) -> list[str]:
    report = result.report()
    assert report["verdict"] == ("bad" if report["problems"] else "ok")
    assert report["exit_status"] == result.returncode
    return report["problems"]


def test_a_category_page_that_lists_nothing_is_a_bad_run(output, tmp_path):
    with MockSite(POSTS, include_seed=False).serve() as site:
        first = crawl(site, output)
        site.add_fault(SITE_HOST, CATEGORY_PAGE, Fault(body=_markup_changed))
        changed = crawl(site, output, "qingdaocaijing", "--logfile", str(tmp_path / "run.log"))
    assert first.returncode == 0 and _problems(first) == []
    assert changed.returncode == 1
    [problem] = _problems(changed)
    assert problem.startswith("Listing pages: https://finews.withounder.com/category/qingdaocaijingribao.html lists no post")
    log = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert f"ERROR: Bad run: {problem}" in log and "Verdict: bad run, exit status 1" in log
    assert f"newscrawl: bad run: {problem}" in changed.log  # stderr: what cron mails
    assert len(changed.posts()) == len(POSTS)  # what the first run wrote is kept


def test_a_category_page_asked_for_that_lists_nothing_on_a_first_run(output):
    with MockSite(POSTS, include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, CATEGORY_PAGE, Fault(body=_markup_changed))
        result = crawl(site, output)
    assert result.returncode == 1
    assert [p.split(":")[0] for p in _problems(result)] == ["Listing pages"]
    assert result.posts() == {}


def test_a_listing_with_far_fewer_posts_than_last_run(output):
    with MockSite(POSTS, include_seed=False).serve() as site:
        assert crawl(site, output).returncode == 0
        for post in POSTS[:4]:
            site.remove_post(post.info_code)
        shrunk = crawl(site, output)
        normal = crawl(site, output)  # 2 posts is now the count to compare with
    assert shrunk.returncode == 1
    assert _problems(shrunk) == ["Listing pages: https://finews.withounder.com/category/qingdaocaijingribao.html "
                                 "lists 2 posts, 6 last time (NEWSCRAWL_LISTING_MIN_FRACTION=0.5)"]
    assert normal.returncode == 0


def test_post_pages_that_fail_to_parse_in_bulk(output):
    with MockSite(POSTS, include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, POST_PAGE, Fault(body=lambda page: page.replace(b"<section", b"<div")))
        result = crawl(site, output)
    assert result.returncode == 1
    problems = _problems(result)
    assert ("Post pages: 6 of 6 post pages gave no post (100%, more than NEWSCRAWL_MAX_UNPARSED_FRACTION=0.5): "
            "has the site changed?") in problems
    assert any(p.startswith("Rejects: 6 post(s) rejected for a failure") for p in problems)
    assert {r["reason"] for r in result.rejects()} == {"unreadable_post_page"}
    assert result.posts() == {}


def test_counts_agree_for_one_unreachable_page(output):
    with MockSite(POSTS, include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, CATEGORY_PAGE, Fault(reset=True))
        result = crawl(site, output)
    report = result.report()
    pages = report["pages"]  # the category page, and robots.txt
    assert report["failed_requests"] == 1 and pages == 2
    summary = re.search(r"Run summary: .* (\d+) requests \((\d+) retries\), (\d+) of (\d+) pages failed, (\d+) errors",
                        result.log)
    assert tuple(map(int, summary.groups())) == (report["requests"], report["retries"], 1, pages, report["errors"])
    assert "Failed pages: 1 of 2 pages failed (50%, more than NEWSCRAWL_MAX_FAILED_FRACTION=0.1)" in report["problems"]
    assert result.returncode == 1


def _email_alert(port: int) -> list[str]:
    settings = {"NEWSCRAWL_ALERT_ACTIONS": "spidermon.contrib.actions.email.smtp.SendSmtpEmail",
                "SPIDERMON_SMTP_HOST": "127.0.0.1", "SPIDERMON_SMTP_PORT": str(port),
                "SPIDERMON_SMTP_USER": "newscrawl", "SPIDERMON_SMTP_PASSWORD": "secret",
                "SPIDERMON_EMAIL_SENDER": "newscrawl@example.org", "SPIDERMON_EMAIL_TO": "ops@example.org",
                "SPIDERMON_EMAIL_SUBJECT": "newscrawl: {{ data.spider.name }} had a bad run",
                "SPIDERMON_BODY_TEXT": "{% for r in result.monitors_failed_results %}{{ r.item.monitor_name }}\n{% endfor %}"}
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


@pytest.mark.parametrize("bad", [True, False], ids=["bad-run", "good-run"])
def test_a_bad_run_sends_the_configured_email(output, bad):
    with MockSite(POSTS, include_seed=False).serve() as site, smtp_receiver() as receiver:
        if bad:
            site.add_fault(SITE_HOST, CATEGORY_PAGE, Fault(body=_markup_changed))
        result = crawl(site, output, "qingdaocaijing", *_email_alert(receiver.server_address[1]))
    assert result.returncode == (1 if bad else 0), result.log[-2000:]
    if not bad:
        assert receiver.messages == []
        return
    [message] = receiver.messages
    assert message["to"] == ["<ops@example.org>"]
    text = message["data"].decode("utf-8", "replace")
    assert "Subject: newscrawl: qingdaocaijing had a bad run" in text and "Listing pages" in text
