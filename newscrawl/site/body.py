"""Turn an upstream post body (HTML) into clean Markdown.

The upstream markup carries widgets that are not article text: stock-quote
spans, K-line chart blocks, hidden paragraphs, ads and editor lines. They are
removed or reduced to their text here; the HTML-to-Markdown conversion itself
is markdownify's.
"""

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, Tag
from markdownify import MarkdownConverter

from newscrawl.loading.processors import source_from_em_media

_KLINE_BLOCK = re.compile(r"<!--\s*EM_StockImg_Start\s*-->.*?<!--\s*EM_StockImg_End\s*-->", re.S | re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_EDITOR_LINE = re.compile(r"^[（(]\s*(责任编辑|编辑|责编)\s*[:：].*[）)]$")
_AD_CLASSES = {"ad", "ads", "advert", "advertisement"}
_REMOVED_TAGS = frozenset({"script", "style", "noscript", "iframe", "form", "button"})
_KEYWORD_CLASS = "em_stock_key_common"
_INDENT = re.compile(r"^[ \t]*[\u3000\u00a0][ \t\u3000\u00a0]*", re.M)
_TRAILING_SPACE = re.compile(r"[ \t\u3000\u00a0]+$", re.M)
_BLANK_RUN = re.compile(r"\n{3,}")

_converter = MarkdownConverter(heading_style="ATX", bullets="-", strip=["span", "center", "font"])


@dataclass(frozen=True)
class Body:
    """A converted body and the publisher its ``em_media`` line names, if any."""

    markdown: str
    source: str | None

    @property
    def text_length(self) -> int:
        """How much article there is, for choosing the richer of two bodies."""
        return len(re.sub(r"\s+", "", self.markdown))


def _is_ad(classes: list[str]) -> bool:
    return any(c in _AD_CLASSES or c.startswith(("ad_", "ad-")) for c in classes)


def _is_removed(tag, classes: list[str]) -> bool:
    """Not article text at all: scripts, forms, hidden tags, ads, editor boxes, quote boxes."""
    return (
        tag.name in _REMOVED_TAGS
        or bool(_HIDDEN_STYLE.search(tag.get("style") or ""))
        or tag.has_attr("hidden")
        or _is_ad(classes)
        or "res-edit" in classes
        or (tag.name == "span" and (tag.get("id") or "").startswith("quote_"))
    )


def _is_keyword(tag, classes: list[str]) -> bool:
    """A stock or sector keyword widget: its text stays, the markup goes."""
    if tag.name == "span":
        return (tag.get("id") or "").startswith("stock_") or _KEYWORD_CLASS in classes
    return tag.name == "a" and ("keytip" in classes or _KEYWORD_CLASS in classes)


def _remove_widgets(soup: BeautifulSoup) -> str | None:
    """Strip everything that is not article text; return the em_media publisher.

    One walk over the tree, not one per kind of widget (CSS selectors and
    find_all walk it whole each time), and none into a removed subtree.
    The em_media and editor lines are read once the widgets inside them are
    gone; a line inside one removed before reads as empty.
    """
    em_media, paragraphs = [], []
    pending = list(reversed(soup.contents))  # a stack: document order
    while pending:
        node = pending.pop()
        if isinstance(node, Comment):
            node.extract()
            continue
        if not isinstance(node, Tag):
            continue
        classes = node.get("class") or []
        if _is_removed(node, classes):
            node.decompose()
            continue
        pending.extend(reversed(node.contents))
        if _is_keyword(node, classes):
            node.unwrap()
            continue
        if "em_media" in classes:
            em_media.append(node)
        if node.name == "p":
            paragraphs.append(node)
    source = None
    for tag in em_media:
        source = source or source_from_em_media(tag.get_text())
        tag.decompose()
    for tag in paragraphs:
        if _EDITOR_LINE.match(tag.get_text().strip()):
            tag.decompose()
    return source


def html_to_markdown(html: str | None) -> Body:
    """Convert a body; never raises on junk (bad markup gives what text there is)."""
    html = _KLINE_BLOCK.sub("", html or "")
    soup = BeautifulSoup(html, "lxml")
    source = _remove_widgets(soup)
    markdown = _converter.convert_soup(soup)
    markdown = _INDENT.sub("", markdown)
    markdown = _TRAILING_SPACE.sub("", markdown)
    markdown = _BLANK_RUN.sub("\n\n", markdown).strip("\n")
    return Body(markdown=markdown, source=source)
