"""End to end against a hostile imitation of the site: whatever its share pages
do (redirects, scripts opening WebSockets, fetch, XHR, images, frames, workers,
event streams, WebRTC), nothing reaches the canary on 127.0.0.2, in any share
mode. Every connection Chromium makes goes through the crawl's filtering proxy
(newscrawl/addons/browser_proxy.py); Scrapy's own through the offsite check.

A crawl closes Chromium before it ends, so once ``crawl()`` has returned the
canary's count is final. The hostile script makes the page's own request for
its JSON wait until every attempt has settled, then asks the share host for
``/hostile-done``: a page read (a post written) is a page whose attempts were
all made, and the site's log shows it.
"""

import asyncio
import contextlib
import threading
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred

from newscrawl.addons.browser_proxy import BrowserProxy
from newscrawl.addons.unprivileged import runs_as_root
from newscrawl.allowlist import AllowList
from newscrawl.mocksite import SHARE_HOSTS, Fault, MockSite, seed_post
from tests.conftest import crawl, start_crawl
from tests.local_servers import CANARY_HOST, canary, http_probe

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)

SHARE_HOST = SHARE_HOSTS[0]
SHARE_PAGE = "/html_News/NewsShare.html"
JSON_PATH = "/NewsData/GetNewsText.do"
CODE = seed_post().info_code
OTHER_CODE = "NW209901010000000001"  # the share data of no post: the redirects come first

#: Put in the share page's head, before its own script. ``CANARY`` is replaced by the canary's host:port.
HOSTILE_SCRIPT = """<script>
(() => {
  const canary = "CANARY";
  const settle = make => new Promise(resolve => { try { make(resolve); } catch (e) { resolve(); } });
  const socket = url => settle(done => { const ws = new WebSocket(url); ws.onopen = ws.onerror = ws.onclose = done; });
  const attempts = [
    socket(`ws://${canary}/ws`),
    socket(`wss://${canary}/ws`),
    fetch(`http://${canary}/fetch`, {mode: "no-cors"}).catch(() => {}),
    fetch(`https://${canary}/fetch`, {mode: "no-cors"}).catch(() => {}),
    fetch("/hop", {mode: "no-cors"}).catch(() => {}),  // the share host, redirecting to the canary
    settle(done => { const x = new XMLHttpRequest(); x.onloadend = done; x.open("GET", `http://${canary}/xhr`); x.send(); }),
    settle(done => { const i = new Image(); i.onload = i.onerror = done; i.src = `http://${canary}/img`; }),
    settle(done => { const f = document.createElement("iframe"); f.onload = f.onerror = done;
                     f.src = `http://${canary}/frame`; document.documentElement.append(f); }),
    settle(done => { const w = new Worker(URL.createObjectURL(new Blob(
                       [`fetch("http://${canary}/worker").catch(() => {}).finally(() => postMessage(1))`])));
                     w.onmessage = w.onerror = done; }),
    settle(done => { const e = new EventSource(`http://${canary}/events`); e.onerror = () => { e.close(); done(); }; }),
    settle(done => { const pc = new RTCPeerConnection({iceServers: [
                       {urls: `turn:${canary}?transport=tcp`, username: "u", credential: "p"}]});
                     pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === "complete") done(); };
                     pc.createDataChannel("x"); pc.createOffer().then(offer => pc.setLocalDescription(offer)); }),
  ];
  const pageFetch = window.fetch;
  window.fetch = function () {  // the page's own fetch of its JSON: once every attempt has settled
    const args = arguments;
    return Promise.all(attempts)
      .then(() => pageFetch("/hostile-done").catch(() => {}))
      .then(() => pageFetch.apply(this, args));
  };
})();
</script>"""


@pytest.fixture
def trap():
    with canary() as server:
        yield server


def canary_url(trap, path: str) -> str:
    return f"http://{CANARY_HOST}:{trap.server_address[1]}{path}"


@pytest.mark.parametrize("mode", ["browser", "auto"])
def test_a_share_page_script_reaches_nothing_off_the_site(output, trap, mode):
    site = MockSite([])
    site.json_only_for_share_page = True  # the crawler's own JSON request is refused: auto renders the page
    script = HOSTILE_SCRIPT.replace("CANARY", f"{CANARY_HOST}:{trap.server_address[1]}").encode()
    with site.serve():
        site.add_fault(SHARE_HOST, SHARE_PAGE, Fault(body=lambda page: page.replace(b"</head>", script + b"</head>")))
        site.add_fault(SHARE_HOST, "/hop", Fault(status=302, headers={"Location": canary_url(trap, "/hop")}))
        result = crawl(site, output, "share", "-a", f"infocodes={CODE}", env={"NEWSCRAWL_SHARE": mode})
        share_paths = site.paths(SHARE_HOST)
    assert trap.connections == 0
    # The page made every attempt, then read its JSON: the post is written.
    assert share_paths.count("/hop") == 1 and share_paths.count("/hostile-done") == 1
    assert result.returncode == 0, result.log[-3000:]
    assert set(result.posts()) == {CODE} and result.rejects() == []


@pytest.mark.parametrize("mode", ["api", "auto", "browser"])
def test_share_data_redirected_off_the_site_is_not_followed(output, trap, mode):
    """Two posts' share data: one JSON redirects to the canary, the other to another port of
    its host (where the mirror is); one share page redirects to the canary, the other gets
    there through another page of its host. Each fault answers once, whichever post asks first."""
    site = MockSite([])
    with site.serve(), http_probe() as beside:
        another_port = f"http://127.0.0.1:{beside.server_address[1]}{JSON_PATH}"
        for path, location in [(JSON_PATH, canary_url(trap, JSON_PATH)), (JSON_PATH, another_port),
                               (SHARE_PAGE, canary_url(trap, SHARE_PAGE)), (SHARE_PAGE, "/hop"),
                               ("/hop", canary_url(trap, "/hop"))]:
            site.add_fault(SHARE_HOST, path, Fault(status=302, headers={"Location": location}, times=1))
        result = crawl(site, output, "share", "-a", f"infocodes={CODE},{OTHER_CODE}", env={"NEWSCRAWL_SHARE": mode})
        share_paths = site.paths(SHARE_HOST)
    assert trap.connections == 0 and beside.paths == []
    assert share_paths.count("/hop") == (0 if mode == "api" else 1)  # the browser followed the first redirect
    assert result.posts() == {}
    # The JSON's redirect is Scrapy's offsite reject (auto mode records it first); the share
    # page's is the proxy's 403, which Chromium shows as the page.
    why = ("share_fetch_failed", "share page HTTP 403") if mode == "browser" else ("offsite", None)
    rejects = {reject["info_code"]: (reject["reason"], why[1] and reject["detail"]) for reject in result.rejects()}
    assert rejects == {CODE: why, OTHER_CODE: why}
    assert result.returncode == 1, result.log[-3000:]


def _descendants(pid: int) -> list[int]:
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    found, generation = [], [pid]
    while generation:
        generation = [child for parent in generation for child in children.get(parent, [])]
        found.extend(generation)
    return found


def _process(pid: int) -> tuple[dict[str, str], str] | None:
    """(/proc/<pid>/status as a dict, the command line); None if it has ended."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        cmdline = Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return None
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line), cmdline


@pytest.mark.skipif(not runs_as_root(), reason="as another user, Chromium runs as that user")
def test_a_crawl_run_as_root_renders_in_chromium_as_nobody_in_its_sandbox(output, tmp_path):
    """Every Chromium process of a crawl run as root is nobody's, and its renderers are in the
    sandbox (seccomp-bpf filtering their system calls). Looked at while the share page's
    own request for its JSON is held, so Chromium is running."""
    asked, release = threading.Event(), threading.Event()

    def hold(body: bytes) -> bytes:
        asked.set()
        release.wait(60)
        return body

    site = MockSite([])
    with site.serve():
        site.add_fault(SHARE_HOST, JSON_PATH, Fault(body=hold))
        process = start_crawl(site, output, "share", "-a", f"infocodes={CODE}", env={"NEWSCRAWL_SHARE": "browser"},
                              log=tmp_path / "crawl.log")
        try:
            assert asked.wait(120)
            processes = [found for found in map(_process, _descendants(process.pid)) if found]
        finally:
            release.set()
            returncode = process.wait(120)
    assert returncode == 0, (tmp_path / "crawl.log").read_text()[-3000:]
    chromium = [(status, cmdline) for status, cmdline in processes if "chrom" in status["Name"]]
    assert chromium and all(status["Uid"].split() == ["65534"] * 4 for status, _ in chromium)
    renderers = [status for status, cmdline in chromium if "--type=renderer" in cmdline]
    assert renderers and all(status["Seccomp"] == "2" for status in renderers)


async def _ask_through(proxy: BrowserProxy, request: bytes) -> bytes:
    """What the proxy answers ``request`` on a connection of its own (read until it closes)."""
    host, port = (await proxy.start()).rsplit("/", 1)[1].split(":")
    try:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(request)
        answer = await reader.read()
        writer.close()
        return answer
    finally:
        await proxy.close()


@pytest.mark.parametrize("intended", [False, True], ids=["allowed-name", "configured-host"])
@pytest_twisted.ensureDeferred
async def test_the_proxy_refuses_an_allowed_name_that_resolves_to_a_private_address(intended):
    with http_probe() as probe:
        port = probe.server_address[1]
        allowlist = AllowList({("http", "localhost", port)}, (), {"localhost"} if intended else ())
        request = f"GET http://localhost:{port}/x HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode()
        answer = await Deferred.fromFuture(asyncio.ensure_future(_ask_through(BrowserProxy(allowlist), request)))
    status_line, *headers = answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    if intended:  # a configured URL's host: on purpose, as the mock site is
        assert status_line.split()[1] == b"200" and probe.paths == ["/x"]
        assert b"Connection: close" in headers  # Chromium sends its next request on another, checked, connection
    else:
        assert status_line.split()[1] == b"403" and probe.paths == []
