"""The crawl stays on the site's hosts: a link anywhere else is not fetched (one WARNING, a reject),
nor is a private address by name, and a rendered share page cannot reach another host."""

import json

import pytest
import pytest_twisted

from newscrawl.allowlist import AllowList
from newscrawl.mocksite import SHARE_HOSTS, SITE_HOST, Fault, MockSite, seed_post
from tests.conftest import crawl, crawl_here, make_post
from tests.local_servers import http_probe

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

CATEGORY_PAGE = "/category/qingdaocaijingribao.html"
GOOD = make_post("NW202202230000005001")
BODYLESS = make_post("NW202202230000005002", site_body=False)  # its share data is needed
ELSEWHERE = make_post("NW202202230000005003")

SAMPLE_INFO_CODE = seed_post().info_code


@pytest_twisted.ensureDeferred
async def test_links_to_other_hosts_are_not_fetched(output):
    site = MockSite([GOOD, BODYLESS], include_seed=False)
    with site.serve():
        # Where the links lead is served too, so a request that got through would be seen.
        host_map = {**site.host_map, "intranet.example": site.host_map[SITE_HOST],
                    "169.254.169.254": site.host_map[SHARE_HOSTS[0]]}
        elsewhere = f"http://intranet.example{ELSEWHERE.url_path}"
        site.add_fault(SITE_HOST, CATEGORY_PAGE, Fault(body=lambda page: page.replace(
            b"</ul>", f'<li><a href="{elsewhere}">x</a></li></ul>'.encode())))
        site.add_fault(SITE_HOST, r".*/" + BODYLESS.info_code + r"\.html", Fault(body=lambda page: page.replace(
            f"http://{BODYLESS.share_host}".encode(), b"http://169.254.169.254")))
        result = await crawl_here(site, output, settings={"NEWSCRAWL_SHARE": "api",
                                                          "NEWSCRAWL_HOST_MAP": json.dumps(host_map)})
        fetched = site.paths()
    assert ELSEWHERE.url_path not in fetched and "/NewsData/GetNewsText.do" not in fetched
    rejects = {r["info_code"]: r for r in result.rejects()}
    assert (rejects[ELSEWHERE.info_code]["reason"], rejects[BODYLESS.info_code]["reason"]) == ("offsite", "offsite")
    assert "'intranet.example' is not one of the site's hosts" in rejects[ELSEWHERE.info_code]["detail"]
    assert result.stats["offsite/filtered"] == result.stats["newscrawl/rejected/offsite"] == 2
    assert set(result.posts()) == {GOOD.info_code}
    assert any(p.startswith("Rejects: 2 post(s) rejected for a failure") for p in result.stats["newscrawl/problems"])


@pytest_twisted.ensureDeferred
async def test_a_post_page_redirected_to_another_port_of_its_host_is_not_followed(output):
    site = MockSite([GOOD, ELSEWHERE], include_seed=False)
    with site.serve(), http_probe() as probe:
        # The mirror's host (127.0.0.1), another port: a service beside the site.
        elsewhere = f"http://127.0.0.1:{probe.server_address[1]}{ELSEWHERE.url_path}"
        site.add_fault(SITE_HOST, ELSEWHERE.url_path, Fault(status=302, headers={"Location": elsewhere}))
        result = await crawl_here(site, output, settings={"NEWSCRAWL_SHARE": "api"})
    assert probe.paths == []
    [reject] = result.rejects()
    assert (reject["info_code"], reject["reason"]) == (ELSEWHERE.info_code, "offsite")
    assert f"'127.0.0.1:{probe.server_address[1]}' is not one of the site's hosts" in reject["detail"]
    assert result.stats["offsite/filtered"] == 1
    assert set(result.posts()) == {GOOD.info_code}


def test_allow_list_compares_scheme_host_and_port():
    allowlist = AllowList.from_settings({
        "NEWSCRAWL_SITE_URL": "https://finews.withounder.com",
        "NEWSCRAWL_SHARE_URL": "http://finews.zning.xyz",
        "NEWSCRAWL_HOST_MAP": '{"finews.withounder.com": "http://127.0.0.1:8000"}',
        "NEWSCRAWL_ALLOWED_HOSTS": "eastmoney.com"})
    assert allowlist.allows("https://finews.withounder.com/a.html")
    assert allowlist.allows("https://finews.withounder.com:443/a.html")
    assert not allowlist.allows("https://finews.withounder.com:8443/a.html")
    assert not allowlist.allows("http://finews.withounder.com/a.html")  # the site URL is https
    assert not allowlist.allows("https://hk.finews.withounder.com/a.html")  # a configured URL: its host only
    assert allowlist.allows("http://finews.zning.xyz/NewsData/GetNewsText.do?id=X")
    assert not allowlist.allows("http://finews.zning.xyz:6379/")
    assert allowlist.allows("http://127.0.0.1:8000/a.html") and not allowlist.allows("http://127.0.0.1:8001/a.html")
    assert not allowlist.allows("http://127.0.0.1/a.html") and not allowlist.allows("http://127.0.0.2:8000/")
    assert allowlist.allows("http://hk.eastmoney.com/a.html") and allowlist.allows("https://eastmoney.com/")
    assert not allowlist.allows("http://eastmoney.com:8080/") and not allowlist.allows("https://eastmoney.com:80/")
    assert not allowlist.allows("http://eastmoney.com.evil.example/")
    assert not allowlist.allows("ftp://eastmoney.com/") and not allowlist.allows("http://eastmoney.com:99999/")
    assert allowlist.allows_tunnel("eastmoney.com", 443) and allowlist.allows_tunnel("127.0.0.1", 8000)
    assert not allowlist.allows_tunnel("127.0.0.2", 443) and not allowlist.allows_tunnel("eastmoney.com", 22)
    assert allowlist.refuses_address("hk.eastmoney.com", "127.0.0.1")
    assert allowlist.refuses_address("hk.eastmoney.com", "169.254.169.254")
    assert not allowlist.refuses_address("hk.eastmoney.com", "104.16.0.9")
    assert not allowlist.refuses_address("127.0.0.1", "127.0.0.1")  # a mirror: on purpose


def test_an_allowed_name_that_resolves_to_a_private_address_is_not_connected_to(output):
    # A crawl of its own process: the resolver is installed on the reactor by ``scrapy crawl``.
    site = MockSite([GOOD, BODYLESS], include_seed=False)
    with site.serve():
        # localhost is allowed (http on 80), but it is a private address.
        site.add_fault(SITE_HOST, r".*/" + BODYLESS.info_code + r"\.html", Fault(body=lambda page: page.replace(
            f"http://{BODYLESS.share_host}".encode(), b"http://localhost")))
        result = crawl(site, output, "qingdaocaijing", "-s", "NEWSCRAWL_ALLOWED_HOSTS=eastmoney.com localhost",
                       env={"NEWSCRAWL_SHARE": "api"})
        fetched = site.paths(SHARE_HOSTS[0])
    assert fetched == []  # not even robots.txt
    assert [line for line in result.log.splitlines() if "Not connecting to localhost: it resolves to 127.0.0.1" in line]
    assert [r["info_code"] for r in result.rejects()] == [BODYLESS.info_code]
    assert set(result.posts()) == {GOOD.info_code}


def test_a_rendered_share_page_cannot_reach_another_host(output):
    site = MockSite([])
    site.json_only_for_share_page = True  # the article comes only through the page's own script
    with site.serve(), http_probe() as probe:
        script = f'<script src="http://localhost:{probe.server_address[1]}/probe.js"></script>'.encode()
        site.add_fault(SHARE_HOSTS[0], "/html_News/NewsShare.html", Fault(body=lambda page: page.replace(
            b"</head>", script + b"</head>")))
        result = crawl(site, output, "share", "-a", f"infocodes={SAMPLE_INFO_CODE}", env={"NEWSCRAWL_SHARE": "browser"})
    assert probe.paths == []
    assert result.returncode == 0, result.log[-2000:]
    assert set(result.posts()) == {SAMPLE_INFO_CODE}
    probe_url = f"http://localhost:{probe.server_address[1]}/probe.js"
    assert len([line for line in result.log.splitlines() if " WARNING: " in line and probe_url in line]) == 1
