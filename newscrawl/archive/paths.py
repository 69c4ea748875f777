"""Where a run's files go, from the settings."""

from pathlib import Path


def output_dir(settings) -> Path:
    return Path(settings.get("NEWSCRAWL_OUTPUT_DIR") or "output")


def posts_dir(settings) -> Path:
    return output_dir(settings) / "_posts"


def state_path(settings) -> Path:
    return Path(settings.get("NEWSCRAWL_STATE") or output_dir(settings) / "state.sqlite3")


def rejects_path(settings) -> Path:
    return output_dir(settings) / "rejects.jsonl"


def runs_path(settings) -> Path:
    return output_dir(settings) / "runs.jsonl"
