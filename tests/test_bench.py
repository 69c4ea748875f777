"""The benchmark script (bench/crawl_speed.py) still runs and reports every figure.

Not a speed test: the figures of a 100-post site mean nothing, only their presence does.
"""

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

RUN_FIGURES = {"name", "wall_s", "cpu_s", "peak_rss_mb", "exit_status", "requests", "server_cpu_s", "posts",
               "load_average", "expected_requests"}
CRAWL_RUNS = {"a_baseline", "b_backfill", "b_backfill_small", "c_rerun_no_new", "d_rerun_new"}
TARGETS = {"b_over_a_posts_per_s", "b_peak_rss_over_a", "b_peak_rss_flat", "c_requests", "c_wall_s",
           "c_imports_nothing_needless", "d_requests", "e_share_pages_per_s"}


def test_benchmark_reports_every_figure(tmp_path):
    results = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.crawl_speed", "--posts", "100", "--small-posts", "20", "--share-posts", "5",
         "--parse-workers", "1", "--json", str(results)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = json.loads(results.read_text(encoding="utf-8"))

    assert set(figures["runs"]) == CRAWL_RUNS | {"e_share_browser"}
    for name in CRAWL_RUNS:
        run = figures["runs"][name]
        assert RUN_FIGURES <= set(run), name
        assert run["exit_status"] == 0 and run["wall_s"] > 0 and run["peak_rss_mb"] > 10, name
    for name in ("a_baseline", "b_backfill"):
        assert figures["runs"][name]["posts"] == 101  # 100 generated + the real sample
        assert figures["runs"][name]["posts_per_s"] > 0
    assert figures["runs"]["b_backfill"]["files_written"] == 101
    assert figures["a_and_b_fetch_the_same"] is True
    runs = figures["runs"]
    assert figures["b_over_a"] == pytest.approx(runs["b_backfill"]["posts_per_s"] / runs["a_baseline"]["posts_per_s"],
                                                rel=0.05)
    assert figures["parse_workers"] == 1 and "NEWSCRAWL_PARSE_WORKERS=1" in proc.stdout

    assert set(figures["targets"]) == TARGETS
    # Request counts and imports do not depend on the machine: these targets hold at any size.
    for name in ("c_requests", "c_imports_nothing_needless", "d_requests"):
        assert figures["targets"][name]["met"], figures["targets"][name]
    assert figures["runs"]["d_rerun_new"]["posts"] == 1  # 1% of 100
    assert figures["runs"]["e_share_browser"]["posts"] == 5 and figures["runs"]["e_share_browser"]["cpu_s"] > 0

    for line in ("(a) bare Scrapy", "(b) backfill", "(c) rerun", "(d) rerun", "(e) share pages", "targets:",
                 "b_over_a_posts_per_s"):
        assert line in proc.stdout
