"""A hostile site against the crawl's limits (issue 18): redirect loops, pages too
large (gzip bombs, huge bodies), and an outage of the share host told from an
article that does not exist. Each through the real crawl, with and without a
host map; asserted on files, rejects, stats and exit status."""

import re

import pytest

from newscrawl.mocksite import SITE_HOST, Fault, MockSite
from tests.conftest import crawl, make_post

GOOD = make_post("NW202202230000018001")
SELF_LOOP = make_post("NW202202230000018002")  # A -> A
BACK_LOOP = make_post("NW202202230000018003")  # A -> B -> A
LONG_CHAIN = make_post("NW202202230000018004")  # A -> hop 1 -> ... -> hop 25 (REDIRECT_MAX_TIMES is 20)


def _redirect(site: MockSite, path: str, to: str) -> None:
    site.add_fault(SITE_HOST, re.escape(path), Fault(status=302, headers={"Location": to}))


def _env(site: MockSite, host_map: bool) -> dict[str, str]:
    """With a host map (a mirror, the tests' usual setup), or as in production:
    the site's URL is where the site is, and no map (each request and redirect
    goes through the scheduler's duplicate filter as it is)."""
    if host_map:
        return site.env()
    return {"NEWSCRAWL_SITE_URL": site.host_map[SITE_HOST], "NEWSCRAWL_HOST_MAP": "{}"}


@pytest.mark.parametrize("host_map", [True, False], ids=["host map", "no host map"])
def test_redirect_loops_are_rejects_and_a_bad_run_until_they_end(output, host_map):
    posts = [GOOD, SELF_LOOP, BACK_LOOP, LONG_CHAIN]
    with MockSite(posts, include_seed=False).serve() as site:
        _redirect(site, SELF_LOOP.url_path, SELF_LOOP.url_path)
        _redirect(site, BACK_LOOP.url_path, "/moved/b.html")
        _redirect(site, "/moved/b.html", BACK_LOOP.url_path)
        _redirect(site, LONG_CHAIN.url_path, "/hop/1.html")
        for hop in range(1, 26):
            _redirect(site, f"/hop/{hop}.html", f"/hop/{hop + 1}.html")
        looping = crawl(site, output, env=_env(site, host_map))
        written_then = set(looping.posts())
        site.clear_faults()
        fixed = crawl(site, output, env=_env(site, host_map))
    assert looping.returncode == 1 and looping.tracebacks() == []
    assert written_then == {GOOD.info_code}
    rejects = {r["info_code"]: r for r in looping.rejects()}
    assert {code: (r["reason"], r["kind"]) for code, r in rejects.items()} == {
        SELF_LOOP.info_code: ("redirect_loop", "failure"),
        BACK_LOOP.info_code: ("redirect_loop", "failure"),
        LONG_CHAIN.info_code: ("too_many_redirects", "failure"),
    }
    assert all(r["url"].endswith(p.url_path) for p in posts[1:] for r in [rejects[p.info_code]])
    assert looping.report()["posts"]["rejected"]["by_reason"] == {"redirect_loop": 2, "too_many_redirects": 1}
    assert fixed.returncode == 0 and fixed.rejects() == []
    assert set(fixed.posts()) == {p.info_code for p in posts}


@pytest.mark.parametrize("host_map", [True, False], ids=["host map", "no host map"])
def test_a_category_page_in_a_redirect_loop_fails_the_run(output, host_map):
    with MockSite([GOOD], include_seed=False).serve() as site:
        _redirect(site, "/category/qingdaocaijingribao.html", "/category/elsewhere.html")
        _redirect(site, "/category/elsewhere.html", "/category/qingdaocaijingribao.html")
        result = crawl(site, output, env=_env(site, host_map))
    assert result.returncode == 1 and result.tracebacks() == []
    report = result.report()
    assert report["failed_requests"] == 1 and report["posts"]["written"] == 0
