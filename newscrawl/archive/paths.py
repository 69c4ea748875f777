"""Where a run's files go, from the settings.

A relative path is relative to the project (the directory of the closest
scrapy.cfg above the working directory), not to the working directory: a
command run from ``spiders/`` uses the project's archive, not a new one.
"""

from pathlib import Path

from scrapy.utils.conf import closest_scrapy_cfg


def project_path(value: str) -> Path:
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    cfg = closest_scrapy_cfg()
    return (Path(cfg).parent if cfg else Path.cwd()) / path


def output_dir(settings) -> Path:
    return project_path(settings.get("NEWSCRAWL_OUTPUT_DIR") or "output")


def posts_dir(settings) -> Path:
    return output_dir(settings) / "_posts"


def state_path(settings) -> Path:
    state = settings.get("NEWSCRAWL_STATE")
    return project_path(state) if state else output_dir(settings) / "state.sqlite3"


def rejects_path(settings) -> Path:
    return output_dir(settings) / "rejects.jsonl"


def runs_path(settings) -> Path:
    return output_dir(settings) / "runs.jsonl"
