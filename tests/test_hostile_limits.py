"""A hostile site against the crawl's limits (issue 18): redirect loops, pages too
large (gzip bombs, huge bodies), and an outage of the share host told from an
article that does not exist. Each through the real crawl, with and without a
host map; asserted on files, rejects, stats and exit status."""

import gzip
import json
import re
import socketserver
import struct
import subprocess
import sys
import threading
import zlib
from contextlib import contextmanager, suppress
from pathlib import Path

import brotli
import pytest

from newscrawl.mocksite import SHARE_HOSTS, SITE_HOST, Fault, MockSite
from tests.conftest import CommandRun, _crawl_command, crawl, make_post
from tests.local_servers import refusing_port

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

GOOD = make_post("NW202202230000018001")
SELF_LOOP = make_post("NW202202230000018002")  # A -> A
BACK_LOOP = make_post("NW202202230000018003")  # A -> B -> A
LONG_CHAIN = make_post("NW202202230000018004")  # A -> hop 1 -> ... -> hop 25 (REDIRECT_MAX_TIMES is 20)
META_LOOP = make_post("NW202202230000018005")  # A's page is a meta refresh to A


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
    posts = [GOOD, SELF_LOOP, BACK_LOOP, LONG_CHAIN, META_LOOP]
    refresh = f'<html><head><meta http-equiv="refresh" content="0;url={META_LOOP.url_path}"></head></html>'.encode()
    with MockSite(posts, include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, re.escape(META_LOOP.url_path), Fault(body=lambda _: refresh))
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
        META_LOOP.info_code: ("redirect_loop", "failure"),
    }
    assert all(r["url"].endswith(p.url_path) for p in posts[1:] for r in [rejects[p.info_code]])
    assert looping.report()["posts"]["rejected"]["by_reason"] == {"redirect_loop": 3, "too_many_redirects": 1}
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


# --- Pages too large -------------------------------------------------------

CHUNK = bytes(64 << 20)  # 64 MiB of zeros


@pytest.fixture(scope="session")
def bombs() -> dict[str, bytes]:
    """Bodies of a few MB or less that inflate to gigabytes, by Content-Encoding.
    gzip: 64 members of 64 MiB of zeros (4 GiB); deflate: 16 full-flushed blocks
    of 64 MiB, each compressing alike, and the checksum of the whole (1 GiB);
    br: 1 GiB."""
    member = gzip.compress(CHUNK, 9)
    deflater = zlib.compressobj(9)
    first = deflater.compress(CHUNK) + deflater.flush(zlib.Z_FULL_FLUSH)
    again = deflater.compress(CHUNK) + deflater.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(16):
        checksum = zlib.adler32(CHUNK, checksum)
    deflate = first + again * 15 + deflater.flush(zlib.Z_FINISH)[:-4] + struct.pack(">I", checksum)
    compressor = brotli.Compressor(quality=1)
    br = b"".join([*(compressor.process(CHUNK) for _ in range(16)), compressor.finish()])
    return {"gzip": member * 64, "deflate": deflate, "br": br}


class _Endless(socketserver.BaseRequestHandler):
    """An HTTP answer with no Content-Length whose body never ends (zeros, until the client hangs up)."""

    def handle(self):
        self.request.recv(65536)
        self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
        with suppress(OSError):
            for _ in range(1024):  # 64 GiB at most
                self.request.sendall(CHUNK)


@contextmanager
def endless_server():
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Endless) as server:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


#: Runs a command and writes the peak RSS of it and its children, in KiB, to a file.
_PEAK_RSS = ("import resource, subprocess, sys; status = subprocess.call(sys.argv[2:]); "
             "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
             "sys.exit(status)")


def crawl_measured(site: MockSite, output: Path, *args: str, env: dict | None = None) -> tuple[CommandRun, int]:
    """crawl(), and the crawl process's peak RSS in MiB."""
    command = _crawl_command(site, output, "qingdaocaijing", args, env)
    peak = output.parent / "peak-rss"
    command["args"] = [sys.executable, "-c", _PEAK_RSS, str(peak), *command["args"]]
    proc = subprocess.run(**command, capture_output=True, text=True, timeout=120)
    return CommandRun(output, proc.returncode, proc.stderr + proc.stdout), int(peak.read_text()) // 1024


GZIP_BOMBS = [make_post(f"NW20220223000001810{i}") for i in range(4)]
DEFLATE_BOMB = make_post("NW202202230000018110")
BR_BOMB = make_post("NW202202230000018111")
HUGE = make_post("NW202202230000018112")  # 40 MiB, as sent
ENDLESS = make_post("NW202202230000018113")  # no Content-Length, never ends
SHARE_BOMB = make_post("NW202202230000018114", site_body=False)  # its share JSON is a gzip bomb


def _serve_too_large(site: MockSite, bombs: dict[str, bytes], endless: str) -> None:
    for post, encoding in [*((p, "gzip") for p in GZIP_BOMBS), (DEFLATE_BOMB, "deflate"), (BR_BOMB, "br")]:
        site.add_fault(SITE_HOST, re.escape(post.url_path),
                       Fault(body=lambda _, e=encoding: bombs[e], headers={"Content-Encoding": encoding}))
    huge = b"<html><body>" + b"x" * (40 << 20) + b"</body></html>"
    site.add_fault(SITE_HOST, re.escape(HUGE.url_path), Fault(body=lambda _: huge))
    _redirect(site, ENDLESS.url_path, f"{endless}/endless.html")
    for host in SHARE_HOSTS:
        site.add_fault(host, "/NewsData/GetNewsText.do", Fault(
            body=lambda _: bombs["gzip"], content_type="application/json", headers={"Content-Encoding": "gzip"}))


@pytest.mark.parametrize("too_large", [
    GZIP_BOMBS,  # four at once (CONCURRENT_REQUESTS_PER_DOMAIN)
    [DEFLATE_BOMB, BR_BOMB, HUGE, ENDLESS, SHARE_BOMB],
], ids=["four gzip bombs", "deflate, br, as sent, endless, share data"])
def test_pages_too_large_are_rejects_and_memory_stays_bounded(output, bombs, too_large):
    """With the default limit (32 MiB). A crawl of GOOD alone peaks at about 90 MiB."""
    with MockSite([GOOD, *too_large], include_seed=False).serve() as site, endless_server() as endless:
        _serve_too_large(site, bombs, endless)
        # The endless server's origin is a mirror's (allowed: newscrawl.allowlist), so that the redirect is followed.
        env = {"NEWSCRAWL_HOST_MAP": json.dumps({**site.host_map, "endless.invalid": endless})}
        result, peak_mib = crawl_measured(site, output, "-s", "NEWSCRAWL_SHARE=api", env=env)
        written_then = set(result.posts())
        site.clear_faults()
        fixed = crawl(site, output, env={"NEWSCRAWL_SHARE": "api"})
    assert result.returncode == 1 and result.tracebacks() == []
    assert written_then == {GOOD.info_code}
    assert {r["info_code"]: (r["reason"], r["kind"]) for r in result.rejects()} == {
        p.info_code: ("page_too_large", "failure") for p in too_large}
    assert result.report()["posts"]["rejected"]["by_reason"] == {"page_too_large": len(too_large)}
    assert peak_mib < 400, f"the crawl's peak RSS was {peak_mib} MiB"
    assert fixed.returncode == 0 and set(fixed.posts()) == {p.info_code for p in [GOOD, *too_large]}


def test_a_category_page_too_large_fails_the_run(output, bombs):
    with MockSite([GOOD], include_seed=False).serve() as site:
        site.add_fault(SITE_HOST, "/category/qingdaocaijingribao.html",
                       Fault(body=lambda _: bombs["gzip"], headers={"Content-Encoding": "gzip"}))
        result = crawl(site, output)
    assert result.returncode == 1 and result.tracebacks() == []
    assert result.report()["failed_requests"] == 1 and result.posts() == {}


# --- An outage is not a missing article --------------------------------------

BODILESS = make_post("NW202202230000018201", site_body=False)  # its article is only in the share data
#: Given up at once, by either limit, if it could be given up.
GIVE_UP_AT_ONCE = {"NEWSCRAWL_REJECT_MAX_DAYS": "0", "NEWSCRAWL_REJECT_MAX_ATTEMPTS": "1", "NEWSCRAWL_SHARE": "api"}
#: The stalled share hosts' timeout: seconds, so that no other page times out on a busy machine.
TIMEOUT = ["-s", "DOWNLOAD_TIMEOUT=3"]
NO_ARTICLE = b'{"infoCode": "", "title": "", "showtime": "", "medianame": "", "text": ""}'


def _share_down(site: MockSite, outage: str) -> dict[str, str]:
    """Make the share hosts fail as ``outage`` says; the environment the crawl needs for it."""
    env = {**site.env(), **GIVE_UP_AT_ONCE}
    if outage == "refused":
        host_map = {**site.host_map, **{host: f"http://127.0.0.1:{refusing_port()}" for host in SHARE_HOSTS}}
        env["NEWSCRAWL_HOST_MAP"] = json.dumps(host_map)
    elif outage == "503":
        site.json_status = 503
    elif outage == "timeout":
        for host in SHARE_HOSTS:
            site.add_fault(host, "/NewsData/GetNewsText.do", Fault(delay=6))  # past DOWNLOAD_TIMEOUT (TIMEOUT)
    return env


def _share_back(site: MockSite) -> dict[str, str]:
    site.json_status = 200
    site.clear_faults()
    return {**site.env(), **GIVE_UP_AT_ONCE}


@pytest.mark.parametrize("outage", ["refused", "503", "timeout"])
def test_a_share_host_outage_is_a_failure_retried_until_the_post_is_archived(output, outage):
    with MockSite([GOOD, BODILESS], include_seed=False).serve() as site:
        runs = []
        for _ in range(2):
            site.clear_requests()
            timeout = TIMEOUT if outage == "timeout" else []
            runs.append(crawl(site, output, "qingdaocaijing", *timeout, env=_share_down(site, outage)))
            runs[-1].asked = [r.path for r in site.post_page_requests()]
        back = crawl(site, output, env=_share_back(site))
    first, second = runs
    assert BODILESS.url_path in first.asked and second.asked == [BODILESS.url_path]  # retried, not given up
    for attempts, run in enumerate(runs, 1):
        assert run.returncode == 1 and run.tracebacks() == []
        [record] = run.rejects()
        assert (record["info_code"], record["reason"], record["kind"]) == (BODILESS.info_code, "share_fetch_failed", "failure")
        assert (record["attempts"], record["given_up"]) == (attempts, False)
    assert second.report()["posts"]["skipped_given_up"] == 0
    assert back.returncode == 0 and back.rejects() == []
    assert set(back.posts()) == {GOOD.info_code, BODILESS.info_code}


def test_backfill_by_infocode_during_an_outage_is_a_failure_retried(output):
    with MockSite([BODILESS], include_seed=False).serve() as site:
        down = _share_down(site, "refused")
        failed = [crawl(site, output, "share", "-a", f"infocodes={BODILESS.info_code}", env=down) for _ in range(2)]
        back = crawl(site, output, "share", "-a", f"infocodes={BODILESS.info_code}", env=_share_back(site))
    for attempts, run in enumerate(failed, 1):
        assert run.returncode == 1 and run.tracebacks() == []
        [record] = run.rejects()
        assert (record["reason"], record["kind"], record["attempts"], record["given_up"]) == (
            "share_fetch_failed", "failure", attempts, False)
    assert back.returncode == 0 and back.rejects() == [] and set(back.posts()) == {BODILESS.info_code}


def test_an_article_the_share_data_does_not_have_is_absent_and_given_up(output):
    with MockSite([GOOD, BODILESS], include_seed=False).serve() as site:
        for host in SHARE_HOSTS:
            site.add_fault(host, "/NewsData/GetNewsText.do", Fault(body=lambda _: NO_ARTICLE, content_type="application/json"))
        first = crawl(site, output, env={**site.env(), **GIVE_UP_AT_ONCE})
        site.clear_requests()
        second = crawl(site, output, env={**site.env(), **GIVE_UP_AT_ONCE})
        asked = [r.path for r in site.post_page_requests()]
        unknown = crawl(site, output, "share", "-a", "infocodes=NW202202230000018999", env={**site.env(), **GIVE_UP_AT_ONCE})
    assert first.returncode == 0 and second.returncode == 0
    [record] = first.rejects()
    assert (record["reason"], record["kind"], record["given_up"]) == ("no_body", "absent", True)
    assert asked == [] and second.report()["posts"]["skipped_given_up"] == 1
    assert unknown.returncode == 0
    assert {r["info_code"]: (r["reason"], r["kind"]) for r in unknown.rejects()}["NW202202230000018999"] == (
        "no_share_data", "absent")


def test_share_data_in_a_redirect_loop_is_the_posts_reject(output):
    """Share data is fetched with engine.download_async (no scheduler): a loop there is the post's reject too."""
    with MockSite([GOOD, BODILESS], include_seed=False).serve() as site:
        for host in SHARE_HOSTS:
            site.add_fault(host, "/NewsData/GetNewsText.do", Fault(
                status=302, headers={"Location": f"/NewsData/GetNewsText.do?id={BODILESS.info_code}"}))
        result = crawl(site, output, env={**site.env(), **GIVE_UP_AT_ONCE})
    assert result.returncode == 1 and result.tracebacks() == [] and set(result.posts()) == {GOOD.info_code}
    [record] = result.rejects()
    assert (record["info_code"], record["reason"], record["kind"], record["given_up"]) == (
        BODILESS.info_code, "redirect_loop", "failure", False)


def test_a_rendered_share_page_whose_data_failed_is_a_failure_not_absent(output):
    """The share page's script shows 资讯不存在 for any JSON without text, a 503's
    included; the copy of its JSON says the status (NEWSCRAWL_SHARE=browser, Chromium)."""
    with MockSite([BODILESS], include_seed=False).serve() as site:
        for host in SHARE_HOSTS:
            site.add_fault(host, "/NewsData/GetNewsText.do",
                           Fault(status=503, body=lambda _: b'{"text": ""}', content_type="application/json"))
        down = crawl(site, output, "share", "-a", f"infocodes={BODILESS.info_code}",
                     env={**site.env(), **GIVE_UP_AT_ONCE, "NEWSCRAWL_SHARE": "browser"})
        rendered = site.request_counts()["share_page"]
        site.clear_faults()
        back = crawl(site, output, "share", "-a", f"infocodes={BODILESS.info_code}",
                     env={**site.env(), **GIVE_UP_AT_ONCE, "NEWSCRAWL_SHARE": "browser"})
    assert rendered >= 1 and down.returncode == 1 and down.tracebacks() == []
    [record] = down.rejects()
    assert (record["reason"], record["kind"], record["given_up"]) == ("unreadable_share_data", "failure", False)
    assert back.returncode == 0 and set(back.posts()) == {BODILESS.info_code}


@pytest.mark.parametrize("host_map", [True, False], ids=["host map", "no host map"])
def test_a_post_redirected_to_another_posts_page_is_not_written_as_that_post(output, host_map):
    """A redirect hop is not filtered as a duplicate: A -> B (a post fetched on its own too)
    gives A B's page, which must not be written as A."""
    redirected = make_post("NW202202230000018006")
    with MockSite([GOOD, redirected], include_seed=False).serve() as site:
        _redirect(site, redirected.url_path, GOOD.url_path)
        result = crawl(site, output, env=_env(site, host_map))
    assert result.returncode == 1 and result.tracebacks() == []
    assert set(result.posts()) == {GOOD.info_code}
    assert result.posts()[GOOD.info_code].meta["title"] == GOOD.title
    [record] = result.rejects()
    assert (record["info_code"], record["reason"], record["kind"]) == (redirected.info_code, "redirected_to_other_post", "failure")
