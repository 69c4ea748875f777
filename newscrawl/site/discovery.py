"""Finding every category and post from the home page, the feed and post links.

A post URL carries its category lower-cased (``Wind`` -> ``/wind/...``), a
space making two segments, so the case-kept slug of a post found outside a
category page is taken only from what names it exactly: the feed's
``<category term>``s, a home-page tag whose pinyin spells the URL's segments
(docs/site.md, "The generator and its repository": slugs are the
publisher's name as xpinyin writes it), or, on the post page, a back link
to ``/category/<slug>.html`` or such a tag. Lacking those, the URL's
segments are a candidate slug, right if its category page answers
(``/emnews/...`` -> ``/category/emnews.html``).

Pages are read the way kramdown may have left them: a title holding
``<研报>`` makes it escape the rest of its list, so every later heading and
list sits nested inside an unclosed ``<a>``. So every post link anywhere in
``<section>`` counts, under the nearest heading before it.
"""

from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from parsel import Selector

from newscrawl.site.urls import POST_PATH_RE, category_slug


@dataclass(frozen=True)
class FoundPost:
    url: str
    category: str | None  # the slug, when something names it exactly
    candidate: str  # the slug the URL's segments spell, case lost


def category_segments(url: str) -> list[str]:
    """``/21shijijingjibaodao/21caijingapp/2022/...`` -> its two category segments."""
    match = POST_PATH_RE.match(urlsplit(url).path)
    return unquote(match["category"]).split("/") if match else []


def candidate_slug(url: str) -> str:
    """The slug the URL's category segments spell, lower-cased: ``/emnews/...`` -> ``emnews``."""
    return " ".join(category_segments(url))


def _matching(url: str, names: list[str]) -> str | None:
    """The slug spelled by names that match the URL's category segments in order."""
    segments = category_segments(url)
    lowered = {name.lower(): name for name in names}
    if segments and all(segment in lowered for segment in segments):
        return " ".join(lowered[segment] for segment in segments)
    return None


def _spelled(tag: str) -> str:
    """A tag as its category slug would spell it: ``青岛财经日报新闻`` -> ``qingdaocaijingribao``."""
    return category_slug(tag.removesuffix("新闻"))


def category_from_terms(url: str, terms: list[str]) -> str | None:
    """The slug the feed's category terms (category and tags, mixed) spell for this URL."""
    return _matching(url, terms)


def category_from_link(url: str, slug: str | None) -> str | None:
    """The slug of a ``/category/<slug>.html`` back link, if it is the URL's category."""
    return _matching(url, slug.split()) if slug else None


def category_from_tags(url: str, tags: list[str]) -> str | None:
    """The slug a post's tags spell, if they match its URL (a spaced category has two tags)."""
    return _matching(url, [_spelled(tag) for tag in tags])


def read_home_page(selector: Selector, base_url: str) -> list[FoundPost]:
    """Every post the home page links (each tag's newest five, or the newest 100),
    with the tags of the headings it stands under: a spaced category's post
    is listed under each of its two tags."""
    tags_by_url: dict[str, list[str]] = {}
    for link in selector.xpath("//section//a[@href]"):
        url = _post_url(base_url, link.attrib["href"])
        if url:
            heading = link.xpath("(ancestor::h2 | preceding::h2)[last()]")
            tag = heading.xpath("normalize-space(string())").get() if heading else ""
            tags_by_url.setdefault(url, []).extend(tag.split())
    return [FoundPost(url, category_from_tags(url, tags), candidate_slug(url)) for url, tags in tags_by_url.items()]


def read_feed(text: str) -> list[FoundPost]:
    """Every post of the Atom feed, with its category terms."""
    selector = Selector(text=text, type="xml")
    selector.register_namespace("atom", "http://www.w3.org/2005/Atom")
    found = []
    for entry in selector.xpath("//atom:entry"):
        href = entry.xpath("atom:link[@rel='alternate']/@href").get() or entry.xpath("atom:link/@href").get()
        url = _post_url("", href or "")
        if url:
            terms = entry.xpath("atom:category/@term").getall()
            found.append(FoundPost(url, category_from_terms(url, terms), candidate_slug(url)))
    return found


def _post_url(base_url: str, href: str) -> str | None:
    url = urljoin(base_url, href)
    return url if POST_PATH_RE.match(urlsplit(url).path) else None
