"""The project's settings, from the environment, parsed and checked before the crawl starts.

Every documented ``NEWSCRAWL_*`` setting is in SETTINGS with the way its
value is read. newscrawl/settings.py takes each from its environment
variable, as text (``environment()``): a project setting, so ``-s
NAME=VALUE`` still wins. ``load(settings)``, the first thing ``scrapy crawl``
and ``scrapy verify`` do, parses every one and raises ConfigError, one
line, for a value that is wrong; nothing is parsed at import.
"""

import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.utils.misc import load_object

from newscrawl.archive.paths import (lock_path, output_dir, posts_dir, runs_path, sqlite_companions, state_path,
                                     state_uri)
from newscrawl.archive.store import store_class
from newscrawl.errors import ConfigError
from newscrawl.middlewares.hostmap import HostMap

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _number(kind: type, minimum: float | None = None, maximum: float | None = None) -> Callable:
    def parse(value):
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"not {'an integer' if kind is int else 'a number'}") from None
        if minimum is not None and number < minimum:
            raise ValueError(f"must be at least {minimum:g}")
        if maximum is not None and number > maximum:
            raise ValueError(f"must be at most {maximum:g}")
        return number

    return parse


def _choice(*choices: str) -> Callable:
    def parse(value):
        text = str(value).strip()
        if text.lower() not in (c.lower() for c in choices):
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text

    return parse


def _http_url(value) -> str:
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return str(value)


_SIZE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def byte_size(value) -> int:
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


def _host_map(value) -> str:
    HostMap.from_json(value)  # its ConfigError says what is wrong
    return value


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


#: name -> how its value is read (raises ValueError with what is wrong).
SETTINGS: dict[str, Callable] = {
    "NEWSCRAWL_SITE_URL": _http_url,
    "NEWSCRAWL_HOST_MAP": _host_map,
    "NEWSCRAWL_ALLOWED_HOSTS": _hosts,
    "NEWSCRAWL_OUTPUT_DIR": _text,
    "NEWSCRAWL_STATE": _text,
    "NEWSCRAWL_SEARCH_INDEX": _text,
    "NEWSCRAWL_SYNC_BATCH": _number(int, minimum=1),
    "NEWSCRAWL_PARSE_WORKERS": _number(int, minimum=0),
    "NEWSCRAWL_LOG_LEVEL": _choice(*LOG_LEVELS),
    "NEWSCRAWL_MAX_PAGE_SIZE": byte_size,
    "NEWSCRAWL_MAX_FAILED_SHARE": _number(float, 0, 1),
    "NEWSCRAWL_MAX_UNPARSED_SHARE": _number(float, 0, 1),
    "NEWSCRAWL_LISTING_MIN_SHARE": _number(float, 0, 1),
    "NEWSCRAWL_REJECT_MAX_ATTEMPTS": _number(int, minimum=0),
    "NEWSCRAWL_REJECT_MAX_DAYS": _number(float, minimum=0),
    "NEWSCRAWL_ALERT_ACTIONS": _import_paths,
    "NEWSCRAWL_PROGRESS_INTERVAL": _number(float, minimum=0),
    "NEWSCRAWL_RETRY_AFTER_MAX": _number(float, minimum=0),
    "NEWSCRAWL_SHARE": _choice("auto", "api", "browser", "off"),
    "NEWSCRAWL_CHROMIUM": _text,
    "NEWSCRAWL_CHROMIUM_SANDBOX": _choice("on", "off"),
    "NEWSCRAWL_SHARE_PAGE_TIMEOUT": _number(float, minimum=0.001),
    "NEWSCRAWL_SHARE_URL": _http_url,
    "NEWSCRAWL_REDIS_URL": _text,
    "NEWSCRAWL_REDIS_RUN": _text,
    "NEWSCRAWL_REDIS_IDLE_TIMEOUT": _number(float, minimum=0),
    "NEWSCRAWL_CLAIM_TIMEOUT": _number(int, minimum=1),
}


def environment(environ=os.environ) -> dict[str, str]:
    """The settings given as environment variables, as text."""
    return {name: environ[name] for name in SETTINGS if name in environ}


def load(settings, writes: bool = True) -> None:
    """Check every setting; set LOG_LEVEL from NEWSCRAWL_LOG_LEVEL. Raises ConfigError for the first wrong value.

    ``writes=False``: for a command that only reads the archive (report, search), which a
    user who cannot write it may run: its directories need not be writable.
    """
    for name, parse in SETTINGS.items():
        value = settings.get(name)
        if value in (None, ""):
            continue
        try:
            parse(value)
        except ValueError as exc:
            raise ConfigError(f"{name}={value}: {exc}") from None
    _set_log_level(settings)
    _set_page_size(settings)
    if writes:
        _check_directory("NEWSCRAWL_OUTPUT_DIR", output_dir(settings))
    _check_state(settings, writes)
    _check_no_links(settings)


def _set_log_level(settings) -> None:
    """NEWSCRAWL_LOG_LEVEL sets Scrapy's LOG_LEVEL, as strongly as it was itself set (``-L`` beats the env var)."""
    level = settings.get("NEWSCRAWL_LOG_LEVEL")
    if level:
        settings.set("LOG_LEVEL", level.upper(), priority=settings.getpriority("NEWSCRAWL_LOG_LEVEL"))


def _set_page_size(settings) -> None:
    """NEWSCRAWL_MAX_PAGE_SIZE sets Scrapy's DOWNLOAD_MAXSIZE, and DOWNLOAD_WARNSIZE to half of it,
    as strongly as it was itself set (``-s DOWNLOAD_MAXSIZE=...`` still wins over the default)."""
    value = settings.get("NEWSCRAWL_MAX_PAGE_SIZE")
    if value:
        size, priority = byte_size(value), settings.getpriority("NEWSCRAWL_MAX_PAGE_SIZE")
        settings.set("DOWNLOAD_MAXSIZE", size, priority=priority)
        settings.set("DOWNLOAD_WARNSIZE", size // 2, priority=priority)


def _check_state(settings, writes: bool = True) -> None:
    """A state a store is kept in (a ConfigError names the schemes); the workers of
    a shared run share theirs; a SQLite file's directory can be made (``writes``)."""
    store = store_class(state_uri(settings))
    if not store.shared:
        if settings.get("NEWSCRAWL_REDIS_URL"):
            raise ConfigError(f"NEWSCRAWL_STATE={settings.get('NEWSCRAWL_STATE')}: the workers of a shared run "
                              "(NEWSCRAWL_REDIS_URL) share their archive state: leave it empty, or give a redis:// URI")
        if writes:
            _check_directory("NEWSCRAWL_STATE", state_path(settings).parent)


def _check_no_links(settings) -> None:
    """Nothing the archive writes inside its directories may be a symbolic link: the
    run would write, or SQLite make its -wal file, wherever it points. The
    directories themselves (NEWSCRAWL_OUTPUT_DIR, the state's) may be links.

    rejects.jsonl is left out: it is replaced whole each run, which replaces
    a link without touching what it points to (newscrawl.archive.files).
    """
    paths = [posts_dir(settings), runs_path(settings)]
    if not store_class(state_uri(settings)).shared:
        state = state_path(settings)
        paths += [state, *sqlite_companions(state), lock_path(settings)]
    for path in paths:
        if path.is_symlink():
            kind = "directory" if path == posts_dir(settings) else "file"
            raise ConfigError(f"{path} is a symbolic link (to {os.readlink(path)}): the archive writes only inside "
                              f"its own directories; make it a {kind} of its own")


def _check_directory(name: str, directory: Path) -> None:
    """The directory, or the closest part of it that exists, must be a writable directory."""
    if directory.is_symlink() and not directory.exists():
        raise ConfigError(f"{name}: {directory} is a symbolic link to {os.readlink(directory)}, which does not exist")
    existing = directory
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{name}: {existing} is not a directory, so {directory} cannot be created")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"{name}: {existing} is not writable")


def check_spider_arguments(spider: str, given, known) -> None:
    """Refuse ``-a`` arguments the spider does not take (a typo would otherwise be ignored).

    ``_job`` is Scrapyd's, given to every spider it runs.
    """
    unknown = sorted(set(given) - set(known) - {"_job"})
    if unknown:
        raise ConfigError(f"{spider} takes no argument {', '.join(f'-a {name}' for name in unknown)}; "
                          f"it takes: {', '.join(f'-a {name}' for name in known)}")


def day_window(since: str | None, until: str | None, written: Callable[[str, str], str],
               error: Callable[[str], Exception] = ConfigError) -> tuple[date | None, date | None]:
    """The ``since`` and ``until`` days (YYYY-MM-DD, each optional) of a spider's
    arguments or a command's options; ``written(name, value)`` is how the user
    wrote one (``-a since=...``, ``--since ...``), for the ``error`` raised."""
    days = []
    for name, value in (("since", since), ("until", until)):
        try:
            days.append(date.fromisoformat(value) if value else None)
        except ValueError:
            raise error(f"{written(name, value)} is not a date (YYYY-MM-DD)") from None
    if days[0] and days[1] and days[0] > days[1]:
        raise error(f"{written('since', since)} is after {written('until', until)}")
    return days[0], days[1]
