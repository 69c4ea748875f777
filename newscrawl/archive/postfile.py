"""The post file: render a post as the Jekyll markdown file the archive keeps, and read one back."""

import html
import re
from datetime import date
from urllib.parse import quote, unquote, urlsplit

import yaml

from newscrawl.items import PostItem
from newscrawl.site.text import escape_markup
from newscrawl.site.urls import INFO_CODE_RE, post_url, site_netloc

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

FRONT_MATTER = (
    # (front matter key, item field)
    ("title", "title"),
    ("date", "date"),
    ("categories", "category"),
    ("tags", "tags"),
    ("source", "source"),
    ("info_code", "info_code"),
    ("url", "url"),
    ("share_url", "share_url"),
)

#: What every post's front matter starts with. ``render_with_liquid: false``: Jekyll (4.0 and
#: later) runs no Liquid in the post, so ``{{ ... }}`` or ``{% ... %}`` in an article is text,
#: and an unknown tag cannot fail the build.
FIXED_FRONT_MATTER = {"layout": "post", "render_with_liquid": False}

#: Keys the site's layouts print raw (``{{ page.title }}``, ``{{ page.tags | join: ... }}``):
#: written as HTML text, escaped, so that the page shows what the site showed; read_post
#: unescapes them.
HTML_KEYS = frozenset({"title", "tags"})


def post_filename(item) -> str:
    """``YYYY-MM-DD-<info_code>.md``, the date being the post's (Shanghai) day.

    Raises ValueError for anything that could make a path of it (``../``,
    ``/``, NUL, a huge name): the file name is built from checked parts only.
    """
    day, info_code = str(item.get("date") or "")[:10], str(item.get("info_code") or "")
    if not _DAY.fullmatch(day) or not INFO_CODE_RE.fullmatch(info_code):
        raise ValueError(f"no safe file name for info_code={info_code!r} date={item.get('date')!r}")
    return f"{day}-{info_code}.md"


class _FrontMatterDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, except that a string holding a control or
    line-break character (NEL, U+2028, ...) is double-quoted, the one style
    that escapes them: plain or single-quoted, they would read back as spaces."""


def _represent_str(dumper, value: str):
    style = '"' if _NEEDS_ESCAPES.search(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_NEEDS_ESCAPES = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")
_FrontMatterDumper.add_representer(str, _represent_str)


def permalink(item) -> str | None:
    """The post's original URL path where Jekyll would derive another from its date; else None.

    Jekyll's default permalink puts the post's day in its URL. The site shows
    an offset-less date 8 hours late, and its URL has the late day; the
    archive keeps the true date, so where the days differ the original URL
    must be given (``permalink: /emnews/2021/12/09/<infoCode>.html``).
    """
    if not (item.get("url") and item.get("category") and _DAY.match(str(item.get("date") or ""))):
        return None
    original = unquote(urlsplit(item["url"]).path)
    day = date.fromisoformat(str(item["date"])[:10])
    derived = post_url("", item["category"], day, item["info_code"])  # "" for the site: the path alone
    return None if original == derived else original


def front_matter_values(item) -> dict:
    """The front matter's keys and values, in order."""
    values = dict(FIXED_FRONT_MATTER)
    for key, field in FRONT_MATTER:
        value = item.get(field) or ""
        values[key] = html.escape(value) if key in HTML_KEYS else value
    if path := permalink(item):
        values["permalink"] = path
    return values


def front_matter(item) -> str:
    """YAML that round-trips every value through ``yaml.safe_load``, whatever the title holds."""
    values = front_matter_values(item)
    lines = []
    for key, value in values.items():
        if (scalar := _scalar(value)) is None:
            return yaml.dump(values, Dumper=_FrontMatterDumper, allow_unicode=True, sort_keys=False, width=1_000_000)
        lines.append(f"{key}: {scalar}\n")
    return "".join(lines)


# PyYAML's Python emitter takes about 300 us a front matter, as much as the
# rest of a post's writing, and the C one differs on emoji and line
# separators (docs/performance.md, "Profile"). So the values PyYAML writes
# plain or single-quoted (nearly all) are written here as its emitter writes them (analyze_scalar
# and choose_scalar_style, with allow_unicode and width=1_000_000); a front
# matter with any other value, one PyYAML would double-quote, is yaml.dump's.
# tests/test_properties.py checks the two against each other.

#: No character PyYAML escapes (nor line breaks), and short enough never to be folded.
_QUOTABLE = re.compile("[^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff\U0010ffff]{1,10000}")
#: What makes such a value not a block plain scalar: a document marker, a leading
#: indicator or space, "- ", "? " or ": " (or the character alone) at the start,
#: ": " or " #" inside, ":" or a space at the end.
_NOT_PLAIN = re.compile(r"\A(?:---|\.\.\.|[#,\[\]{}&*!|>'\"%@` ]|[?:-](?: |\Z))|: |:\Z| #| \Z")


def _scalar(value: str | bool) -> str | None:
    """The value as PyYAML's emitter writes it, plain or single-quoted; None if it would double-quote it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not value:
        return "''"  # YAML would read a plain empty value as null
    if not _QUOTABLE.fullmatch(value):
        return None
    if not _NOT_PLAIN.search(value) and _resolves_as_str(value):
        return value
    return "'" + value.replace("'", "''") + "'"


def _resolves_as_str(value: str) -> bool:
    """Whether YAML reads the plain scalar back as a string (not a number, bool, null or date)."""
    resolvers = _FrontMatterDumper.yaml_implicit_resolvers
    return not any(pattern.match(value) for _, pattern in [*resolvers.get(value[0], []), *resolvers.get(None, [])])


def back_links(item, site_url: str) -> str:
    """The closing line of every real post: back to the category, back home."""
    host = site_netloc(site_url)
    category_path = quote(item["category"], safe="()")
    # One line, whatever the tags hold: read_post finds this line after the last blank line.
    label = escape_markup(" ".join((item.get("tags") or item["category"]).split()))
    return f"[返回{label}](//{host}/category/{category_path}.html)｜[返回首页](//{host}/)"


def render_post(item, site_url: str) -> str:
    parts = ["---\n", front_matter(item), "---\n", item["body"].strip("\n"), "\n\n"]
    if item.get("share_url"):
        parts.append(f"<{item['share_url']}>\n\n")
    parts.append(back_links(item, site_url) + "\n")
    return "".join(parts)


# --- Reading a post file back ------------------------------------------------

#: libyaml's loader reads a front matter ten times faster than PyYAML's own
#: (0.2 against 2 ms), which counts when export or report read 100,000 posts.
_FrontMatterLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class NotAPostFile(ValueError):
    """A text that is not a post file: no front matter, or front matter that is not a YAML mapping."""


def read_post(text: str) -> PostItem:
    """The item a post file was rendered from: render_post's inverse.

    Front matter keys other than the item's (``layout``, ``render_with_liquid``,
    anything added by hand) are ignored; the title and tags are unescaped
    (HTML_KEYS); the body is the text between the front matter and the share
    link and back links render_post appends.
    """
    if not text.startswith("---\n"):
        raise NotAPostFile("no front matter")
    end = text.find("\n---\n", 3)
    if end < 0:
        raise NotAPostFile("front matter not closed")
    try:
        values = yaml.load(text[4 : end + 1], Loader=_FrontMatterLoader)
    except yaml.YAMLError as exc:
        raise NotAPostFile(f"front matter is not YAML: {exc}") from None
    if not isinstance(values, dict):
        raise NotAPostFile("front matter is not a mapping")
    item = PostItem({field: _as_text(values.get(key), html_text=key in HTML_KEYS) for key, field in FRONT_MATTER})
    item["body"] = _body(text[end + 5 :], item["share_url"])
    return item


def _as_text(value, html_text: bool = False) -> str:
    text = "" if value is None else str(value)
    return html.unescape(text) if html_text else text


def _body(content: str, share_url: str) -> str:
    """The article: the content without the closing lines render_post adds."""
    body = content.rstrip("\n")
    rest, _, last = body.rpartition("\n\n")
    if last.startswith("[返回"):
        body = rest
    share_line = f"<{share_url}>"
    if share_url and (body == share_line or body.endswith("\n\n" + share_line)):
        body = body[: -len(share_line)]
    return body.strip("\n")
