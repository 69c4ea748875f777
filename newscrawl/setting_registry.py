"""Every ``NEWSCRAWL_*`` setting, declared once: its name, type, default and meaning.

newscrawl/settings.py takes the defaults from here, and each setting's
environment variable (the same name), as text; ``-s NAME=VALUE`` wins over
both. newscrawl.config checks every value when a command starts; a component
asks for a value with ``setting(settings, NAME)``, which gives it parsed.
``python -m newscrawl.reference`` writes docs/settings.md from this list.

A setting renamed keeps its old name as a deprecated alias (``aliases``):
cron users have the old one in their crontabs.
"""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy.utils.misc import load_object

from newscrawl.errors import ConfigError
from newscrawl.mirrors import HostMap

PREFIX = "NEWSCRAWL_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class ValueType:
    """How a value is read: ``parse(value)`` returns it parsed, or raises ValueError saying what is wrong."""

    name: str  # for the reference page, e.g. "integer, at least 1"
    parse: Callable[[Any], Any]


def number(kind: type, minimum: float | None = None, maximum: float | None = None) -> ValueType:
    def parse(value):
        try:
            parsed = kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"not {'an integer' if kind is int else 'a number'}") from None
        if minimum is not None and parsed < minimum:
            raise ValueError(f"must be at least {minimum:g}")
        if maximum is not None and parsed > maximum:
            raise ValueError(f"must be at most {maximum:g}")
        return parsed

    bounds = [f"at least {minimum:g}" if minimum is not None else "", f"at most {maximum:g}" if maximum is not None else ""]
    return ValueType(", ".join(["integer" if kind is int else "number", *filter(None, bounds)]), parse)


def choice(*choices: str) -> ValueType:
    def parse(value):
        text = str(value).strip().lower()
        for known in choices:
            if known.lower() == text:
                return known
        raise ValueError(f"must be one of {', '.join(choices)}")

    return ValueType(f"one of {', '.join(choices)}", parse)


def _workers(value) -> int | str:
    """``auto``, or a number of processes."""
    if str(value).strip().lower() == "auto":
        return "auto"
    try:
        return number(int, minimum=0).parse(value)
    except ValueError as exc:
        raise ValueError(f"{exc} (nor auto)") from None


def _http_url(value) -> str:
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return str(value)


_SIZE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _byte_size(value) -> int:
    """``33554432``, ``512K``, ``32M``, ``32MiB``, ``1G`` (units are powers of 1024): bytes, at least 1 KiB."""
    match = _SIZE_RE.fullmatch(str(value).strip())
    if not match:
        raise ValueError("not a size: give bytes, or a number with K, M or G (e.g. 32M)")
    size = int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])
    if size < 1024:
        raise ValueError("must be at least 1K")
    return size


def _text(value) -> str:
    return "" if value is None else str(value)


def _host_map(value) -> HostMap:
    return HostMap.from_json(value)  # its ConfigError says what is wrong


def _hosts(value) -> list[str]:
    hosts = value if isinstance(value, (list, tuple)) else str(value).replace(",", " ").split()
    for host in hosts:
        if not host or "/" in host or ":" in host:
            raise ValueError(f"{host!r} is not a host name")
    return list(hosts)


def _import_paths(value) -> list[str]:
    paths = value if isinstance(value, (list, tuple)) else str(value).replace(",", " ").split()
    for path in paths:
        try:
            load_object(path)
        except (ImportError, NameError, ValueError) as exc:
            raise ValueError(f"cannot import {path!r} ({exc})") from None
    return list(paths)


PATH = ValueType("path", _text)
STATE_URI = ValueType("path, sqlite:///path or redis:// URI", _text)
REDIS_URL = ValueType("redis:// URL", _text)
RUN_NAME = ValueType("name", _text)
HTTP_URL = ValueType("http(s) URL", _http_url)
FRACTION = ValueType("fraction, 0 to 1", number(float, 0, 1).parse)
SECONDS = number(float, minimum=0)
BYTE_SIZE = ValueType("size: bytes, or with K, M, G (powers of 1024), at least 1K", _byte_size)
HOST_MAP = ValueType("JSON object: host -> http(s) base URL", _host_map)
HOSTS = ValueType("host names, separated by spaces or commas", _hosts)
IMPORT_PATHS = ValueType("import paths, separated by spaces or commas", _import_paths)


@dataclass(frozen=True)
class Setting:
    name: str
    type: ValueType
    default: Any  # as settings.py holds it (what ``scrapy settings --get`` shows)
    doc: str  # one line
    group: str
    aliases: tuple[str, ...] = ()  # old names, still read (deprecated)
    default_doc: str = ""  # what an empty default means, for the reference page

    @property
    def environment_variable(self) -> str:
        return self.name


SITE, MONITORS, SHARE_DATA, SCALE_OUT, RUN = (
    "The site and the archive", "When a run is bad", "Share data and the browser", "Scale-out on Redis", "The run")

REGISTRY: tuple[Setting, ...] = (
    Setting("NEWSCRAWL_SITE_URL", HTTP_URL, "https://finews.withounder.com",
            "the site; posts keep canonical URLs on it", SITE),
    Setting("NEWSCRAWL_HOST_MAP", HOST_MAP, "{}",
            'JSON object mapping a host to the base URL it is fetched from, e.g. `{"finews.withounder.com": '
            '"http://127.0.0.1:8000"}`; for mirrors and tests. Items keep canonical URLs', SITE),
    Setting("NEWSCRAWL_ALLOWED_HOSTS", HOSTS, "finews.withounder.com finews.zning.xyz eastmoney.com",
            "hosts Scrapy and Chromium may fetch from by http on 80 and https on 443, a host with its subdomains; "
            "besides these, each URL of `NEWSCRAWL_SITE_URL`, `NEWSCRAWL_SHARE_URL` and `NEWSCRAWL_HOST_MAP` "
            "allows its own scheme, host and port (see [Where things come from](crawling.md#sources))", SITE),
    Setting("NEWSCRAWL_OUTPUT_DIR", PATH, "output",
            "posts go to `<dir>/_posts/`, the run reports to `<dir>/runs.jsonl`, the rejects to "
            "`<dir>/rejects.jsonl`; relative to the project's directory", SITE),
    Setting("NEWSCRAWL_STATE", STATE_URI, "",
            "the archive state (the infoCodes already written, the rejects, the listing pages' counts): a path or "
            "`sqlite:///path` (a SQLite file, one run at a time), or `redis://host:6379/0` (shared; several runs at "
            "once); the scheme picks the store (`STORE_SCHEMES` in newscrawl/archive/backends.py)", SITE,
            default_doc="`<output dir>/state.sqlite3`; with `NEWSCRAWL_REDIS_URL`, that Redis"),
    Setting("NEWSCRAWL_SEARCH_INDEX", PATH, "",
            "the search index of `scrapy search`, a cache of the post files that crawls keep up to date "
            "([Search](search.md)); a reader who cannot write the archive may keep one of their own", SITE,
            default_doc="`<output dir>/search.sqlite3`"),
    Setting("NEWSCRAWL_SYNC_BATCH", number(int, minimum=1), 20,
            "posts written, flushed to disk (one `syncfs` of the batch on Linux, else an fsync each) and archived "
            "together (one SQLite transaction), by a thread off the event loop; a killed "
            "run loses at most this many, fetched again next run. `1`: each post before the next (as scale-out workers "
            "always do, so that a killed one holds few claims)", RUN),
    Setting("NEWSCRAWL_PARSE_WORKERS", ValueType("integer, at least 0, or auto", _workers), "auto",
            "worker processes that read post pages and load posts (HTML to Markdown, the item loader) beside the "
            "event loop (newscrawl/loading/parse_workers.py), started at the first post page; `0`: on the event loop. "
            "`auto`: 1 for the source import on a machine of 2 cores or more (it reads files: the event loop and a "
            "worker keep two cores busy, [Import](import.md#speed-and-memory)), else 0 (a crawl's pages come at the "
            "site's pace: [Performance](performance.md#parse-workers))", RUN),
    Setting("NEWSCRAWL_LOG_LEVEL", choice(*LOG_LEVELS), "INFO",
            "sets Scrapy's `LOG_LEVEL` (`-L` still wins)", RUN),
    Setting("NEWSCRAWL_PROGRESS_INTERVAL", SECONDS, 60,
            "seconds between progress lines (posts done and discovered, rate, ETA); `0`: none", RUN),
    Setting("NEWSCRAWL_RETRY_AFTER_MAX", SECONDS, 120,
            "longest wait, in seconds, a 429/503's `Retry-After` can impose before a retry", RUN),
    Setting("NEWSCRAWL_MAX_PAGE_SIZE", BYTE_SIZE, "32M",
            "the largest page fetched (category or post page, share data, eastmoney article), as sent and once "
            "decompressed; a larger one fails as it is read (a post's reject `page_too_large`). Sets Scrapy's "
            "`DOWNLOAD_MAXSIZE`, and `DOWNLOAD_WARNSIZE` to half. The real site's largest pages are 40 KB (a post) and "
            "58 KB (the feed); a category page takes 110 to 200 bytes per listed post, so 32 MiB is about three times "
            "a 50,000-post category", RUN),
    Setting("NEWSCRAWL_MAX_FAILED_FRACTION", FRACTION, 0.1,
            "a run is bad when more than this fraction of its pages failed (even if nothing was logged at ERROR)",
            MONITORS, aliases=("NEWSCRAWL_MAX_FAILED_SHARE",)),
    Setting("NEWSCRAWL_MAX_UNPARSED_FRACTION", FRACTION, 0.5,
            "a run is bad when more than this fraction of the post pages it fetched gave no post (unreadable, or no "
            "body), among posts not rejected before", MONITORS, aliases=("NEWSCRAWL_MAX_UNPARSED_SHARE",)),
    Setting("NEWSCRAWL_LISTING_MIN_FRACTION", FRACTION, 0.5,
            "a run is bad when a listing page lists fewer than this fraction of the posts it listed last time (or "
            "none at all): the site's markup may have changed", MONITORS, aliases=("NEWSCRAWL_LISTING_MIN_SHARE",)),
    Setting("NEWSCRAWL_REJECT_MAX_ATTEMPTS", number(int, minimum=0), 0,
            "a rejected post is retried by later runs until it has been tried this many times; `0`: no limit",
            MONITORS),
    Setting("NEWSCRAWL_REJECT_MAX_DAYS", number(float, minimum=0), 3,
            "a rejected post is given up this many days after it was first seen (the site keeps about three days "
            "of posts)", MONITORS),
    Setting("NEWSCRAWL_ALERT_ACTIONS", IMPORT_PATHS, "",
            "spidermon actions run after a bad run, e.g. `spidermon.contrib.actions.email.smtp.SendSmtpEmail` "
            "(configured by its `SPIDERMON_*` settings, see [Alerts](operations.md#alerts)); empty: none", MONITORS),
    Setting("NEWSCRAWL_SHARE", choice("auto", "api", "browser", "off"), "auto",
            "where share data comes from: `auto` (the JSON, then the share page in Chromium), `api` (the JSON "
            "only), `browser` (the share page in Chromium only) or `off` (see [Share data and the browser](share.md#modes))",
            SHARE_DATA),
    Setting("NEWSCRAWL_SHARE_URL", HTTP_URL, "http://finews.zning.xyz",
            "the share host; `scrapy crawl share` fetches infoCodes from it", SHARE_DATA),
    Setting("NEWSCRAWL_CHROMIUM", PATH, "/usr/bin/chromium",
            "the Chromium executable that renders share pages (Debian's package)", SHARE_DATA),
    Setting("NEWSCRAWL_CHROMIUM_SANDBOX", choice("on", "off"), "on",
            "Chromium's sandbox: `on`, or `off` (`--no-sandbox`, for a kernel without unprivileged user "
            "namespaces); as root, Chromium runs as `nobody` either way (see [Chromium's sandbox](share.md#sandbox))",
            SHARE_DATA),
    Setting("NEWSCRAWL_SHARE_PAGE_TIMEOUT", number(float, minimum=0.001), 20,
            "seconds a share page may take to load and show its article or error", SHARE_DATA),
    Setting("NEWSCRAWL_REDIS_URL", REDIS_URL, "",
            "`redis://host:6379/0`: the crawl is one worker of a shared run (see [Scale-out](scaleout.md)); empty: it "
            "runs alone on the SQLite state", SCALE_OUT),
    Setting("NEWSCRAWL_REDIS_RUN", RUN_NAME, "",
            "the shared run this worker joins (letters, digits, `.`, `_`, `-`): workers with the same run share a "
            "queue", SCALE_OUT, default_doc="the spider's name"),
    Setting("NEWSCRAWL_REDIS_IDLE_TIMEOUT", SECONDS, 30,
            "seconds the shared run must be done (nothing queued, nobody busy, no sweep owed) before a worker ends",
            SCALE_OUT),
    Setting("NEWSCRAWL_CLAIM_TIMEOUT", number(int, minimum=1), 600,
            "seconds a worker's claim on the post it writes lasts; a killed worker's post is written by another "
            "once its claim expires", SCALE_OUT),
)

SETTINGS: dict[str, Setting] = {s.name: s for s in REGISTRY}
#: A deprecated name -> the setting it now is.
ALIASES: dict[str, Setting] = {alias: s for s in REGISTRY for alias in s.aliases}


def defaults() -> dict[str, Any]:
    """Each setting's default, for newscrawl/settings.py."""
    return {s.name: s.default for s in REGISTRY}


def environment(environ=os.environ) -> dict[str, str]:
    """The settings given as environment variables, as text. A deprecated name
    is kept (for config.load to warn about) and also gives its setting's value,
    unless the setting's own variable is set too."""
    given = {name: environ[name] for name in [*SETTINGS, *ALIASES] if name in environ}
    for alias, new in ALIASES.items():
        if alias in given and new.name not in given:
            given[new.name] = given[alias]
    return given


def setting(settings, name: str) -> Any:
    """The value of a ``NEWSCRAWL_*`` setting, parsed (its default when unset or empty);
    ConfigError, one line, for a value that is wrong."""
    declared = SETTINGS[name]
    value = settings.get(name)
    try:
        return declared.type.parse(declared.default if value in (None, "") else value)
    except ValueError as exc:
        raise ConfigError(f"{name}={value}: {exc}") from None
