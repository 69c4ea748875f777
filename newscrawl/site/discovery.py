"""Finding every category and post from the home page, the feed and post links.

A post URL carries its category lower-cased (``Wind`` -> ``/wind/...``), a
space making two segments, so the case-kept slug of a post found outside a
category page is recovered from what names it exactly: the feed's
``<category term>``s, the home page tag spelled in pinyin (SITE.md: slugs
are the publisher's name as xpinyin writes it), or a post's back link to
``/category/<slug>.html``.
"""

from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from parsel import Selector

from newscrawl.site.urls import POST_PATH_RE, category_slug


@dataclass(frozen=True)
class FoundPost:
    url: str
    category: str  # best known slug
    exact: bool  # the slug is known to be right (case and all)


def category_segments(url: str) -> list[str]:
    """``/21shijijingjibaodao/21caijingapp/2022/...`` -> its two category segments."""
    match = POST_PATH_RE.match(urlsplit(url).path)
    return unquote(match["category"]).split("/") if match else []


def _matching(url: str, names: list[str]) -> str | None:
    """The slug spelled by names that match the URL's category segments in order."""
    segments = category_segments(url)
    lowered = {name.lower(): name for name in names}
    if segments and all(segment in lowered for segment in segments):
        return " ".join(lowered[segment] for segment in segments)
    return None


def found_by_terms(url: str, terms: list[str]) -> FoundPost:
    """A post with the feed's category terms (category and tags, mixed)."""
    slug = _matching(url, terms)
    return FoundPost(url, slug, True) if slug else FoundPost(url, " ".join(category_segments(url)), False)


def _spelled(tag: str) -> str:
    """A tag as its category slug would spell it: ``青岛财经日报新闻`` -> ``qingdaocaijingribao``."""
    return category_slug(tag.removesuffix("新闻"))


def found_by_tag(url: str, tag: str) -> FoundPost:
    """A post listed under a home-page tag (``青岛财经日报新闻``)."""
    return found_by_terms(url, [_spelled(tag)])


def category_from_tags(url: str, tags: list[str]) -> str | None:
    """The slug a post's own tags spell, if they match its URL (a spaced category has two tags)."""
    return _matching(url, [_spelled(tag) for tag in tags])


def read_home_page(selector: Selector, base_url: str) -> list[FoundPost]:
    """Every post the home page lists (each tag's newest five)."""
    found = []
    for heading in selector.xpath("//section/h2"):
        tag = heading.xpath("normalize-space(string())").get()
        for href in heading.xpath("following-sibling::ul[1]/li/a/@href").getall():
            url = _absolute(base_url, href)
            if url:
                found.append(found_by_tag(url, tag))
    return found


def read_feed(text: str) -> list[FoundPost]:
    """Every post of the Atom feed, with its category terms."""
    selector = Selector(text=text, type="xml")
    selector.register_namespace("atom", "http://www.w3.org/2005/Atom")
    found = []
    for entry in selector.xpath("//atom:entry"):
        url = entry.xpath("atom:link[@rel='alternate']/@href").get() or entry.xpath("atom:link/@href").get()
        if url and POST_PATH_RE.match(urlsplit(url).path):
            found.append(found_by_terms(url, entry.xpath("atom:category/@term").getall()))
    return found


def _absolute(base_url: str, href: str) -> str | None:
    url = urljoin(base_url, href)
    return url if POST_PATH_RE.match(urlsplit(url).path) else None
