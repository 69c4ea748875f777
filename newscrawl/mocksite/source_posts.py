"""Source posts in the site generator's format, with the archive's quirks.

A Post is one post as the generator wrote it (``_posts/YYYY-MM-DD-<infoCode>.md``)
together with the upstream truth behind it (the share data's time, publisher
and body). ``generate_posts`` makes realistic ones, carrying what docs/site.md
lists ("Data quirks seen in the real archive"): titles with ``<...>``, ``"``, ``&`` and stray spaces; offset-less
dates (shown 8 hours late); empty bodies; emnews digests (publisher in
full-width or ASCII brackets, share link sometimes empty); ``Wind``'s case;
the spaced category; three forms of back link; bodies with tables,
pictures, K-line blocks, hidden paragraphs and keyword spans.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

SITE_HOST = "finews.withounder.com"
SITE_URL = f"https://{SITE_HOST}"
SHARE_HOSTS = ("finews.zning.xyz", "choicewzp1.eastmoney.com")
EASTMONEY_HOST = "finance.eastmoney.com"

POST_PATH_RE = re.compile(r"^/.+/\d{4}/\d{2}/\d{2}/[^/]+\.html$")

#: The site shows an offset-less source date this much late (YAML reads it as UTC).
LATE = timedelta(hours=8)

JEKYLL_SOURCE = Path(__file__).parent / "jekyll-site"
SEED_FILE = JEKYLL_SOURCE / "_posts" / "2022-02-23-NW202202232285760343.md"

SPACED = ("21shijijingjibaodao 21caijingAPP", "21世纪经济报道 21财经APP", "21世纪经济报道 21财经APP新闻")

#: (slug, publisher, tag) of the categories posts are generated in by default:
#: each category page lists its posts.
DEFAULT_CATEGORIES = [
    ("Wind", "Wind", "Wind新闻"),
    ("shanghaizhengquanbao", "上海证券报", "上海证券报新闻"),
    ("anxinguojizhengquan(xianggang)", "安信国际证券(香港)", "安信国际证券(香港)新闻"),
    ("zhongguozhengquanbao", "中国证券报", "中国证券报新闻"),
    ("qingdaocaijingribao", "青岛财经日报", "青岛财经日报新闻"),
    ("emnews", "东财滚动新闻", "东财滚动新闻"),
]
#: Every kind of category the site has, the spaced one (whose page lists nothing) too.
SITE_CATEGORIES = [*DEFAULT_CATEGORIES, SPACED]


@dataclass
class Post:
    """One post of the site, with the upstream data behind it."""

    info_code: str
    category: str
    title: str
    published: datetime  # the true time, Asia/Shanghai (naive)
    publisher: str
    tag: str
    body_html: str  # the upstream body; the site's post carries it unless site_body is False
    site_body: bool = True
    shown_late: bool = False  # its source date has no offset: the site shows it 8 hours late
    share_host: str = SHARE_HOSTS[0]
    eastmoney_column: str = "11158"
    listed: bool = True  # in the site's build; if not, only the share data has it
    legacy_content_key: bool = False  # its share JSON names the body "content"
    back_link_form: int = 0  # 0: //host/category/x.html, 1: //host/x/ (a 404), 2: ../x/ (a 404)
    share_link_empty: bool = False  # the share link is written ``<>``
    ascii_digest: bool = False  # an emnews digest ending "(publisher)", not "（publisher）"

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
        """Jekyll's default permalink: categories lower-cased, the date as shown."""
        segments = "/".join(c.lower() for c in self.categories)
        return f"/{segments}/{self.displayed_time:%Y/%m/%d}/{self.info_code}.html"

    @property
    def share_url(self) -> str:
        """Where the post's share link points: a share page, or the eastmoney article."""
        if self.is_emnews:
            return f"http://{EASTMONEY_HOST}/news/{self.eastmoney_column},{self.info_code}.html"
        return f"http://{self.share_host}/html_News/NewsShare.html?infoCode={self.info_code}"

    @property
    def filename(self) -> str:
        return f"{self.published:%Y-%m-%d}-{self.info_code}.md"


# --- The generator's file format -----------------------------------------------------


def source_text(post: Post) -> str:
    """The post's source file as the generator wrote it: front matter, body, share link, back links."""
    date = f"{post.published:%Y-%m-%d %H:%M:%S}" + ("" if post.shown_late else " +0800")
    front = (
        "---\nlayout: post\n"
        f"title: {json.dumps(post.title, ensure_ascii=False)}\n"  # YAML's double-quoted style
        f"date: {date}\ncategories: {post.category}\ntags: {post.tag}\n---\n"
    )
    share_link = "" if post.share_link_empty else post.share_url
    return f"{front}{site_body(post)}\n\n<{share_link}>\n\n{back_links(post)}"


def site_body(post: Post) -> str:
    """What the site's post holds of the body: all of it, a digest (emnews), or nothing."""
    if post.is_emnews:
        opening, closing = "()" if post.ascii_digest else "（）"
        return f"{digest_text(post.body_html)}{opening}{post.publisher}{closing}"
    return post.body_html if post.site_body else ""


def back_links(post: Post) -> str:
    label = f"返回{post.tag}"
    if post.back_link_form == 0:
        return f"[{label}](//{SITE_HOST}/category/{post.category}.html)｜[返回首页](//{SITE_HOST}/)"
    if post.back_link_form == 1:
        return f"[{label}](//{SITE_HOST}/{post.category}/)｜[返回首页](//{SITE_HOST}/)"
    return f"[{label}](../{post.category}/)\n[返回首页](../)"


def digest_text(body_html: str) -> str:
    """The first shown paragraph's text, without tags and indents (the eastmoney summary)."""
    for match in re.finditer(r"<p(?:\s[^>]*)?>(.*?)</p>", body_html, re.S):
        if "em_media" in match.group() or "display:none" in match.group():
            continue
        text = re.sub(r"<.*?>", "", match.group(1), flags=re.S).strip(" \t\n\u3000")
        if text:
            return text
    return ""


def seed_post() -> Post:
    """The real post shipped with the site's source, with its share data."""
    text = SEED_FILE.read_text(encoding="utf-8")
    body = text.split("---\n", 2)[2].split("\n\n<http", 1)[0]
    return Post(
        info_code="NW202202232285760343",
        category="qingdaocaijingribao",
        title="青岛高新区是如何实现“进位争先”的？",
        published=datetime(2022, 2, 23, 10, 30, 9),
        publisher="青岛财经日报",
        tag="青岛财经日报新闻",
        body_html=body,
    )


# --- Generated posts -------------------------------------------------------------------

EMNEWS_PUBLISHERS = ["中国基金报", "上海证券报", "央视新闻客户端", "证券时报", "财联社", "东方财富Choice数据"]
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
#: Title shapes seen on the site: curly and straight quotes, colons, #, &, <...>, stray spaces.
TITLE_FORMS = [
    "{}", "{}", "{}", "{}？", "“{}”", 'A股"开门红" {}', "{} & 市场展望", "{} #热点",
    "快讯: {}", "{}：机构解读", "市盈率<10倍 {}", "<研报>{}", " {}", "{} ", "{}——详解",
]
STOCKS = [("1.600160", "1,600160"), ("0.000001", "0,000001"), ("1.600036", "1,600036")]


@cache
def _paragraphs() -> tuple[str, ...]:
    return tuple(p.strip() for p in re.findall(r"<p>(.*?)</p>", seed_post().body_html, re.S))


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
        name = (f'{publisher[:2]}<span class="em_stock_key_common" data-code="90,BK0473">{publisher[2:-1]}</span>'
                f"{publisher[-1]}")
    return f'<p class="em_media">（文章来源：{name}）</p>'


def _media_body(rng: random.Random, publisher: str) -> str:
    paragraphs = _paragraphs()
    groups = []  # of blocks that stay together
    for text in rng.sample(paragraphs, rng.randint(3, 8)):
        if len(text) <= 20 and rng.random() < 0.5:
            groups.append([f"<p><strong>{text}</strong></p>"])
            continue
        if rng.random() < 0.3:
            text = _keytip(rng, text)
        indent = "\u3000\u3000" if rng.random() < 0.3 else ""
        groups.append([f"<p>{indent}{text}</p>"])
    extras = [
        (0.15, ["<p></p>"]),
        (0.10, [f'<p style="display:none">{rng.choice(paragraphs)}</p>']),
        (0.10, _kline_block(rng)),
        (0.05, ["<table><tbody><tr><td>指标</td><td>同比</td></tr><tr><td>工业总产值</td><td>53%</td></tr>"
                "<tr><td>营业收入</td><td>79%</td></tr></tbody></table>"]),
    ]
    if rng.random() < 0.15:
        picture = [f'<center><img src="https://dfscdn.dfcfw.com/download/D{rng.randrange(10**9):09d}_w800h555.jpg" '
                   'alt="Image" width="552" /></center>']
        if rng.random() < 0.5:
            picture.append('<p style="text-align:center;">图为青岛高新区（资料图）</p>')
        extras.append((1, picture))
    for chance, extra in extras:
        if rng.random() < chance:
            groups.insert(rng.randint(1, len(groups)), extra)
    body = "".join(block + rng.choice(["\n ", "\n ", "\n", ""]) for group in groups for block in group)
    return body + _em_media(rng, publisher)


def _emnews_body(rng: random.Random, publisher: str) -> str:
    texts = rng.sample(_paragraphs(), rng.randint(2, 6))
    if rng.random() < 0.3:
        texts[-1] = _keytip(rng, texts[-1])
    blocks = [f"<p>\u3000\u3000{text}</p>" for text in texts]
    return "\n".join(blocks + [f'<p class="em_media">（文章来源：{publisher}）</p>'])


def _generate_post(index: int, seed: int, categories: list[tuple[str, str, str]], start: datetime) -> Post:
    rng = random.Random(f"{seed}:{index}")
    slug, publisher, tag = rng.choice(categories)
    emnews = slug == "emnews"
    late = emnews and rng.random() < 0.3
    # Even seconds for posts shown on time, odd for late ones: displayed times never collide.
    published = start + timedelta(seconds=index * 150 + 2 * rng.randrange(60) + late)
    suffix = 2_300_000_000 + (index * 7_919 + seed * 104_729) % 100_000_000
    title = rng.choice(TITLE_FORMS).format(rng.choice(TITLE_SUBJECTS))
    back_link_form = rng.choices([0, 1, 2], weights=[70, 15, 15])[0]
    common = dict(category=slug, title=title, published=published, tag=tag, back_link_form=back_link_form)
    if emnews:
        publisher = rng.choice(EMNEWS_PUBLISHERS)
        return Post(
            info_code=f"{published:%Y%m%d}{suffix}",
            publisher=publisher,
            body_html=_emnews_body(rng, publisher),
            shown_late=late,
            eastmoney_column=rng.choice(EMNEWS_COLUMNS),
            # Without a link, nothing tells a late post's true time: the real one was on time.
            share_link_empty=not late and rng.random() < 0.05,
            ascii_digest=rng.random() < 0.3,
            **common,
        )
    old_share_host = rng.random() < 0.25
    return Post(
        info_code=f"NW{published:%Y%m%d}{suffix}",
        publisher=publisher,
        body_html=_media_body(rng, publisher),
        site_body=rng.random() >= 0.05,
        share_host=SHARE_HOSTS[1] if old_share_host else SHARE_HOSTS[0],
        legacy_content_key=old_share_host and rng.random() < 0.3,
        **common,
    )


def generate_posts(
    n: int,
    *,
    seed: int = 0,
    categories: list[tuple[str, str, str]] | None = None,
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
    return [_generate_post(i, seed, categories, start) for i in range(first, first + n)]
