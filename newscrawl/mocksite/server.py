"""Serve the built site and its upstream hosts on 127.0.0.1, with faults and a request log.

``MockSite(posts)`` builds the site with real Jekyll (jekyll.py) and serves,
each host on its own ephemeral port: the built ``_site`` as the site, the
share page and share JSON on both share hosts, and the eastmoney article of
every emnews post. ``with site.serve():`` listens; ``site.env()`` then
points the crawler at it (NEWSCRAWL_HOST_MAP). Adding or removing posts
rebuilds the site.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from . import upstream
from .jekyll import build_site, reachable_post_paths, site_file
from .source_posts import EASTMONEY_HOST, POST_PATH_RE, SHARE_HOSTS, SITE_HOST, SITE_URL, Post, seed_post

HOSTS = (SITE_HOST, *SHARE_HOSTS, EASTMONEY_HOST)
SHARE_PAGE = Path(__file__).parent / "share" / "NewsShare.html"

_EASTMONEY_PATH_RE = re.compile(r"^/news/(\d+),([^/]+)\.html$")
_HTML = "text/html; charset=utf-8"
_JSON = "application/json; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"
_CONTENT_TYPES = {".html": _HTML, ".xml": "application/xml; charset=utf-8", ".css": "text/css; charset=utf-8"}
_ROBOTS = b"User-agent: *\nAllow: /\n"
_NOT_FOUND = b"<html><body><h1>404</h1><p>File not found</p></body></html>\n"


@dataclass(frozen=True)
class RequestRecord:
    host: str
    method: str
    path: str  # percent-decoded
    query: str  # raw query string
    status: int  # 0: the connection was closed without an answer


@dataclass
class Fault:
    """What a matching request gets instead of its page.

    Register with ``site.add_fault(host, path_regex, Fault(...))``; the
    first ``times`` matching requests get it (all of them if None).
    """

    status: int | None = None  # answer with this status (and a short body)
    headers: dict[str, str] = field(default_factory=dict)  # e.g. Retry-After, Location
    body: Callable[[bytes], bytes] | None = None  # rewrites the page's body (truncate, re-encode)
    content_type: str | None = None
    delay: float = 0.0  # seconds before answering (a stall longer than the download timeout)
    reset: bool = False  # close the connection without answering
    times: int | None = None

    def apply(self, answer):
        """(the answer to send or None to reset, extra headers)."""
        if self.reset:
            return None, {}
        status, content_type, body = answer or (404, _HTML, b"")
        if self.status is not None:
            status, body = self.status, f"<html><body>{self.status}</body></html>".encode()
        if self.body is not None:
            body = self.body(body)
        return (status, self.content_type or content_type, body), dict(self.headers)


def path_kind(host: str, path: str) -> str:
    """What a request was for, to count requests by kind."""
    if path == "/robots.txt":
        return "robots"
    if host == SITE_HOST:
        if path == "/":
            return "home"
        if path == "/feed.xml":
            return "feed"
        if path.startswith("/category/"):
            return "category"
        if POST_PATH_RE.match(path):
            return "post"
    elif host in SHARE_HOSTS:
        if path == "/html_News/NewsShare.html":
            return "share_page"
        if path == "/NewsData/GetNewsText.do":
            return "share_json"
    elif _EASTMONEY_PATH_RE.match(path):
        return "eastmoney_article"
    return "other"


class MockSite:
    """The finews site built by Jekyll from Posts, and its upstream hosts.

    ``include_seed`` adds the real post shipped with the site's source;
    ``home`` is the home page version ("index" or "latest100").
    """

    def __init__(self, posts: list[Post], *, include_seed: bool = True, home: str = "index"):
        self._lock = threading.RLock()
        self.home = home
        self._posts = {post.info_code: post for post in ([seed_post()] if include_seed else []) + list(posts)}
        self.site_dir = self._build()
        self.host_map: dict[str, str] = {}
        self.requests: list[RequestRecord] = []
        self.json_status = 200
        self.json_refused = False
        #: Refuse the JSON (403) unless a share page's script asks for it, as a
        #: browser's fetch() does (its Referer is the share page): only a
        #: crawler that renders the share page gets the article.
        self.json_only_for_share_page = False
        self._faults: list[tuple[str, re.Pattern, Fault]] = []

    # --- posts

    @property
    def posts(self) -> list[Post]:
        with self._lock:
            return list(self._posts.values())

    def _build(self) -> Path:
        return build_site(list(self._posts.values()), home=self.home)

    def add_posts(self, posts: list[Post]) -> None:
        """Add posts (replacing any with the same infoCode) and rebuild the site."""
        with self._lock:
            self._posts.update((post.info_code, post) for post in posts)
            self.site_dir = self._build()

    def add_post(self, post: Post) -> None:
        self.add_posts([post])

    def remove_post(self, info_code: str) -> Post:
        """Remove a post and rebuild the site."""
        with self._lock:
            post = self._posts.pop(info_code)
            self.site_dir = self._build()
            return post

    def reachable_codes(self, failing: frozenset[str] = frozenset()) -> set[str]:
        """infoCodes of the posts a crawler finds by following links from / and /feed.xml
        (and not through the ``failing`` paths)."""
        paths = reachable_post_paths(self.site_dir, failing)
        return {path.rsplit("/", 1)[1].removesuffix(".html") for path in paths}

    # --- responses

    def respond(self, host: str, path: str, query: str, referer: str | None = None) -> tuple[int, str, bytes] | None:
        """(status, content type, body) for a decoded path; None: close without answering."""
        if path == "/robots.txt":
            return 200, _TEXT, _ROBOTS
        if host == SITE_HOST:
            return self._site_page(path)
        if host in SHARE_HOSTS:
            if path == "/html_News/NewsShare.html":
                return 200, _HTML, SHARE_PAGE.read_bytes()
            if path == "/NewsData/GetNewsText.do":
                if self.json_only_for_share_page and urlsplit(referer or "").path != "/html_News/NewsShare.html":
                    return 403, _TEXT, b"forbidden\n"
                return self._share_data(parse_qs(query).get("id", [""])[0])
        elif host == EASTMONEY_HOST:
            return self._eastmoney_page(path)
        return 404, _HTML, _NOT_FOUND

    def _site_page(self, path: str) -> tuple[int, str, bytes]:
        file = site_file(self.site_dir, path)
        if file is None:
            return 404, _HTML, _NOT_FOUND
        return 200, _CONTENT_TYPES.get(file.suffix, "application/octet-stream"), file.read_bytes()

    def _share_data(self, info_code: str) -> tuple[int, str, bytes] | None:
        """The share JSON; emnews posts have none (their article is on eastmoney)."""
        if self.json_refused:
            return None
        if self.json_status != 200:
            return self.json_status, _TEXT, b"unavailable\n"
        with self._lock:
            post = self._posts.get(info_code)
        if post is None or post.is_emnews:
            return 200, _JSON, upstream.unknown_share_json(info_code).encode()
        return 200, _JSON, upstream.share_json(post).encode()

    def _eastmoney_page(self, path: str) -> tuple[int, str, bytes]:
        match = _EASTMONEY_PATH_RE.match(path)
        with self._lock:
            post = self._posts.get(match.group(2)) if match else None
        if post is None or not post.is_emnews or post.eastmoney_column != match.group(1):
            return 404, _HTML, _NOT_FOUND
        return 200, _HTML, upstream.eastmoney_article(post).encode()

    # --- faults

    def add_fault(self, host: str, path_pattern: str, fault: Fault) -> None:
        """Answer requests whose decoded path fully matches path_pattern with a fault."""
        with self._lock:
            self._faults.append((host, re.compile(path_pattern), fault))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def take_fault(self, host: str, path: str) -> Fault | None:
        with self._lock:
            for index, (fault_host, pattern, fault) in enumerate(self._faults):
                if fault_host == host and pattern.fullmatch(path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            del self._faults[index]
                    return fault
        return None

    # --- the request log

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def paths(self, host: str | None = None) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests if host is None or r.host == host]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def post_page_requests(self) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.requests if r.host == SITE_HOST and POST_PATH_RE.match(r.path)]

    def request_counts(self) -> Counter:
        """Requests per kind of path (see path_kind)."""
        with self._lock:
            return Counter(path_kind(r.host, r.path) for r in self.requests)

    # --- serving

    def env(self) -> dict[str, str]:
        """What points the crawler at this site while it is served."""
        return {"NEWSCRAWL_HOST_MAP": json.dumps(self.host_map), "NEWSCRAWL_SITE_URL": SITE_URL}

    @contextmanager
    def serve(self):
        """Listen on 127.0.0.1 (one ephemeral port per host) until the block ends."""
        servers: list[_HostServer] = []
        try:
            for host in HOSTS:
                servers.append(_HostServer(self, host))
            for server in servers:
                threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                 name=f"mocksite {server.host}", daemon=True).start()
            self.host_map = {s.host: f"http://127.0.0.1:{s.server_address[1]}" for s in servers}
            yield self
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
            self.host_map = {}


class _HostServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: a client opening connections faster than they
    # are accepted has the rest dropped and retried by TCP after 1, 3, 7 s... (the import's share
    # fetches stalled on it). A real server's backlog is Linux's somaxconn, 4096.
    request_queue_size = 4096

    def __init__(self, site: MockSite, host: str):
        self.site = site
        self.host = host
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request, client_address):
        """Stay quiet when a client hangs up; a bug in the mock site still prints."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm the body
    # waits for the client's delayed ACK, about 40 ms a response.
    disable_nagle_algorithm = True
    server: _HostServer

    def do_GET(self):
        self._answer(send_body=True)

    def do_HEAD(self):
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        site = self.server.site
        answer = site.respond(self.server.host, path, parts.query, self.headers.get("Referer"))
        fault = site.take_fault(self.server.host, path)
        headers: dict[str, str] = {}
        if fault is not None:
            answer, headers = fault.apply(answer)
        status = 0 if answer is None else answer[0]
        # Logged before answering, so a client never sees a response that is not in the log yet.
        site._record(RequestRecord(self.server.host, self.command, path, parts.query, status))
        if fault is not None:
            time.sleep(fault.delay)
        if answer is None:
            self.close_connection = True
            return
        status, content_type, body = answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format, *args):
        pass
