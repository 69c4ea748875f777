"""Turn an upstream post body (HTML) into clean Markdown.

The upstream markup carries widgets that are not article text: stock-quote
spans, K-line chart blocks, hidden paragraphs, ads and editor lines. They are
removed or reduced to their text on an lxml tree; the HTML-to-Markdown
conversion itself is html-to-markdown's (Rust). Together 2.5 times faster
than markdownify on BeautifulSoup, which this module used before.

Its options and a few edits to the tree keep the Markdown byte for byte what
markdownify wrote for every body the site gives, so a refresh rewrites no
post for the change: markdownify's whitespace rules, a ``<center>`` made a
``<div>`` (stripped, html-to-markdown would run it into the block before
it), an empty header row for a table without one, no empty list items or
links. Where the two still differ (junk markup; docs/performance.md, "Body conversion", says how),
html-to-markdown's is the more faithful Markdown.

The archive is built by Jekyll (kramdown), which passes raw HTML through, so
a body is made inert on the way: the HTML the converter gets is cleaned by
nh3 (ammonia: no script, event handler, ``javascript:``/``data:`` URL or
unknown tag), and the article's text is escaped where kramdown would read it
as markup (newscrawl.site.text.escape_markup), so text the site showed stays text.
"""

import functools
import re
from dataclasses import dataclass

from lxml import etree

from newscrawl.site.text import clean_text, escape_markup

_KLINE_BLOCK = re.compile(r"<!--\s*EM_StockImg_Start\s*-->.*?<!--\s*EM_StockImg_End\s*-->", re.S | re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_EDITOR_LINE = re.compile(r"^[（(]\s*(责任编辑|编辑|责编)\s*[:：].*[）)]$")
_EM_MEDIA = re.compile(r"^[（(]\s*文章来源\s*[:：]\s*(?P<name>.*?)\s*[）)]$", re.S)
_AD_CLASSES = {"ad", "ads", "advert", "advertisement"}
_REMOVED_TAGS = frozenset({"script", "style", "noscript", "iframe", "form", "button"})
_KEYWORD_CLASS = "em_stock_key_common"
_INDENT = re.compile(r"^[ \t]*[\u3000\u00a0][ \t\u3000\u00a0]*", re.M)
_TRAILING_SPACE = re.compile(r"[ \t\u3000\u00a0]+$", re.M)
_BLANK_RUN = re.compile(r"\n{3,}")
# markdownify's whitespace rules for text outside <pre>; html-to-markdown's own
# (WhitespaceMode.NORMALIZED) would also make full-width and no-break spaces plain ones.
_NEWLINE_WHITESPACE = re.compile(r"[\t \r\n]*[\r\n][\t \r\n]*")
_WHITESPACE_RUN = re.compile(r"[\t ]{2,}|\t")
#: Characters no XML tree can hold (lxml refuses them in text it is given), raw or as references.
_NOT_XML_TEXT = re.compile(
    r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
    r"|&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));?"
)

_PARSER = etree.HTMLParser()
#: Every node that can be a widget, in document order: the walk below visits these only,
#: not each element of the tree.
_WIDGET_CANDIDATES = etree.XPath(
    "//comment() | //*[@class or @style or @hidden or @id]"
    f" | {' | '.join(f'//{tag}' for tag in sorted(_REMOVED_TAGS))}"
)
_EDITOR_LINE_CANDIDATES = etree.XPath("//p[contains(., '编')]")
_TEXT_TO_NORMALIZE = etree.XPath(
    "//text()[contains(., '\t') or contains(., '\r') or contains(., '  ')"
    " or contains(., '\n ') or contains(., ' \n') or contains(., '\n\n')]"
)
#: What markdownify left out and html-to-markdown writes as a bare "-" or "[](url)".
_EMPTY_ITEMS_AND_LINKS = etree.XPath("//li[not(*) and not(normalize-space())] | //a[not(*) and not(normalize-space())]")
_FIRST_ROW = etree.XPath("(./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr)[1]")
_CELLS = etree.XPath(".//td | .//th")
#: Whether a body's HTML may have text that kramdown reads as markup: ``&`` (an entity: text
#: ``<`` is ``&lt;``), ``[``, ``]``, ``|``, ``{``, or a ``<`` that starts no tag (the parser
#: keeps it as text). Most bodies have none, and skip the walk below.
_MAYBE_MARKUP_TEXT = re.compile(r"[&\[\]|{]|<(?![A-Za-z/!?])")
#: Text that may hold what kramdown reads as markup (newscrawl.site.text.escape_markup);
#: code is left alone (kramdown escapes it).
_MARKUP_TEXT = etree.XPath(
    "//text()[(contains(., '<') or contains(., '[') or contains(., ']') or contains(., '|') or contains(., '{:')"
    " or contains(., '&')) and not(ancestor::pre or ancestor::code)]"
)

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


def _is_removed(element, classes: list[str]) -> bool:
    """Not article text at all: scripts, forms, hidden tags, ads, editor boxes, quote boxes."""
    return (
        element.tag in _REMOVED_TAGS
        or bool(_HIDDEN_STYLE.search(element.get("style") or ""))
        or element.get("hidden") is not None
        or _is_ad(classes)
        or "res-edit" in classes
        or (element.tag == "span" and (element.get("id") or "").startswith("quote_"))
    )


def _is_keyword(element, classes: list[str]) -> bool:
    """A stock or sector keyword widget: its text stays, the markup goes."""
    if element.tag == "span":
        return (element.get("id") or "").startswith("stock_") or _KEYWORD_CLASS in classes
    return element.tag == "a" and ("keytip" in classes or _KEYWORD_CLASS in classes)


def source_from_em_media(text: str) -> str | None:
    """``（文章来源：青岛财经日报）`` -> ``青岛财经日报``, whitespace collapsed."""
    match = _EM_MEDIA.match(clean_text(text) or "")
    return clean_text(match["name"]) if match else None


def _text(element) -> str:
    return "".join(element.itertext())


def _append_text(element, previous, text: str | None) -> None:
    """Put ``text`` where it stays in place once ``element`` is gone: after ``previous``, or in the parent."""
    if not text:
        return
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent = element.getparent()
        parent.text = (parent.text or "") + text


def _remove(node) -> None:
    """Remove a node and what is inside it; the text after it stays."""
    _append_text(node, node.getprevious(), node.tail)
    node.getparent().remove(node)


def _unwrap(element) -> None:
    """Replace an element by what is inside it."""
    parent, children = element.getparent(), list(element)
    _append_text(element, element.getprevious(), element.text)
    last = children[-1] if children else element.getprevious()
    tail = element.tail
    index = parent.index(element)
    parent[index : index + 1] = children
    if tail:
        if last is not None:
            last.tail = (last.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _remove_widgets(root) -> str | None:
    """Strip everything that is not article text; return the em_media publisher.

    Nothing inside a removed subtree is looked at. The em_media and editor
    lines are read once the widgets inside them are gone; a line inside one
    removed before reads as empty.
    """
    removed, keywords, em_media = set(), [], []
    for node in _WIDGET_CANDIDATES(root):
        if node.getparent() is None or (removed and any(a in removed for a in node.iterancestors())):
            continue
        if not isinstance(node.tag, str):  # a comment
            _remove(node)
            continue
        classes = (node.get("class") or "").split()
        if _is_removed(node, classes):
            removed.add(node)
            _remove(node)
        elif _is_keyword(node, classes):
            keywords.append(node)
        elif "em_media" in classes:
            em_media.append(node)
    for keyword in keywords:
        _unwrap(keyword)
    source = None
    for line in em_media:
        source = source or source_from_em_media(_text(line))
        _remove(line)
    for paragraph in _EDITOR_LINE_CANDIDATES(root):
        if _EDITOR_LINE.match(_text(paragraph).strip()):
            _remove(paragraph)
    return source


def _shape_as_markdownify_did(root) -> None:
    """The tree edits that keep html-to-markdown's output what markdownify's was."""
    _normalize_whitespace(root)
    for empty in _EMPTY_ITEMS_AND_LINKS(root):
        _remove(empty)
    for center in root.iter("center"):
        center.tag = "div"
    for table in root.iter("table"):
        _give_empty_header(table)


def _escape_markup_text(root) -> None:
    """Write the characters of text that kramdown would read as markup as entities."""
    for text in _MARKUP_TEXT(root):
        escaped = escape_markup(text)
        if text.is_tail:
            text.getparent().tail = escaped
        else:
            text.getparent().text = escaped


def _give_empty_header(table) -> None:
    """An empty header row above a first row that is not one (html-to-markdown would make it the header)."""
    first_row = _FIRST_ROW(table)
    if not first_row or all(cell.tag == "th" for cell in _CELLS(first_row[0])):
        return
    header = etree.Element("thead")
    row = etree.SubElement(header, "tr")
    for _ in range(sum(_colspan(cell) for cell in _CELLS(first_row[0]))):
        etree.SubElement(row, "th")
    table.insert(0, header)


def _normalize_whitespace(root) -> None:
    """markdownify's whitespace rules, for the text outside ``<pre>`` that needs them."""
    for text in _TEXT_TO_NORMALIZE(root):
        if _in_pre(text):
            continue
        normalized = _WHITESPACE_RUN.sub(" ", _NEWLINE_WHITESPACE.sub("\n", text))
        if text.is_tail:
            text.getparent().tail = normalized
        else:
            text.getparent().text = normalized


def _in_pre(text) -> bool:
    element = text.getparent()
    if text.is_tail:
        element = element.getparent()
    return element is not None and (element.tag == "pre" or any(a.tag == "pre" for a in element.iterancestors()))


def _colspan(cell) -> int:
    span = cell.get("colspan") or ""
    return max(1, min(1000, int(span))) if span.isdigit() else 1


@functools.cache
def _sanitizer():
    """nh3's clean with ammonia's defaults (harmless tags and attributes, http(s) and similar
    URL schemes only) but the rel it adds to links (html-to-markdown drops it); imported at
    the first body converted, like the converter."""
    import nh3

    return nh3.Cleaner(link_rel=None).clean


@functools.cache
def _converter():
    """html-to-markdown's convert with our options, imported at the first body
    converted (a run that converts none does not pay for loading it)."""
    from html_to_markdown import HeadingStyle, WhitespaceMode
    # The native module's convert and options: the package's public convert() rebuilds its
    # options on every call, which costs more than converting a body (pinned version).
    from html_to_markdown._html_to_markdown import ConversionOptions, convert

    options = ConversionOptions(
        heading_style=HeadingStyle.ATX,
        bullets="-",
        escape_asterisks=True,
        escape_underscores=True,
        strip_tags=["span", "font"],
        compact_tables=True,
        whitespace_mode=WhitespaceMode.STRICT,  # with markdownify's rules applied to the tree first
        extract_metadata=False,
    )
    return functools.partial(convert, options=options, visitor=None)


def html_to_markdown(html: str | None) -> Body:
    """Convert a body; never raises on junk (bad markup gives what text there is)."""
    html = _NOT_XML_TEXT.sub("", _KLINE_BLOCK.sub("", html or ""))
    root = etree.fromstring(html, _PARSER) if html.strip() else None
    if root is None:  # nothing a parser can make a tree of
        return Body(markdown="", source=None)
    source = _remove_widgets(root)
    _shape_as_markdownify_did(root)
    if _MAYBE_MARKUP_TEXT.search(html):
        _escape_markup_text(root)
    html = _sanitizer()(etree.tostring(root, encoding="unicode", method="html"))
    markdown = _converter()(html=html).content
    markdown = _INDENT.sub("", markdown or "")
    markdown = _TRAILING_SPACE.sub("", markdown)
    markdown = _BLANK_RUN.sub("\n\n", markdown).strip("\n")
    return Body(markdown=markdown, source=source)
