"""A post file as the site's generator wrote it, read as Jekyll reads it.

``read_source_post(name, data, site_url)`` reads a file's front matter:
whether it is a post, and where Jekyll would put it (its default permalink
``/:categories/:year/:month/:day/:title.html``). ``read_source_page(post)``
then renders its Markdown and lays it out as the site's post layout does
(``_layouts/post.html``: the shown time, the ``<h1>`` title, the content,
the tags line), and reads that page with the crawl's own page reader
(newscrawl.site.pages.read_post_page), so that the loaders make the same
post of it as of the page Jekyll built. The two are split so that the
cheap part, which decides whether a file is imported at all, runs on the
event loop, and the costly one in a parse worker (spiders/source.py), where
``read_source_items(posts)`` also loads each post whose page alone makes it.

What Jekyll does with the generator's quirks, and what this does:

- The front matter is read as YAML (Jekyll's SafeYAML). An unescaped ``"``
  in the title breaks it: Jekyll then drops the whole front matter (the
  page lands at the build's date without layout, and no crawl finds it);
  here the generator's lines are read as it wrote them instead.
- A date without offset is a YAML timestamp, read as UTC: the site shows
  it 8 hours late and dates the URL by that. ``+0800`` dates are strings,
  read with their offset.
- Categories and tags are split on spaces; the URL's categories are
  lower-cased and each kept once.
- The content is Markdown (raw HTML blocks, a ``>`` digest, the share
  link's autolink, back links): rendered by markdown-it-py (CommonMark,
  with kramdown's typographic replacements and smart quotes) where Jekyll
  runs kramdown. Both pass HTML through; they can differ on Markdown
  corner cases in plain text (docs/import.md).

A file that is no post raises NotAPost with the reason, a short key.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache

import yaml
from parsel import Selector

from newscrawl.loading.loaders import load_post
from newscrawl.site.fetched import SitePost
from newscrawl.site.pages import PageError, read_post_page
from newscrawl.site.times import SHANGHAI

#: ``<YYYY-MM-DD>-<infoCode or emnews id>.md`` (Jekyll's post file name: a date, a slug, an extension).
_FILE_NAME = re.compile(r"^(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})-(?P<slug>.+)\.(?:md|markdown)$")
#: What the generator names files by: an infoCode (``NW202202232285760343``) or an emnews id
#: (``202112082206935918``): a few letters, then digits. ``init`` (the repository's first post) is neither.
SOURCE_INFO_CODE = re.compile(r"^[A-Za-z]{0,8}[0-9]{8,56}$")
#: Jekyll's front matter: ``---`` on the very first line, closed by ``---`` (or ``...``) on a line of its own.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
#: A front matter line as the generator writes it: ``key: value``.
_GENERATOR_LINE = re.compile(r"^(?P<key>[A-Za-z_]+):[ \t]?(?P<value>.*?)[ \t]*$")
#: The generator's date: ``2022-02-23 10:30:09 +0800``, the offset missing in early versions.
_DATE = re.compile(r"^\s*(?P<day>[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})[ Tt]+(?P<clock>[0-9]{1,2}:[0-9]{2}:[0-9]{2})"
                   r"(?:\.[0-9]+)?\s*(?P<offset>Z|[+-][0-9]{2}:?[0-9]{2})?\s*$")

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: NotAPost reasons, with the words the log says them in.
REASONS = {
    "no_date_in_name": "no date in its name (YYYY-MM-DD-<infoCode>.md)",
    "no_info_code": "no infoCode in its name",
    "no_front_matter": "no front matter at the top",
    "bad_front_matter": "front matter that is not a mapping",
    "no_category": "no categories in its front matter",
    "not_utf8": "not UTF-8 text",
}


class NotAPost(ValueError):
    """A file that is not a post; ``reason`` is a key of REASONS."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(REASONS[reason] + (f": {detail}" if detail else ""))
        self.reason = reason


@dataclass(frozen=True)
class SourcePost:
    """A post file, as the site shows it."""

    info_code: str
    category: str  # the front matter's categories as written (case and spaces kept)
    url: str  # where Jekyll puts the page
    day: date  # the URL's day (the date as the site shows it)
    title: str
    shown: datetime | None  # the time the page shows (Asia/Shanghai); None where Jekyll could not read it
    tags: tuple[str, ...]
    content: str  # the Markdown after the front matter


def name_parts(name: str) -> tuple[date, str]:
    """The date and infoCode of a post file's name; raises NotAPost."""
    match = _FILE_NAME.match(name)
    if not match:
        raise NotAPost("no_date_in_name")
    try:
        day = date.fromisoformat(match["day"])
    except ValueError:
        raise NotAPost("no_date_in_name", match["day"]) from None
    if not SOURCE_INFO_CODE.match(match["slug"]):
        raise NotAPost("no_info_code", match["slug"])
    return day, match["slug"]


def read_source_post(name: str, data: bytes, site_url: str) -> SourcePost:
    """The post a generator file holds, its Markdown not yet rendered; raises NotAPost."""
    file_day, info_code = name_parts(name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotAPost("not_utf8") from None
    match = _FRONT_MATTER.match(text)
    if not match:
        raise NotAPost("no_front_matter")
    values = _front_matter(match["yaml"] or "")
    categories = _words(values.get("categories"))
    if not categories:
        raise NotAPost("no_category")
    shown = _shown_time(values.get("date"), file_day)
    day = shown.date() if shown else file_day
    url_categories = "/".join(dict.fromkeys(c.lower() for c in categories))
    url = f"{site_url.rstrip('/')}/{url_categories}/{day:%Y/%m/%d}/{info_code}.html"
    title = values.get("title")
    return SourcePost(info_code=info_code, category=" ".join(categories), url=url, day=day,
                      title="" if title is None else str(title), shown=shown,
                      tags=tuple(_words(values.get("tags"))), content=text[match.end():])


def read_source_page(post: SourcePost) -> SitePost:
    """What the crawl's page reader reads on the post's page as the site renders it; raises PageError."""
    page = _page(title=post.title, shown=post.shown, tags=post.tags, content=render_markdown(post.content))
    return read_post_page(Selector(text=page), post.url, post.info_code, post.category)


def read_source_items(posts: list[SourcePost]) -> list[SitePost | dict | PageError]:
    """Each post's page read and, where the page alone makes the post, its item loaded (its fields);
    the page (SitePost) where share data is needed first (newscrawl.completion); the PageError of a
    page that cannot be read. One call of a parse worker for several posts: a call costs the
    event loop as much CPU as reading a post's front matter does."""
    return [_read_source_item(post) for post in posts]


def _read_source_item(post: SourcePost) -> SitePost | dict | PageError:
    try:
        site = read_source_page(post)
    except PageError as exc:
        return exc
    return site if site.needs_share_data else dict(load_post(site))


def _front_matter(text: str) -> dict:
    """The front matter's values as Jekyll reads them, or as the generator wrote them where YAML cannot read it."""
    try:
        values = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError:
        return _generator_lines(text)
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise NotAPost("bad_front_matter")
    return values


def _generator_lines(text: str) -> dict:
    """``key: value`` lines; a double-quoted value is what stands between its first and last quote,
    unescaped, as the generator wrote it (``title: "A股"开门红" ..."``)."""
    values = {}
    for line in text.splitlines():
        if match := _GENERATOR_LINE.match(line):
            value = match["value"]
            if len(value) >= 2 and value[0] == value[-1] == '"':
                values[match["key"]] = value[1:-1]
            else:
                values[match["key"]] = _plain_scalar(value)
    return values


def _plain_scalar(value: str):
    """A plain value as YAML reads it (an offset-less date is a timestamp), else the text."""
    try:
        return yaml.load(value, Loader=_YAML_LOADER) if value else None
    except yaml.YAMLError:
        return value


def _words(value) -> list[str]:
    """Jekyll's categories or tags: a string split on whitespace, or a list's items."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [word for item in items if item is not None for word in str(item).split()]


def _shown_time(value, file_day: date) -> datetime | None:
    """The post's time as the site shows it (Asia/Shanghai); None where Jekyll could not read it.

    A YAML timestamp without offset is UTC; a string date with an offset
    keeps it; one without is Asia/Shanghai (Jekyll parses it in the site's
    time zone); no date at all is the file name's day at midnight.
    (PyYAML reads ``+0800`` as the number 800: Jekyll stops at it, as here.)
    """
    if value is None:
        return datetime.combine(file_day, time(), SHANGHAI)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(SHANGHAI)
    if isinstance(value, date):
        return datetime.combine(value, time(), SHANGHAI)
    match = _DATE.match(str(value))
    if not match:
        return None
    year, month, mday = match["day"].split("-")
    try:
        moment = datetime.fromisoformat(f"{year}-{month.zfill(2)}-{mday.zfill(2)} {match['clock'].zfill(8)}")
    except ValueError:
        return None
    offset = match["offset"]
    if offset is None:
        return moment.replace(tzinfo=SHANGHAI)
    if offset == "Z":
        return moment.replace(tzinfo=timezone.utc).astimezone(SHANGHAI)
    minutes = int(offset[1:3]) * 60 + int(offset[-2:])
    zone = timezone(timedelta(minutes=minutes if offset[0] == "+" else -minutes))
    return moment.replace(tzinfo=zone).astimezone(SHANGHAI)


def _page(title: str, shown: datetime | None, tags: tuple[str, ...], content: str) -> str:
    """The page as ``_layouts/post.html`` renders it (Liquid prints the title and tags unescaped)."""
    when = f"{shown:%Y-%m-%d %H:%M:%S}" if shown else ""
    tags_line = f'<small>tags: <em>{"</em> - <em>".join(tags)}</em></small>'
    return (f"<html><body><section>\n<small>(GMT+8, Asia/Shanghai, CST) {when}</small>\n<h1>{title}</h1>\n\n"
            f"{content}\n\n{tags_line}\n</section></body></html>")


@cache
def _markdown():
    from markdown_it import MarkdownIt  # imported at the first post read: an idle rerun needs none

    # markdown-it logs a DEBUG record at every block rule it tries, several per line: under
    # Scrapy (whose root logger takes DEBUG) making them cost as much as the rendering itself.
    logging.getLogger("markdown_it").setLevel(logging.INFO)
    # kramdown's defaults that CommonMark lacks: typographic replacements (``--``, ``...``) and smart quotes.
    return MarkdownIt("commonmark", {"html": True, "typographer": True}).enable(["replacements", "smartquotes"])


#: An inline link whose URL has a space (``(//host/category/21shijijingjibaodao 21caijingAPP.html)``):
#: kramdown takes it, CommonMark only in angle brackets.
_SPACED_LINK_URL = re.compile(r"\]\((?P<url>[^()<>\s]+(?: [^()<>\s]+)+)\)")


#: A line that an HTML comment starts and something else ends (`` <!-- EM_StockImg_End --><p class=...>``):
#: kramdown takes the comment for a block and the rest of the line for a paragraph's text, in which
#: a block-level tag is text (shown as ``<p class="em_media">`` on the site). CommonMark takes the
#: whole line for an HTML block.
_COMMENT_THEN_TEXT = re.compile(r"^(?P<comment> {0,3}<!--.*?-->)[ \t]*(?P<rest>\S.*)$", re.M)
_BLOCK_TAG = re.compile(r"</?(?:p|div|center|table|tbody|thead|tr|td|th|ul|ol|li|h[1-6]|blockquote|pre|hr)\b[^>]*>",
                        re.I)


def _as_kramdown_reads(content: str) -> str:
    content = _SPACED_LINK_URL.sub(r"](<\g<url>>)", content)
    return _COMMENT_THEN_TEXT.sub(lambda m: f"{m['comment']}\n\n{_BLOCK_TAG.sub(_as_text, m['rest'])}", content)


def _as_text(tag: re.Match) -> str:
    """A tag written as entities (its quotes too: kramdown makes no smart quotes of a tag's)."""
    return tag[0].replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def render_markdown(content: str) -> str:
    """The content's HTML, as the site's Markdown converter (kramdown) renders it."""
    return _markdown().render(_as_kramdown_reads(content))
