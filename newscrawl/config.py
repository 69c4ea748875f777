"""The settings and the command line, checked before anything is fetched.

Every ``NEWSCRAWL_*`` setting is declared in newscrawl.setting_registry.
``check_command_line(settings)``, the first thing each project command does
once its options are read, refuses a ``NEWSCRAWL_*`` name that is no setting
(naming the closest one), a value of Scrapy's own settings that Scrapy could
not read, and an output file that cannot be written; it makes the log file's
directory. ``load(settings)``, before a
command touches the archive, parses every ``NEWSCRAWL_*`` value, applies the
deprecated names, and checks the directories. Each raises ConfigError, one
line, for the first mistake; newscrawl.exitcodes turns it into exit status 2.
"""

import difflib
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from scrapy.settings import SETTINGS_PRIORITIES, default_settings

from newscrawl.archive.paths import (lock_path, output_dir, posts_dir, runs_path, sqlite_companions, state_path,
                                     state_uri)
from newscrawl.archive.backends import store_class
from newscrawl.errors import ConfigError
from newscrawl.setting_registry import ALIASES, PREFIX, SETTINGS, setting

#: Scrapy settings whose default is a whole number but which Scrapy reads as any number (getfloat).
_SCRAPY_FRACTIONAL = frozenset({"DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT", "DNS_TIMEOUT"})
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
_CMDLINE = SETTINGS_PRIORITIES["cmdline"]


def check_command_line(settings, environ=os.environ) -> None:
    """What every project command checks first: the ``NEWSCRAWL_*`` names given (as ``-s``
    or environment variables), Scrapy's own settings given with ``-s``, the log file and
    the output files."""
    _check_names(settings, environ)
    _check_scrapy_settings(settings)
    _make_log_directory(settings)
    for uri in settings.getdict("FEEDS"):  # crawl -o/-O
        if (path := local_path(uri)) is not None:
            check_output_file(path, "-o/-O")


def load(settings, writes: bool = True) -> None:
    """Check every NEWSCRAWL_* setting and the archive's directories; set LOG_LEVEL from
    NEWSCRAWL_LOG_LEVEL and the download size limits from NEWSCRAWL_MAX_PAGE_SIZE.
    Raises ConfigError for the first wrong value.

    ``writes=False``: for a command that only reads the archive (report, search), which a
    user who cannot write it may run: its directories need not be writable.
    """
    _apply_aliases(settings)
    for name in SETTINGS:
        setting(settings, name)
    _set_log_level(settings)
    _set_page_size(settings)
    if writes:
        _check_directory("NEWSCRAWL_OUTPUT_DIR", output_dir(settings))
    _check_state(settings, writes)
    _check_no_links(settings)


def _check_names(settings, environ) -> None:
    """Every NEWSCRAWL_* name given is a setting (or a setting's deprecated name): a typo is not ignored."""
    known = [*SETTINGS, *ALIASES]
    given = [(name, f"-s {name}" if settings.getpriority(name) >= _CMDLINE else f"setting {name}")
             for name in settings if name.startswith(PREFIX)]
    given += [(name, f"environment variable {name}") for name in environ if name.startswith(PREFIX)]
    for name, where in given:
        if name not in known:
            close = difflib.get_close_matches(name.removeprefix(PREFIX), [k.removeprefix(PREFIX) for k in known], n=1)
            hint = f"did you mean {PREFIX}{close[0]}?" if close else "the settings are in docs/settings.md"
            raise ConfigError(f"{where}: no such setting; {hint}")


def _apply_aliases(settings) -> None:
    """A setting's deprecated name still works, with one warning line; the new name, given as strongly, wins."""
    for alias, declared in ALIASES.items():
        if settings.get(alias) is None:
            continue
        print(f"newscrawl: {alias} is deprecated, and read as {declared.name}: rename it", file=sys.stderr)
        if settings.getpriority(alias) > settings.getpriority(declared.name):
            settings.set(declared.name, settings.get(alias), priority=settings.getpriority(alias))


def _check_scrapy_settings(settings) -> None:
    """A value given with ``-s`` to one of Scrapy's own settings that Scrapy would fail to read
    (``-s DOWNLOAD_DELAY=fast``), typed by its default; LOG_LEVEL a level Python knows. (A dict
    setting's JSON is read by ``-s`` itself: Scrapy's usage error, exit 2.)"""
    for name in settings:
        if settings.getpriority(name) < _CMDLINE or not hasattr(default_settings, name) or name.startswith(PREFIX):
            continue
        try:
            _read_scrapy_setting(settings, name, getattr(default_settings, name))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{name}={settings.get(name)}: {exc}") from None


def _read_scrapy_setting(settings, name: str, default) -> None:
    if name == "LOG_LEVEL":
        level = settings.get(name)
        if not isinstance(level, int) and str(level).upper() not in _LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
    elif isinstance(default, bool):
        try:
            settings.getbool(name)
        except ValueError:
            raise ValueError("not a boolean (1/0, true/false)") from None
    elif isinstance(default, float) or (isinstance(default, int) and name in _SCRAPY_FRACTIONAL):
        try:
            settings.getfloat(name)
        except ValueError:
            raise ValueError("not a number") from None
    elif isinstance(default, int):
        try:
            settings.getint(name)
        except ValueError:
            raise ValueError("not an integer") from None


def _make_log_directory(settings) -> None:
    """``--logfile`` (LOG_FILE) in a directory that does not exist yet: it is made, as cron's examples expect."""
    if not settings.get("LOG_FILE") or not settings.getbool("LOG_ENABLED"):
        return
    path = Path(settings.get("LOG_FILE")).expanduser()
    check_output_file(path, "--logfile")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--logfile: cannot make {path.parent}: {exc.strerror}") from None


def local_path(uri: str) -> Path | None:
    """The file a feed URI (``-o``/``-O``) names, or None if it is not a local file (stdout, s3, ...)."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        return Path(url2pathname(parts.path))
    if not parts.scheme or len(parts.scheme) == 1:  # a path (a drive letter on Windows)
        return Path(uri)
    return None


def check_output_file(path: Path, option: str) -> None:
    """A file a command is to write, as ``option`` names it: it, or the directories to be made for
    it, can be written. (Writing it may fail later all the same: a full disk.)"""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{option} {path}: is a directory")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise ConfigError(f"{option} {path}: not writable")
        return
    _check_directory(f"{option} {path}", path.parent)


def _set_log_level(settings) -> None:
    """NEWSCRAWL_LOG_LEVEL sets Scrapy's LOG_LEVEL, as strongly as it was itself set (``-L`` beats the env var)."""
    level = settings.get("NEWSCRAWL_LOG_LEVEL")
    if level:
        settings.set("LOG_LEVEL", level.upper(), priority=settings.getpriority("NEWSCRAWL_LOG_LEVEL"))


def _set_page_size(settings) -> None:
    """NEWSCRAWL_MAX_PAGE_SIZE sets Scrapy's DOWNLOAD_MAXSIZE, and DOWNLOAD_WARNSIZE to half of it,
    as strongly as it was itself set (``-s DOWNLOAD_MAXSIZE=...`` still wins over the default)."""
    if settings.get("NEWSCRAWL_MAX_PAGE_SIZE"):
        size, priority = setting(settings, "NEWSCRAWL_MAX_PAGE_SIZE"), settings.getpriority("NEWSCRAWL_MAX_PAGE_SIZE")
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
        if existing == directory:
            raise ConfigError(f"{name}: {existing} is not a directory")
        raise ConfigError(f"{name}: {existing} is not a directory, so {directory} cannot be created")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"{name}: {existing} is not writable")


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
