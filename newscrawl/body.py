"""Turn an upstream post body (HTML) into clean Markdown.

The upstream markup carries widgets that are not article text: stock-quote
spans, K-line chart blocks, hidden paragraphs, ads and editor lines. They are
removed or reduced to their text here; the HTML-to-Markdown conversion itself
is markdownify's.
"""

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment
from markdownify import MarkdownConverter

from newscrawl.processors import source_from_em_media

_KLINE_BLOCK = re.compile(r"<!--\s*EM_StockImg_Start\s*-->.*?<!--\s*EM_StockImg_End\s*-->", re.S | re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_EDITOR_LINE = re.compile(r"^[（(]\s*(责任编辑|编辑|责编)\s*[:：].*[）)]$")
_AD_CLASSES = {"ad", "ads", "advert", "advertisement"}
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


def _is_ad(tag) -> bool:
    classes = tag.get("class") or []
    return any(c in _AD_CLASSES or c.startswith(("ad_", "ad-")) for c in classes)


def _remove_widgets(soup: BeautifulSoup) -> str | None:
    """Strip everything that is not article text; return the em_media publisher."""
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(["script", "style", "noscript", "iframe", "form", "button"]):
        tag.decompose()
    for tag in soup.find_all(style=_HIDDEN_STYLE):
        tag.decompose()
    for tag in soup.find_all(hidden=True):
        tag.decompose()
    for tag in soup.find_all(_is_ad):
        tag.decompose()
    for tag in soup.select(".res-edit"):
        tag.decompose()
    # Stock-quote widgets: the keyword stays as plain text, the quote box goes.
    for tag in soup.select('span[id^="quote_"]'):
        tag.decompose()
    for tag in soup.select('span[id^="stock_"], a.keytip, span.em_stock_key_common, a.em_stock_key_common'):
        tag.unwrap()
    source = None
    for tag in soup.select(".em_media"):
        source = source or source_from_em_media(tag.get_text())
        tag.decompose()
    for tag in soup.find_all("p"):
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
