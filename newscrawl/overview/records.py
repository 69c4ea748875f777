"""What the report reads besides the posts: the current rejects and the last runs."""

import json
import sqlite3
from collections import deque
from pathlib import Path

from newscrawl.archive.paths import rejects_path, runs_path, state_path


def current_rejects(settings) -> list[dict]:
    """The posts rejected and not archived since, each once, as its last reject line says.

    Reads ``rejects.jsonl``: each run rewrites it with the current rejects
    (newscrawl.extensions.rejects); older files had a line per reject and
    run, and a post written since is archived in the state, no reject any more.
    """
    path = rejects_path(settings)
    if not path.exists():
        return []
    latest: dict[str, dict] = {}
    for entry in _json_lines(path):
        latest[entry.get("info_code") or entry.get("url") or ""] = entry
    archived = _archived(state_path(settings), [entry["info_code"] for entry in latest.values() if entry.get("info_code")])
    return [entry for entry in latest.values() if entry.get("info_code") not in archived]


def _archived(state: Path, info_codes: list[str]) -> set[str]:
    """Those of info_codes the SQLite state records as archived (read-only: the report changes nothing)."""
    if not info_codes or not state.exists():
        return set()
    db = sqlite3.connect(f"{state.resolve().as_uri()}?mode=ro", uri=True)
    try:
        found = set()
        for start in range(0, len(info_codes), 500):
            chunk = info_codes[start : start + 500]
            rows = db.execute(f"SELECT info_code FROM archived WHERE info_code IN ({','.join('?' * len(chunk))})", chunk)
            found.update(code for (code,) in rows)
        return found
    finally:
        db.close()


def last_runs(settings, count: int) -> list[dict]:
    """The newest ``count`` lines of runs.jsonl, newest first."""
    path = runs_path(settings)
    if not path.exists():
        return []
    return list(reversed(deque(_json_lines(path), maxlen=count)))


def _json_lines(path: Path):
    """The JSON objects of a JSON-lines file; a line cut short by a killed run is skipped."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield entry
