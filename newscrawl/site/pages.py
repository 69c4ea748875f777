"""Read the pages the crawl meets: post pages, share JSON, rendered share pages,
eastmoney articles.

Post pages are read inside ``<section>`` only: the ``<head>`` holds an
``og:description`` whose unescaped body HTML spills stray fragments of the
article (docs/site.md, "Page anatomy").
"""

import json
import re

from parsel import Selector

from newscrawl.site.body import html_to_markdown
from newscrawl.site.fetched import SitePost, UpstreamPost
from newscrawl.site.urls import category_of_link, is_digest_url, parse_share_link

_URL_TEXT = re.compile(r"^(https?:)?//\S+$")


class PageError(ValueError):
    """A page that cannot be read as what it should be; the message says why."""


class IncompletePageError(PageError):
    """A post page cut short (no closing tags line)."""


def _text(selector) -> str:
    return selector.xpath("normalize-space(string())").get() or ""


def _is_back_links(node) -> bool:
    links = node.xpath(".//a")
    return bool(links) and all(_text(a).startswith("返回") for a in links)


def _share_link_of(node) -> tuple[bool, str | None]:
    """(is the share-link paragraph, its URL). Also matches the empty ``<>`` link."""
    text = _text(node)
    if text == "<>":
        return True, None
    links = node.xpath("./a")
    if len(links) == 1 and _URL_TEXT.match(text) and _text(links[0]) == text:
        return True, links[0].attrib.get("href") or None
    return False, None


def read_post_page(selector: Selector, url: str, info_code: str, category: str | None) -> SitePost:
    """The raw parts of a post page; raises PageError if it has no ``<section>``."""
    section = selector.xpath("//body//section[1]")
    if not section:
        raise PageError("no <section>: not a post page, or cut short")
    section = section[0]
    # Comments too: they delimit the K-line chart blocks.
    children = section.xpath("./*|./comment()")
    heading = section.xpath("./h1[1]")
    tags_small = section.xpath("./small[starts-with(normalize-space(), 'tags:')]")
    if not tags_small:
        # Every post page ends with its tags line: without it the page was cut short.
        raise IncompletePageError("no tags line: the page is incomplete")
    tags = [t for t in (_text(em) for em in tags_small.xpath(".//em")) if t]

    # The body is what stands between the <h1> and the tags line.
    time_small = section.xpath("./small[1]")
    not_body = {node.root for node in (heading + time_small)}
    end = tags_small[0].root
    body_nodes = []
    for child in children:
        if child.root is end:
            break
        if child.root not in not_body:
            body_nodes.append(child)

    share_url = linked_category = None
    while body_nodes and not isinstance(body_nodes[-1].root.tag, str):  # trailing comments
        body_nodes.pop()
    if body_nodes and body_nodes[-1].root.tag == "p" and _is_back_links(body_nodes[-1]):
        links = body_nodes.pop().xpath(".//a/@href").getall()
        linked_category = next(filter(None, map(category_of_link, links)), None)
    if body_nodes and body_nodes[-1].root.tag == "p":
        is_share, link = _share_link_of(body_nodes[-1])
        if is_share:
            share_url = link
            body_nodes.pop()

    share = parse_share_link(share_url) if share_url else None
    return SitePost(
        url=url,
        info_code=info_code,
        category=category,
        title=_text(heading) or None,
        time_text=_text(time_small) or None,
        tags=tags,
        body=html_to_markdown("\n".join(node.get() for node in body_nodes)),
        share_url=share_url,
        linked_category=linked_category,
        # A digest still ends with its publisher when its share link is empty (``<>``).
        is_digest=(share is not None and share.kind == "eastmoney") or is_digest_url(url),
    )


def read_share_json(text: str) -> UpstreamPost | None:
    """The share data (``GetNewsText.do``); None if it has no article.

    Raises PageError if it is not a JSON object.
    """
    try:
        data = json.loads(text)
    except ValueError:
        raise PageError("share data is not JSON") from None
    if not isinstance(data, dict):
        raise PageError("share data is not a JSON object")
    body_html = data.get("text") or data.get("content") or ""
    if not isinstance(body_html, str) or not body_html.strip():
        return None
    return UpstreamPost(
        title=_str_or_none(data.get("title")),
        time_text=_str_or_none(data.get("showtime")),
        body_html=body_html,
        publisher=_str_or_none(data.get("medianame")),
    )


def read_share_page(selector: Selector) -> UpstreamPost | None:
    """A share page as the browser rendered it; None if it shows its error element
    (资讯不存在: no article for this infoCode).

    Raises PageError if it shows neither (its script did not run in time).
    """
    article = selector.css(".news-detail")
    if not article:
        if selector.css(".error"):
            return None
        raise PageError("the share page rendered neither an article nor its error element")
    return UpstreamPost(
        title=_text(article.css("h1.news-title")) or None,
        time_text=_text(article.css(".news-time")) or None,
        body_html="".join(article.css(".news-content").xpath("./node()").getall()),
        publisher=_text(article.css(".news-source")) or None,
    )


def read_eastmoney_article(selector: Selector) -> UpstreamPost | None:
    """An eastmoney article page; None if it has no article body."""
    content = selector.css("div.newsContent")
    body = content.css("#ContentBody")
    if not body:
        return None
    return UpstreamPost(
        title=_text(content.xpath(".//h1[1]")) or None,
        time_text=_text(content.css("div.time")) or None,
        body_html="".join(body.xpath("./node()").getall()),
        source_label=_text(content.css("div.source")) or None,
    )


def _str_or_none(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
