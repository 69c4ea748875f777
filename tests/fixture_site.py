"""A local copy of the finews site, for tests and benchmarks.

The crawler is only ever tested against this site, so it reproduces the
markup of the real pages in ``tests/fixtures/site-samples`` byte for byte
(``test_fixture_site.py`` rebuilds the samples from Posts and compares) and
the quirks listed in the project's SITE.md: the raw body HTML that breaks
the post page's ``og:description``, misleading category page titles, spaced
categories whose category page lists nothing, dates shown 8 hours late,
empty post bodies, three forms of back link, the share JSON's old
``content`` key, and so on.

Pages are rendered per request from the current posts, so posts can be
added or removed while serving and a 20,000-post site is cheap in memory.

Run it in its own process (for the benchmark)::

    python -m tests.fixture_site --posts 20000 [--seed 0] [--new-posts 100]

It prints the host map as one JSON line once listening. SIGUSR1 adds
``--new-posts`` newer posts and prints ``added K``; SIGUSR2 prints the
request counts so far per kind of path, ``requests {"post": 12, ...}``
(wait for the answer before signalling again: signals sent together merge
into one). SIGTERM/SIGINT stop it; it then prints the request counts on
stderr.
"""

from __future__ import annotations

import argparse
import html
import json
import queue
import random
import re
import signal
import sys
import threading
import time
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, quote, unquote, urlsplit

SAMPLES_DIR = Path(__file__).parent / "fixtures" / "site-samples"

SITE_HOST = "finews.withounder.com"
SHARE_HOSTS = ("finews.zning.xyz", "choicewzp1.eastmoney.com")
EASTMONEY_HOST = "finance.eastmoney.com"
HOSTS = (SITE_HOST, *SHARE_HOSTS, EASTMONEY_HOST)

SITE_URL = f"https://{SITE_HOST}"
OLD_SITE_URL = "https://finews.zning.me"  # still in the custom og:url
SITE_TITLE = "金融消息"

#: The site shows an offset-less source date this much late (YAML reads it as UTC).
LATE = timedelta(hours=8)

SAMPLE_INFO_CODE = "NW202202232285760343"
SAMPLE_POST_FILE = "site/post-qingdaocaijingribao-NW202202232285760343.html"
SAMPLE_JSON_FILE = "share/GetNewsText.do-id-NW202202232285760343.json"

#: Category page titles are taken from some other category; these two are real.
CATEGORY_TITLES = {
    "qingdaocaijingribao": "美尔雅期货新闻",
    "21shijijingjibaodao 21caijingAPP": "世界金属导报新闻",
}
DECOY_TITLES = ("美尔雅期货新闻", "世界金属导报新闻", "经济参考报新闻", "期货日报新闻", "证券日报新闻")


# --- The data model ------------------------------------------------------------------


@dataclass
class Post:
    """One post of the site, with the upstream data behind it."""

    info_code: str
    category: str
    title: str
    published: datetime
    publisher: str
    tag: str
    body_html: str
    site_body: bool = True
    shown_late: bool = False
    share_host: str = "finews.zning.xyz"
    eastmoney_column: str = "11158"
    listed: bool = True
    legacy_content_key: bool = False
    back_link_form: int = 0

    @property
    def is_emnews(self) -> bool:
        return self.category == "emnews"

    @property
    def displayed_time(self) -> datetime:
        return self.published + LATE if self.shown_late else self.published

    @property
    def categories(self) -> list[str]:
        """Jekyll's categories: the category string split on spaces, case kept."""
        return self.category.split()

    @property
    def tags(self) -> list[str]:
        return self.tag.split()

    @property
    def url_path(self) -> str:
        segments = "/".join(c.lower() for c in self.categories)
        return f"/{segments}/{self.displayed_time:%Y/%m/%d}/{self.info_code}.html"

    @property
    def share_url(self) -> str:
        """The link the post page carries: a share page, or the eastmoney article."""
        if self.is_emnews:
            return f"http://{EASTMONEY_HOST}/news/{self.eastmoney_column},{self.info_code}.html"
        return f"http://{self.share_host}/html_News/NewsShare.html?infoCode={self.info_code}"


@dataclass(frozen=True)
class RequestRecord:
    host: str
    method: str
    path: str  # percent-decoded
    query: str  # raw query string
    status: int  # 0: the connection was closed without an answer


def sample_post() -> Post:
    """The Post behind the real sample page and share JSON in site-samples."""
    data = json.loads((SAMPLES_DIR / SAMPLE_JSON_FILE).read_text(encoding="utf-8"))
    return Post(
        info_code=SAMPLE_INFO_CODE,
        category="qingdaocaijingribao",
        title="青岛高新区是如何实现“进位争先”的？",
        published=datetime(2022, 2, 23, 10, 30, 9),
        publisher="青岛财经日报",
        tag="青岛财经日报新闻",
        body_html=data["text"],
    )


# --- What Jekyll, kramdown and Liquid do to text --------------------------------------

_TOKEN_RE = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][\w-]*)[^>]*?(/?)>", re.S)
_VOID_TAGS = frozenset("area base br col embed hr img input link meta source wbr".split())
_ASCII_SPACE = " \t\n\v\f\r"


def kramdown_blocks(body_html: str) -> str:
    """The body as kramdown renders raw HTML: each top-level block on its own line.

    Whitespace between blocks is dropped (``</p>\\n <p>`` and ``</p><p>``
    both become ``</p>\\n<p>``); the blocks themselves are kept verbatim.
    """
    blocks: list[str] = []
    depth = start = text_from = 0

    def add_text(text: str) -> None:  # loose top-level text becomes a paragraph
        if text.strip(_ASCII_SPACE):
            blocks.append(f"<p>{text.strip(_ASCII_SPACE)}</p>")

    for match in _TOKEN_RE.finditer(body_html):
        closing, name, self_closing = match.groups()
        if depth == 0:
            add_text(body_html[text_from : match.start()])
            start = match.start()
        if name is not None and not self_closing and name.lower() not in _VOID_TAGS:
            depth = max(depth - 1, 0) if closing else depth + 1
        if depth == 0:
            blocks.append(body_html[start : match.end()])
            text_from = match.end()
    if depth:  # an unclosed element runs to the end
        blocks.append(body_html[start:])
    else:
        add_text(body_html[text_from:])
    return "\n".join(blocks)


def strip_html(text: str) -> str:
    """Liquid's strip_html."""
    text = re.sub(r"<script.*?</script>|<!--.*?-->|<style.*?</style>", "", text, flags=re.S)
    return re.sub(r"<.*?>", "", text, flags=re.S)


def normalize_whitespace(text: str) -> str:
    """Jekyll's normalize_whitespace: ASCII whitespace only, so `　　` indents stay."""
    return re.sub(r"[ \t\n\v\f\r]+", " ", text).strip(_ASCII_SPACE + "\0")


def escape_once(text: str) -> str:
    """Liquid's escape_once: escapes, but leaves existing entities alone."""
    table = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
    return re.sub(r"[\"><']|&(?!(?:[a-zA-Z]+|#\d+);)", lambda m: table[m.group()], text)


def smart_title(title: str) -> str:
    """A title as jekyll-seo-tag and jekyll-feed print it (markdownify/smartify).

    Straight quotes become curly (closing unless at a word start), `&`, `<`
    and `>` become entities, outer spaces go.
    """

    def quote_mark(match: re.Match) -> str:
        opening = match.start() == 0 or title[match.start() - 1] in _ASCII_SPACE + "([{"
        if match.group() == '"':
            return "“" if opening else "”"
        return "‘" if opening else "’"

    text = re.sub(r"[\"']", quote_mark, title)
    text = text.replace("...", "…").replace("---", "—").replace("--", "–")
    return normalize_whitespace(escape_once(text))


def xml_escape(text: str) -> str:
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def iso(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}+08:00"


def emnews_digest_text(body_html: str) -> str:
    """The first paragraph's text, without tags and indents (the eastmoney summary)."""
    for match in re.finditer(r"<p(?:\s[^>]*)?>(.*?)</p>", body_html, re.S):
        if "em_media" in match.group() or "display:none" in match.group():
            continue
        text = strip_html(match.group(1)).strip(_ASCII_SPACE + "\u3000")
        if text:
            return text
    return ""


# --- Page templates (copied from site-samples) ----------------------------------------

_PAGE = """\
<!DOCTYPE html>
<html lang="zh-CN">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="X-UA-Compatible" content="IE=edge">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta property="og:type" content="website" />
    <meta property="og:title" content="{og_title}">
    <meta property="og:description" content="{og_description}">
    <meta property="og:url" content="{old_url}">
<!-- Begin Jekyll SEO tag v2.8.0 -->
{seo}
<!-- End Jekyll SEO tag -->

    <link rel="stylesheet" href="/assets/css/style.css">
    <!-- custom head -->

    <script type="text/JavaScript">
      function AutoRefresh( t ) {{ setTimeout("location.reload(true);", t); }}
    </script>
  </head>
  <body onload="JavaScript:AutoRefresh(60000);">
    <div class="wrapper">
      <header>
        <h1><a href="https://finews.withounder.com/">金融消息</a></h1>
        <p></p>
      </header>
      <section>

      {section}
      </section>
      <footer>
        <p>&copy; 2021</p>
      </footer>
    </div>
  </body>
</html>
"""

_SEO_TOP = """\
<title>{full_title}</title>
<meta name="generator" content="Jekyll v4.3.1" />
<meta property="og:title" content="{title}" />
<meta name="author" content="ZNing" />
<meta property="og:locale" content="zh_CN" />
"""

_SEO_WEBSITE = """\
<link rel="canonical" href="{url}" />
<meta property="og:url" content="{url}" />
<meta property="og:site_name" content="金融消息" />
<meta property="og:type" content="website" />
<meta name="twitter:card" content="summary" />
<meta property="twitter:title" content="{title}" />
<script type="application/ld+json">
{json_ld}</script>"""

_SEO_ARTICLE = """\
<meta name="description" content="{description}" />
<meta property="og:description" content="{description}" />
<link rel="canonical" href="{url}" />
<meta property="og:url" content="{url}" />
<meta property="og:site_name" content="金融消息" />
<meta property="og:type" content="article" />
<meta property="article:published_time" content="{published}" />
<meta name="twitter:card" content="summary" />
<meta property="twitter:title" content="{title}" />
<script type="application/ld+json">
{json_ld}</script>"""

#: The home page's og:description is the page's own unrendered Liquid source.
_HOME_OG_DESCRIPTION = """\
{% for tag in site.tags %}
  <h2 id="{{ tag[0] }}">{{ tag[0] }}</h2>
  <ul>
    {% for post in tag[1] limit:5 %}
      <li><a href="{{ post.url }}">{{ post.title }}</a></li>
    {% endfor %}
  </ul>
  ---
{% endfor %}
"""

_FEED_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">'
    '<generator uri="https://jekyllrb.com/" version="4.3.1">Jekyll</generator>'
    f'<link href="{SITE_URL}/feed.xml" rel="self" type="application/atom+xml" />'
    f'<link href="{SITE_URL}/" rel="alternate" type="text/html" hreflang="zh-CN" />'
    "<updated>{updated}</updated>"
    f"<id>{SITE_URL}/feed.xml</id>"
    '<title type="html">金融消息</title><author><name>ZNing</name></author>'
)

_FEED_ENTRY = (
    '<entry><title type="html">{title}</title>'
    '<link href="{url}" rel="alternate" type="text/html" title="{title}" />'
    "<published>{published}</published><updated>{published}</updated><id>{id}</id>"
    '<content type="html" xml:base="{url}"><![CDATA[{content}]]></content>'
    "<author><name>ZNing</name></author>{categories}"
    '<summary type="html"><![CDATA[{summary}]]></summary></entry>'
)

_EASTMONEY_ARTICLE = """\
<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_东方财富网</title></head>
<body><div class="main"><div class="newsContent"><h1>{title}</h1>
<div class="Info"><div class="time">{time}</div><div class="source">来源：<span>{publisher}</span></div></div>
<div class="b-review">{digest}</div>
<div id="ContentBody" class="Body">
{body}
<div class="ad_context3"><script>ads()</script><p>广告</p></div>
</div><p class="res-edit">（责任编辑：DF010）</p></div></div></body></html>
"""


def _json_ld(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _seo_title(raw_title: str) -> tuple[str, str]:
    """(page title, <title> text) as jekyll-seo-tag makes them."""
    title = smart_title(raw_title) or SITE_TITLE
    return title, title if title == SITE_TITLE else f"{title} | {SITE_TITLE}"


def _website_seo(raw_title: str, path: str, page_type: str) -> str:
    title, full_title = _seo_title(raw_title)
    url = SITE_URL + path
    data = {
        "@context": "https://schema.org",
        "@type": page_type,
        "author": {"@type": "Person", "name": "ZNing"},
        "headline": title,
    }
    if page_type == "WebSite":
        data["name"] = SITE_TITLE
    data["url"] = url
    return _SEO_TOP.format(full_title=full_title, title=title) + _SEO_WEBSITE.format(
        url=url, title=title, json_ld=_json_ld(data)
    )


def _back_links(post: Post) -> str:
    if post.back_link_form == 0:
        category_link = f"//{SITE_HOST}/category/{post.category}.html"
    elif post.back_link_form == 1:
        category_link = f"//{SITE_HOST}/{post.category}/"
    else:
        return f'<p><a href="../{post.category}/">返回{post.tag}</a>\n<a href="../">返回首页</a></p>'
    return f'<p><a href="{category_link}">返回{post.tag}</a>｜<a href="//{SITE_HOST}/">返回首页</a></p>'


def _rendered_body(post: Post) -> str:
    """The body part of the post's content, as the site renders it ("" if none)."""
    if post.is_emnews:
        return f"<p>{emnews_digest_text(post.body_html)}（{post.publisher}）</p>"
    return kramdown_blocks(post.body_html) if post.site_body else ""


def post_content(post: Post) -> str:
    """Jekyll's ``content`` of a post: body, share link, back links."""
    body = _rendered_body(post)
    link = f'<p><a href="{post.share_url}">{post.share_url}</a></p>'
    return (f"{body}\n\n" if body else "") + f"{link}\n\n{_back_links(post)}\n"


def _excerpt_text(post: Post) -> str:
    """The post's excerpt (first markdown block) as plain text."""
    excerpt = _rendered_body(post) or f'<a href="{post.share_url}">{post.share_url}</a>'
    return normalize_whitespace(strip_html(excerpt))


def render_post_page(post: Post) -> str:
    content = post_content(post)
    title, full_title = _seo_title(post.title)
    description = escape_once(_excerpt_text(post))
    url = SITE_URL + post.url_path
    published = iso(post.displayed_time)
    json_ld = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "author": {"@type": "Person", "name": "ZNing"},
        "dateModified": published,
        "datePublished": published,
        "description": description,
        "headline": title,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
    }
    seo = _SEO_TOP.format(full_title=full_title, title=title) + _SEO_ARTICLE.format(
        description=description, url=url, published=published, title=title, json_ld=_json_ld(json_ld)
    )
    tags = " - ".join(f"<em>{tag}</em>" for tag in post.tags)
    section = (
        f"<small>(GMT+8, Asia/Shanghai, CST) {post.displayed_time:%Y-%m-%d %H:%M:%S}</small>\n"
        f"<h1>{html.escape(post.title, quote=False)}</h1>\n\n"
        f"{content}\n\n\n  <small>tags: {tags}</small>\n\n\n"
    )
    return _PAGE.format(
        og_title=html.escape(post.title, quote=False),
        og_description=content,  # raw: its first `"` ends the attribute, as on the real site
        old_url=OLD_SITE_URL + post.url_path,
        seo=seo,
        section=section,
    )


def _li(post: Post) -> str:
    return f'<li><a href="{post.url_path}">{html.escape(post.title, quote=False)}</a></li>'


def render_category_page(slug: str, listing: list[Post], title: str) -> str:
    path = f"/category/{quote(slug, safe='/()')}.html"
    items = "".join(f"    {_li(post)}\n  \n" for post in listing)
    heading = "" if " " in slug else '<h2 id=""></h2>\n\n'
    section = f"\n{heading}<ul>\n  \n{items}</ul>\n\n"
    return _PAGE.format(
        og_title=title,
        og_description="",
        old_url=OLD_SITE_URL + path,
        seo=_website_seo(title, path, "WebPage"),
        section=section,
    )


def render_home_page(tag_lists: list[tuple[str, list[Post]]]) -> str:
    blocks = []
    for tag, posts in tag_lists:
        items = "".join(f"    \n      {_li(post)}\n" for post in posts)
        blocks.append(f'<h2 id="{tag}">{tag}</h2>\n<ul>\n{items}    \n  </ul>\n<hr />\n\n')
    return _PAGE.format(
        og_title="首页",
        og_description=_HOME_OG_DESCRIPTION,
        old_url=OLD_SITE_URL + "/",
        seo=_website_seo("首页", "/", "WebSite"),
        section="\n" + "".join(blocks) + "\n",
    )


def render_feed(posts: list[Post], updated: datetime) -> str:
    entries = []
    for post in posts:
        url = SITE_URL + post.url_path
        terms = [*post.categories, *post.tags]
        entries.append(
            _FEED_ENTRY.format(
                title=xml_escape(smart_title(post.title)),
                url=url,
                published=iso(post.displayed_time),
                id=url.removesuffix(".html"),
                content=post_content(post).strip(_ASCII_SPACE),
                categories="".join(f'<category term="{xml_escape(term)}" />' for term in terms),
                summary=_excerpt_text(post),
            )
        )
    return _FEED_HEAD.format(updated=iso(updated)) + "".join(entries) + "</feed>"


def render_eastmoney_article(post: Post) -> str:
    title = html.escape(post.title, quote=False)
    return _EASTMONEY_ARTICLE.format(
        title=title,
        time=f"{post.published:%Y年%m月%d日 %H:%M}",
        publisher=post.publisher,
        digest=emnews_digest_text(post.body_html),
        body=kramdown_blocks(post.body_html),
    )


def share_json(post: Post) -> str:
    body_key = "content" if post.legacy_content_key else "text"
    return json.dumps(
        {
            "infoCode": post.info_code,
            "title": post.title,
            "showtime": f"{post.published:%Y-%m-%d %H:%M:%S}",
            "medianame": post.publisher,
            body_key: post.body_html,
        },
        ensure_ascii=False,
    )


# --- The site ----------------------------------------------------------------------------

POST_PATH_RE = re.compile(r"^/.+/\d{4}/\d{2}/\d{2}/[^/]+\.html$")
_EASTMONEY_PATH_RE = re.compile(r"^/news/(\d+),([^/]+)\.html$")

_HTML = "text/html; charset=utf-8"
_JSON = "application/json; charset=utf-8"
_ROBOTS = b"User-agent: *\nAllow: /\n"


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


class FixtureSite:
    """The finews site and its upstream hosts, served from a list of Posts.

    Use ``with site.serve():`` to listen; ``site.host_map`` then maps every
    real host to its local base URL.
    """

    def __init__(self, posts: list[Post], *, include_samples: bool = True):
        self._lock = threading.RLock()
        self._posts: dict[str, Post] = {}
        self._by_path: dict[str, str] = {}
        self._cache: dict[str, object] = {}
        self._sample: Post | None = None
        self._sample_page = self._sample_json = b""
        self._share_shell = (SAMPLES_DIR / "share/NewsShare.html").read_bytes()
        self.host_map: dict[str, str] = {}
        self.requests: list[RequestRecord] = []
        self.json_status = 200
        self.json_refused = False
        self._faults: list[tuple[str, re.Pattern, Fault]] = []
        #: Refuse the JSON (403) unless a share page's script asks for it, as
        #: a browser's fetch() does (its Referer is the share page): only a
        #: crawler that renders the share page gets the article.
        self.json_only_for_share_page = False
        if include_samples:
            self._sample = sample_post()
            self._sample_page = (SAMPLES_DIR / SAMPLE_POST_FILE).read_bytes()
            self._sample_json = (SAMPLES_DIR / SAMPLE_JSON_FILE).read_bytes()
            self.add_post(self._sample)
        for post in posts:
            self.add_post(post)

    sample_post = staticmethod(sample_post)

    # --- posts

    @property
    def posts(self) -> list[Post]:
        with self._lock:
            return list(self._posts.values())

    def add_post(self, post: Post) -> None:
        """Add a post, replacing any post with the same infoCode."""
        with self._lock:
            if post.info_code in self._posts:
                self.remove_post(post.info_code)
            self._posts[post.info_code] = post
            self._by_path[post.url_path] = post.info_code
            self._cache.clear()

    def remove_post(self, info_code: str) -> Post:
        with self._lock:
            post = self._posts.pop(info_code)
            del self._by_path[post.url_path]
            self._cache.clear()
            return post

    def _cached(self, key: str, build):
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    def _newest_first(self) -> list[Post]:
        """All posts in Jekyll's order (by displayed date, then path), newest first."""
        return self._cached(
            "newest", lambda: sorted(self._posts.values(), key=lambda p: (p.displayed_time, p.url_path), reverse=True)
        )

    def _category_listing(self, slug: str) -> list[Post]:
        """The posts a category page lists: none for a spaced category."""
        if " " in slug:
            return []
        return [p for p in self._newest_first() if p.category == slug and p.listed]

    def _tag_lists(self) -> list[tuple[str, list[Post]]]:
        """Every tag in order of first use (oldest post first), with its 5 newest posts."""
        lists: dict[str, list[Post]] = {}
        for post in reversed(self._newest_first()):
            for tag in post.tags:
                lists.setdefault(tag, []).append(post)
        return [(tag, posts[::-1][:5]) for tag, posts in lists.items()]

    def _category_title(self, slug: str, own_tag: str) -> str:
        if slug in CATEGORY_TITLES:
            return CATEGORY_TITLES[slug]
        decoys = [title for title in DECOY_TITLES if title != own_tag]
        return decoys[zlib.crc32(slug.encode()) % len(decoys)]

    def reachable_codes(self) -> set[str]:
        """infoCodes a crawler finds by following links from / and /feed.xml.

        Post pages link to their category page only with back link form 0,
        and a spaced category's page lists nothing, so some posts may be
        reachable from nowhere.
        """
        with self._lock:
            frontier = [p for _, posts in self._tag_lists() for p in posts] + self._newest_first()[:10]
            seen: set[str] = set()
            categories: set[str] = set()
            while frontier:
                post = frontier.pop()
                if post.info_code in seen:
                    continue
                seen.add(post.info_code)
                if post.back_link_form == 0 and post.category not in categories:
                    categories.add(post.category)
                    frontier.extend(self._category_listing(post.category))
            return seen

    # --- responses

    def respond(self, host: str, path: str, query: str, referer: str | None = None) -> tuple[int, str, bytes] | None:
        """(status, content type, body) for a decoded path; None: close without answering."""
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", _ROBOTS
        if host == SITE_HOST:
            page = self._site_page(path)
        elif host in SHARE_HOSTS:
            if path == "/html_News/NewsShare.html":
                return 200, _HTML, self._share_shell
            if path == "/NewsData/GetNewsText.do":
                if self.json_only_for_share_page and urlsplit(referer or "").path != "/html_News/NewsShare.html":
                    return 403, "text/plain; charset=utf-8", b"forbidden\n"
                return self._share_data(parse_qs(query).get("id", [""])[0])
            page = None
        else:
            page = self._eastmoney_page(path)
        if page is None:
            return 404, _HTML, b"<html><body><h1>404</h1><p>File not found</p></body></html>\n"
        return page

    def _site_page(self, path: str) -> tuple[int, str, bytes] | None:
        if path == "/":
            return 200, _HTML, self._cached("/", lambda: render_home_page(self._tag_lists()).encode())
        if path == "/feed.xml":
            return 200, "application/xml; charset=utf-8", self._cached("/feed.xml", self._render_feed)
        if path.startswith("/category/") and path.endswith(".html"):
            slug = path[len("/category/") : -len(".html")]
            page = self._cached(path, lambda: self._render_category(slug))
            return None if page is None else (200, _HTML, page)
        with self._lock:
            post = self._posts.get(self._by_path.get(path, ""))
        if post is None:
            return None
        if post is self._sample:
            return 200, _HTML, self._sample_page
        return 200, _HTML, render_post_page(post).encode()

    def _render_feed(self) -> bytes:
        newest = self._newest_first()
        updated = newest[0].displayed_time if newest else datetime(2021, 12, 1)
        return render_feed(newest[:10], updated).encode()

    def _render_category(self, slug: str) -> bytes | None:
        posts = [p for p in self._newest_first() if p.category == slug]
        if not posts:
            return None
        title = self._category_title(slug, posts[0].tag)
        return render_category_page(slug, self._category_listing(slug), title).encode()

    def _share_data(self, info_code: str) -> tuple[int, str, bytes] | None:
        """The share JSON; emnews posts have none (their article is on eastmoney)."""
        if self.json_refused:
            return None
        if self.json_status != 200:
            return self.json_status, "text/plain; charset=utf-8", b"unavailable\n"
        with self._lock:
            post = self._posts.get(info_code)
        if post is not None and post is self._sample:
            return 200, _JSON, self._sample_json
        if post is None or post.is_emnews:
            unknown = {"infoCode": info_code, "title": "", "showtime": "", "medianame": "", "text": ""}
            return 200, _JSON, json.dumps(unknown, ensure_ascii=False).encode()
        return 200, _JSON, share_json(post).encode()

    def _eastmoney_page(self, path: str) -> tuple[int, str, bytes] | None:
        match = _EASTMONEY_PATH_RE.match(path)
        if not match:
            return None
        with self._lock:
            post = self._posts.get(match.group(2))
        if post is None or not post.is_emnews or post.eastmoney_column != match.group(1):
            return None
        return 200, _HTML, render_eastmoney_article(post).encode()

    # --- the request log

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
        return {"NEWSCRAWL_HOST_MAP": json.dumps(self.host_map), "NEWSCRAWL_SITE_URL": SITE_URL}

    @contextmanager
    def serve(self):
        """Listen on 127.0.0.1 (one ephemeral port per host) until the block ends."""
        servers: list[_HostServer] = []
        try:
            for host in HOSTS:
                servers.append(_HostServer(self, host))
            for server in servers:
                threading.Thread(
                    target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"fixture {server.host}", daemon=True
                ).start()
            self.host_map = {s.host: f"http://127.0.0.1:{s.server_address[1]}" for s in servers}
            yield self
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
            self.host_map = {}


@dataclass
class Fault:
    """Fault mode: what a matching request gets instead of its page.

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


class _HostServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: FixtureSite, host: str):
        self.site = site
        self.host = host
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request, client_address):
        """Stay quiet when a client hangs up; a bug in the fixture still prints."""
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


# --- Generated posts --------------------------------------------------------------------

DEFAULT_CATEGORIES = [
    ("Wind", "Wind", "Wind新闻"),
    ("shanghaizhengquanbao", "上海证券报", "上海证券报新闻"),
    ("anxinguojizhengquan(xianggang)", "安信国际证券(香港)", "安信国际证券(香港)新闻"),
    ("zhongguojijinbao", "中国基金报", "中国基金报新闻"),
    ("zhengquanshibao", "证券时报", "证券时报新闻"),
    ("emnews", "东财滚动新闻", "东财滚动新闻"),
]
EMNEWS_PUBLISHERS = ["中国基金报", "上海证券报", "央视新闻客户端", "证券时报", "财联社", "新华社"]
EMNEWS_COLUMNS = ["11158", "1350"]

TITLE_SUBJECTS = [
    "港股科技股午后走强",
    "央行开展逆回购操作",
    "A股三大指数集体收涨",
    "新能源汽车销量同比增长",
    "多家银行下调存款利率",
    "期货市场成交量创新高",
    "青岛高新区综合排名前进4名",
    "离岸人民币兑美元升至2018年以来最高水平",
    "白酒板块突然爆发",
    "北向资金净买入超百亿",
]
#: Title shapes seen on the site: curly and straight quotes, colons, #, &, <, stray spaces.
TITLE_FORMS = [
    "{}", "{}", "{}", "{}？", "“{}”", 'A股"开门红" {}', "{} & 市场展望", "{} #热点",
    "快讯: {}", "{}：机构解读", "市盈率<10倍 {}", " {}", "{} ", "{}——详解",
]
STOCKS = [("1.600160", "1,600160"), ("0.000001", "0,000001"), ("1.600036", "1,600036")]


def _sample_paragraphs() -> list[str]:
    text = json.loads((SAMPLES_DIR / SAMPLE_JSON_FILE).read_text(encoding="utf-8"))["text"]
    return [p.strip() for p in re.findall(r"<p>(.*?)</p>", text, re.S)]


def _keytip(rng: random.Random, text: str) -> str:
    """Wrap 4 characters of a paragraph in a stock (or sector) keyword span, as upstream does."""
    if len(text) < 12:
        return text
    at = rng.randrange(2, len(text) - 8)
    word = text[at : at + 4]
    if rng.random() < 0.7:
        stock, code = rng.choice(STOCKS)
        span = (
            f'<span id="stock_{stock}"><a href="http://quote.eastmoney.com/unify/r/{stock}" class="keytip" '
            f'data-code="{code}">{word}</a></span><span id="quote_{stock}"></span>'
        )
    else:
        span = f'<span class="em_stock_key_common" data-code="90,BK0473">{word}</span>'
    return text[:at] + span + text[at + 4 :]


def _kline_block(rng: random.Random) -> list[str]:
    stock, _ = rng.choice(STOCKS)
    number = stock.split(".")[1]
    return [
        "<!-- EM_StockImg_Start -->",
        f'<center><a href="http://quote.eastmoney.com/unify/r/{stock}" class="EmImageRemark" target="_blank">'
        f'<img src="https://webquotepic.eastmoney.com/GetPic.aspx?nid={stock}&amp;imageType=k" border="0" '
        f'alt="K图 {number}_0" width="578" height="276" /></a></center>',
        f'<p style="text-align:center;">K图 {number}_0</p>',
        "<!-- EM_StockImg_End -->",
    ]


def _em_media(rng: random.Random, publisher: str) -> str:
    """The closing source line; sometimes a keyword span splits the name."""
    name = publisher
    if len(publisher) >= 4 and rng.random() < 0.3:
        name = f'{publisher[:2]}<span class="em_stock_key_common" data-code="90,BK0473">{publisher[2:-1]}</span>{publisher[-1]}'
    return f'<p class="em_media">（文章来源：{name}）</p>'


def _media_body(rng: random.Random, paragraphs: list[str], publisher: str) -> str:
    blocks = []
    for text in rng.sample(paragraphs, rng.randint(3, 8)):
        if len(text) <= 20 and rng.random() < 0.5:
            blocks.append(f"<p><strong>{text}</strong></p>")
            continue
        if rng.random() < 0.3:
            text = _keytip(rng, text)
        indent = "\u3000\u3000" if rng.random() < 0.3 else ""
        blocks.append(f"<p>{indent}{text}</p>")
    extras = [
        (0.15, ["<p></p>"]),
        (0.10, [f'<p style="display:none">{rng.choice(paragraphs)}</p>']),
        (0.10, _kline_block(rng)),
        (0.05, ["<table><tbody><tr><td>指标</td><td>同比</td></tr><tr><td>工业总产值</td><td>53%</td></tr>"
                "<tr><td>营业收入</td><td>79%</td></tr></tbody></table>"]),
    ]
    for chance, extra in extras:
        if rng.random() < chance:
            at = rng.randint(1, len(blocks))
            blocks[at:at] = extra
    if rng.random() < 0.15:
        picture = [f'<center><img src="https://dfscdn.dfcfw.com/download/D{rng.randrange(10**9):09d}_w800h555.jpg" '
                   'alt="Image" width="552" /></center>']
        if rng.random() < 0.5:
            picture.append('<p style="text-align:center;">图为青岛高新区（资料图）</p>')
        at = rng.randint(1, len(blocks))
        blocks[at:at] = picture
    body = "".join(block + rng.choice(["\n ", "\n ", "\n", ""]) for block in blocks)
    return body + _em_media(rng, publisher)


def _emnews_body(rng: random.Random, paragraphs: list[str], publisher: str) -> str:
    texts = rng.sample(paragraphs, rng.randint(2, 6))
    if rng.random() < 0.3:
        texts[-1] = _keytip(rng, texts[-1])
    blocks = [f"<p>\u3000\u3000{text}</p>" for text in texts]
    return "\n".join(blocks + [f'<p class="em_media">（文章来源：{publisher}）</p>'])


def _generate_post(index: int, seed: int, categories: list[tuple[str, str, str]], start: datetime,
                   paragraphs: list[str]) -> Post:
    rng = random.Random(f"{seed}:{index}")
    slug, publisher, tag = rng.choice(categories)
    emnews = slug == "emnews"
    late = emnews and rng.random() < 0.3
    # Even seconds for posts shown on time, odd for late ones: displayed times never collide.
    published = start + timedelta(seconds=index * 150 + 2 * rng.randrange(60) + late)
    suffix = 2_300_000_000 + (index * 7_919 + seed * 104_729) % 100_000_000
    title = rng.choice(TITLE_FORMS).format(rng.choice(TITLE_SUBJECTS))
    back_link_form = rng.choices([0, 1, 2], weights=[70, 15, 15])[0]
    if emnews:
        publisher = rng.choice(EMNEWS_PUBLISHERS)
        return Post(
            info_code=f"{published:%Y%m%d}{suffix}",
            category=slug,
            title=title,
            published=published,
            publisher=publisher,
            tag=tag,
            body_html=_emnews_body(rng, paragraphs, publisher),
            shown_late=late,
            eastmoney_column=rng.choice(EMNEWS_COLUMNS),
            back_link_form=back_link_form,
        )
    old_share_host = rng.random() < 0.25
    return Post(
        info_code=f"NW{published:%Y%m%d}{suffix}",
        category=slug,
        title=title,
        published=published,
        publisher=publisher,
        tag=tag,
        body_html=_media_body(rng, paragraphs, publisher),
        site_body=rng.random() >= 0.05,
        share_host=SHARE_HOSTS[1] if old_share_host else SHARE_HOSTS[0],
        legacy_content_key=old_share_host and rng.random() < 0.3,
        back_link_form=back_link_form,
    )


def generate_posts(
    n: int,
    *,
    categories: list[tuple[str, str, str]] | None = None,
    seed: int = 0,
    start: datetime = datetime(2022, 2, 1, 8, 0, 0),
    first: int = 0,
) -> list[Post]:
    """``n`` realistic posts, one every ~2.5 minutes from ``start``, oldest first.

    Post number ``i`` depends only on (seed, i, categories, start), so
    ``generate_posts(k, first=n)`` gives the k posts that follow
    ``generate_posts(n)``: newer, with new infoCodes. Categories are
    (slug, publisher, tag); an ``emnews`` category gets a publisher per post.
    """
    categories = categories or DEFAULT_CATEGORIES
    paragraphs = _sample_paragraphs()
    return [_generate_post(i, seed, categories, start, paragraphs) for i in range(first, first + n)]


# --- Command line --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fixture_site", description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, required=True, help="number of generated posts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--new-posts", type=int, default=100, help="posts added (newer) on each SIGUSR1")
    args = parser.parse_args(argv)

    site = FixtureSite(generate_posts(args.posts, seed=args.seed))
    events: queue.SimpleQueue[str] = queue.SimpleQueue()  # put() is safe in a signal handler
    signal.signal(signal.SIGTERM, lambda *_: events.put("stop"))
    signal.signal(signal.SIGINT, lambda *_: events.put("stop"))
    signal.signal(signal.SIGUSR1, lambda *_: events.put("add"))
    signal.signal(signal.SIGUSR2, lambda *_: events.put("count"))
    generated = args.posts
    with site.serve():
        print(json.dumps(site.host_map), flush=True)
        while (event := events.get()) != "stop":
            if event == "add":
                for post in generate_posts(args.new_posts, seed=args.seed, first=generated):
                    site.add_post(post)
                generated += args.new_posts
                print(f"added {args.new_posts}", flush=True)
            else:
                print(f"requests {_counts_json(site)}", flush=True)
    print(f"requests: {_counts_json(site)}", file=sys.stderr, flush=True)


def _counts_json(site: FixtureSite) -> str:
    return json.dumps(dict(sorted(site.request_counts().items())))


if __name__ == "__main__":
    main()
