"""Rejects are state: one record per post, retried until given up; a failure makes the run bad,
an article that exists nowhere is reported without failing every run."""

import pytest

from newscrawl.mocksite import SHARE_HOSTS, SITE_HOST, Fault, MockSite
from tests.conftest import crawl, make_post

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

GOOD = make_post("NW202202230000003001")
NOWHERE = make_post("NW202202230000003002", site_body=False)  # and no share data either


def _no_share_data(site: MockSite) -> None:
    """The share JSON as it is for an article it does not have: empty fields."""
    empty = b'{"infoCode": "", "title": "", "showtime": "", "medianame": "", "text": ""}'
    for host in SHARE_HOSTS:
        site.add_fault(host, "/NewsData/GetNewsText.do", Fault(body=lambda _: empty, content_type="application/json"))


def test_an_article_that_exists_nowhere_is_one_record_then_given_up(output):
    with MockSite([GOOD, NOWHERE], include_seed=False).serve() as site:
        _no_share_data(site)
        runs = []
        for _ in range(3):
            site.clear_requests()
            runs.append(crawl(site, output, "qingdaocaijing", "-s", "NEWSCRAWL_REJECT_MAX_ATTEMPTS=2", "-s", "NEWSCRAWL_SHARE=api"))
            runs[-1].requested = [r.path for r in site.post_page_requests()]
    first, second, third = runs
    assert [run.returncode for run in runs] == [0, 0, 0]  # reported, not a bad run
    assert sorted(first.requested) == sorted([GOOD.url_path, NOWHERE.url_path])
    assert second.requested == [NOWHERE.url_path] and third.requested == []
    for run, attempts, given_up in ((first, 1, False), (second, 2, True), (third, 2, True)):
        [record] = run.rejects()
        assert (record["info_code"], record["reason"], record["kind"]) == (NOWHERE.info_code, "no_body", "absent")
        assert (record["attempts"], record["given_up"]) == (attempts, given_up)
        assert record["first_seen"] == first.rejects()[0]["first_seen"]
    assert third.report()["posts"]["skipped_given_up"] == 1
    assert set(third.posts()) == {GOOD.info_code}


def test_a_failure_reject_makes_every_run_bad_until_it_is_written(output):
    with MockSite([GOOD], include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, r"/.+/\d{4}/\d\d/\d\d/.+\.html", Fault(status=500))
        failing = [crawl(site, output) for _ in range(2)]
        site.clear_faults()
        fixed = crawl(site, output)
    assert [run.returncode for run in failing] == [1, 1]
    for attempts, run in enumerate(failing, 1):
        [record] = run.rejects()
        assert (record["reason"], record["kind"], record["attempts"]) == ("fetch_failed", "failure", attempts)
        assert f"Rejects: 1 post(s) rejected for a failure: {GOOD.info_code} (fetch_failed)" in run.report()["problems"]
    assert fixed.returncode == 0 and fixed.rejects() == []
    assert set(fixed.posts()) == {GOOD.info_code}
