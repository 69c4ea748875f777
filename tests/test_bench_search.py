"""The search benchmark (bench/search_speed.py) still runs and reports every figure (not a speed test)."""

import json
import subprocess
import sys

from tests.conftest import REPO


def test_search_benchmark_reports_every_figure(tmp_path):
    results = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, "-m", "bench.search_speed", "--posts", "300", "--compare", "200",
                           "--json", str(results)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = json.loads(results.read_text(encoding="utf-8"))
    run = figures["sizes"]["300"]
    assert run["index_s"] > 0 and run["index_mb"] > 0 and not run["stale_after_sync"]
    assert all(query["all_hits"] > 0 for query in run["queries"].values())
    # On any machine the pairs find every post holding a word, and jieba's words or trigrams do not.
    compare = figures["compare"]
    assert set(compare["character_pairs"]["recall"].values()) == {1.0}
    assert min(compare["fts5_trigram"]["recall"].values()) < 1.0
    assert min(compare["jieba_words"]["recall"].values()) < 1.0
