"""The site's URL scheme: category pages, post URLs and share links.

Jekyll's default permalink puts the category (lower-cased, a space making
two segments), the date and the infoCode into every post URL, so a post can
be recognised, dated and checked against the archive before it is fetched.
"""

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

from xpinyin import Pinyin

POST_PATH_RE = re.compile(
    r"^/(?P<category>.+)/(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<info_code>[A-Za-z0-9_-]+)\.html$"
)
EASTMONEY_ARTICLE_RE = re.compile(r"^/news/\d+,(?P<info_code>[A-Za-z0-9_-]+)\.html$")
INFO_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# What a category and the URLs of a post may be (newscrawl.items.POST_SCHEMA): the
# site's scheme, and nothing that is a path of its own (``..``, ``/etc``), a control
# character, or markup. A segment is a category's word (a space separates two) or a
# URL path's part between slashes; it does not start with a dot.
_SEGMENT_CHAR = r"[^\s/\\?#%<>\"'`{}|^\[\]\x00-\x1f\x7f-\x9f]"
_SEGMENT = rf"(?!\.){_SEGMENT_CHAR}+"
#: A category slug: ``qingdaocaijingribao``, ``Wind``, ``anxinguojizhengquan(xianggang)``,
#: ``21shijijingjibaodao 21caijingAPP``.
CATEGORY_RE = re.compile(rf"^{_SEGMENT}(?: {_SEGMENT})*$")
# A URL's segment may also hold percent-encoded non-ASCII (UTF-8 bytes 0x80 and up, C1 controls
# excepted); an ASCII character appears as itself, so ``%2e%2e``, ``%2f`` or ``%00`` cannot.
_URL_SEGMENT = rf"(?!\.)(?:{_SEGMENT_CHAR}|(?!%[cC]2%[89])%[89a-fA-F][0-9a-fA-F])+"
_ORIGIN = r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?"
#: A post's URL as the site gives it: ``<site>/<category segments>/YYYY/MM/DD/<infoCode>.html``.
POST_URL_RE = re.compile(
    rf"^{_ORIGIN}(?:/{_URL_SEGMENT})+/[0-9]{{4}}/[0-9]{{2}}/[0-9]{{2}}/[A-Za-z0-9_-]{{1,64}}\.html$"
)
#: A share page or eastmoney article link (written as an autolink ``<...>`` in the post), or nothing.
SHARE_URL_RE = re.compile(rf"^(?:{_ORIGIN}(?:/(?!\.\.?(?:/|\?|$))[A-Za-z0-9_.,~+-]*)+(?:\?[A-Za-z0-9_.,~+=&%-]*)?)?$")

#: Request meta: the URL a request was made for, where NEWSCRAWL_HOST_MAP sent it to a mirror.
CANONICAL_URL_KEY = "newscrawl_canonical_url"

#: Request meta: the infoCode of the post a request is for (its page, its share
#: data), so that whatever refuses the request knows whose reject it is.
INFO_CODE_KEY = "newscrawl_info_code"


def canonical_url(request) -> str:
    """The site's own URL of a request, whichever mirror it was fetched from
    and wherever it was redirected (the first URL of its redirect chain)."""
    return request.meta.get(CANONICAL_URL_KEY) or (request.meta.get("redirect_urls") or [request.url])[0]


@dataclass(frozen=True)
class PostRef:
    """What a post URL tells before the post is fetched."""

    url: str
    info_code: str
    date: date


def parse_post_url(url: str) -> PostRef | None:
    """The infoCode and date of a post URL, or None if it is not an http(s) post URL."""
    parts = urlsplit(url)
    match = POST_PATH_RE.match(parts.path)
    if not match or parts.scheme not in ("http", "https"):
        return None
    try:
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None
    return PostRef(url=url, info_code=match["info_code"], date=day)


def post_url(site_url: str, category: str, day: date, info_code: str) -> str:
    """The URL the site gives a post: category lower-cased, a space making two segments."""
    segments = "/".join(part.lower() for part in category.split())
    return f"{site_url.rstrip('/')}/{segments}/{day:%Y/%m/%d}/{info_code}.html"


@cache
def _pinyin() -> Pinyin:
    return Pinyin()


def category_slug(publisher: str) -> str:
    """The site's category slug for a publisher: its name in pinyin without tones or
    separators, as xpinyin writes it; ASCII parts kept (``青岛财经日报`` ->
    ``qingdaocaijingribao``, ``Wind`` -> ``Wind``)."""
    return _pinyin().get_pinyin(publisher, "")


def category_url(site_url: str, slug: str) -> str:
    """The category page of a slug; the slug keeps its case, spaces and parens."""
    return f"{site_url.rstrip('/')}/category/{quote(slug, safe='()')}.html"


#: The category whose posts are one-paragraph digests of an eastmoney article (东财滚动新闻).
DIGEST_CATEGORY = "emnews"


def is_digest_url(url: str) -> bool:
    """Whether a post URL is in the digest category (``/emnews/...``)."""
    match = POST_PATH_RE.match(urlsplit(url).path)
    return bool(match) and match["category"] == DIGEST_CATEGORY


CATEGORY_PATH_RE = re.compile(r"^/category/(?P<slug>[^/]+)\.html$")


def category_of_link(url: str) -> str | None:
    """The slug of a category page link (``//host/category/Wind.html`` -> ``Wind``)."""
    match = CATEGORY_PATH_RE.match(unquote(urlsplit(url).path))
    return match["slug"] if match else None


def site_netloc(site_url: str) -> str:
    """The host of the site, as written in back links (``//host``)."""
    return urlsplit(site_url).netloc


@dataclass(frozen=True)
class ShareLink:
    """A post's share link and where its upstream data is fetched."""

    url: str
    data_url: str
    kind: str  # "newsshare" (JSON) or "eastmoney" (article page)
    info_code: str


def share_page_url(share_base_url: str, info_code: str) -> str:
    """The share page of an infoCode on a share host."""
    return f"{share_base_url.rstrip('/')}/html_News/NewsShare.html?infoCode={info_code}"


def parse_share_link(url: str) -> ShareLink | None:
    """Classify a share link; None if it is neither kind the crawler knows."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if parts.path.endswith("/NewsShare.html"):
        codes = parse_qs(parts.query).get("infoCode", [])
        if not codes or not INFO_CODE_RE.match(codes[0]):
            return None
        data_url = urlunsplit((parts.scheme, parts.netloc, "/NewsData/GetNewsText.do", f"id={codes[0]}", ""))
        return ShareLink(url=url, data_url=data_url, kind="newsshare", info_code=codes[0])
    match = EASTMONEY_ARTICLE_RE.match(parts.path)
    if match:
        return ShareLink(url=url, data_url=url, kind="eastmoney", info_code=match["info_code"])
    return None
