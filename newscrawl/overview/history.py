"""What the report reads besides the posts: the current rejects and the last runs."""

import json
from collections import deque
from pathlib import Path

from newscrawl.archive.paths import rejects_path, runs_path, state_path, state_uri
from newscrawl.archive.readonly import read_state
from newscrawl.archive.store import open_store, store_class
from newscrawl.overview.runs import RunHistory


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
    codes = {entry.get("info_code") or "" for entry in latest.values()}
    archived = _archived_among(settings, codes)
    return [entry for entry in latest.values() if (entry.get("info_code") or "") not in archived]


def _archived_among(settings, codes: set[str]) -> set[str]:
    """Those of ``codes`` the state says are archived. A SQLite state is only read
    (newscrawl.archive.readonly): the report writes nothing in the archive."""
    if store_class(state_uri(settings)).shared:
        store = open_store(settings)
        try:
            return {code for code in codes if store.archived_path(code) is not None}
        finally:
            store.close()
    path = state_path(settings)
    if not path.exists():
        return set()

    def archived(db):
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'archived'").fetchone():
            return set()  # an empty state: nothing archived yet
        found = set()
        for code in codes:
            if db.execute("SELECT 1 FROM archived WHERE info_code = ?", (code,)).fetchone():
                found.add(code)
        return found

    return read_state(path, archived)


def run_history(settings, count: int) -> RunHistory:
    """The newest ``count`` lines of runs.jsonl, newest first, and the newest good run."""
    path = runs_path(settings)
    if not path.exists():
        return RunHistory([], None)
    last, last_good = deque(maxlen=count), None
    for run in _json_lines(path):
        last.append(run)
        if run.get("verdict") == "ok":
            last_good = run
    return RunHistory(list(reversed(last)), last_good)


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
