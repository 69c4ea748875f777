"""Where a run's files go, from the settings.

A relative path is relative to the project (the directory of the closest
scrapy.cfg above the working directory), not to the working directory: a
command run from ``spiders/`` uses the project's archive, not a new one.
"""

from pathlib import Path
from urllib.parse import urlsplit

from scrapy.utils.conf import closest_scrapy_cfg

from newscrawl.setting_registry import setting


def project_path(value: str) -> Path:
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    cfg = closest_scrapy_cfg()
    return (Path(cfg).parent if cfg else Path.cwd()) / path


def output_dir(settings) -> Path:
    return project_path(setting(settings, "NEWSCRAWL_OUTPUT_DIR"))


def posts_dir(settings) -> Path:
    return output_dir(settings) / "_posts"


def state_uri(settings) -> str:
    """Where the archive state is (NEWSCRAWL_STATE): a path, ``sqlite:///path`` or
    ``redis://...``. By default the Redis of a shared run (NEWSCRAWL_REDIS_URL),
    else ``<output dir>/state.sqlite3``."""
    return (setting(settings, "NEWSCRAWL_STATE") or setting(settings, "NEWSCRAWL_REDIS_URL")
            or str(output_dir(settings) / "state.sqlite3"))


def without_password(uri: str) -> str:
    """A URI fit for a log line: its password, if any, as ``***``."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def state_scheme(uri: str) -> str:
    """``sqlite``, ``redis``, ...; ``""`` for a plain path."""
    scheme, colon, _ = uri.partition("://")
    return scheme.lower() if colon else ""


def state_path(settings) -> Path:
    """The SQLite file of a state kept in one (a path, or ``sqlite:///path``)."""
    uri = state_uri(settings)
    return project_path(urlsplit(uri).path if state_scheme(uri) == "sqlite" else uri)


def rejects_path(settings) -> Path:
    return output_dir(settings) / "rejects.jsonl"


def runs_path(settings) -> Path:
    return output_dir(settings) / "runs.jsonl"


def lock_path(settings) -> Path:
    """The run lock beside a SQLite state: ``<state>.lock``."""
    return state_path(settings).with_suffix(".lock")


def sqlite_companions(path: Path) -> list[Path]:
    """The files SQLite makes beside its database (WAL mode, or a rollback journal)."""
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
