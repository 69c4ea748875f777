"""Benchmark the source import: posts a second and peak memory, for a folder and for a history.

    python -m bench.import_speed [--posts 20000] [--commits 1000] [--parse-workers auto] [--json PATH]

Generates the site's source repository (newscrawl.mocksite.source_repo: the
generator's files with every quirk, a git history of ``--commits`` runs over
``--posts`` posts, moves to ``old_post/``, rewrites, deletions), serves the
posts' share data and eastmoney articles (the digests and bodiless posts are
completed from them, as in a real import), and runs, each as its own
process, as a user would:

(a) ``scrapy crawl source -a path=REPO``: the checkout's files (``_posts/`` and ``old_post/``);
(b) ``scrapy crawl source -a path=REPO -a history=all``: every version of every post file;
(c) (b) again: a rerun, which reads the history and writes nothing.

Peak RSS comes from the OS (``wait4``). docs/import.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newscrawl.mocksite.source_repo import SourceSite, make_source_repo

REPO = Path(__file__).resolve().parent.parent
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=INFO"]


def run_import(name: str, output: Path, env: dict, args: list[str]) -> dict:
    """One ``scrapy crawl source`` process: its wall time, peak RSS and run report."""
    log = output.parent / f"{name}.log"
    started = time.monotonic()
    with log.open("w") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "source", *FAST, *args], cwd=REPO,
                                   env={**os.environ, "NEWSCRAWL_OUTPUT_DIR": str(output), **env},
                                   stdout=log_file, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    report = json.loads((output / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    posts = report["posts"]
    handled = posts["written"] + posts["rejected"]["total"]
    result = {
        "run": name,
        "exit_status": os.waitstatus_to_exitcode(status),
        "seconds": round(seconds, 1),
        "written": posts["written"],
        "rejected": posts["rejected"]["total"],
        "skipped_archived": posts["skipped"],
        "older_versions": posts.get("older_versions", 0),
        "not_posts": sum(posts.get("not_posts", {}).values()),
        "posts_per_second": round(handled / seconds, 1),
        "cpu_ms_per_post": round((usage.ru_utime + usage.ru_stime) * 1000 / handled, 1) if handled else None,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB
        "log": str(log),
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.import_speed", description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=20_000, help="generated posts (default 20000)")
    parser.add_argument("--commits", type=int, default=1_000, help="generator runs in the history (default 1000)")
    parser.add_argument("--days", type=int, default=100, help="days the posts span (default 100)")
    parser.add_argument("--parse-workers", default="auto",
                        help="NEWSCRAWL_PARSE_WORKERS of the runs (default auto: 1 on a machine of 2 cores or more)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-import-") as work:
        work = Path(work)
        started = time.monotonic()
        repo = make_source_repo(work / "finews-source", days=args.days, posts_per_day=args.posts // args.days,
                                commits_per_day=max(1, args.commits // args.days), keep_texts=False)
        files = sum(1 for _ in (work / "finews-source").rglob("*.md"))
        print(f"generated {len(repo.posts)} posts, {repo.commits} commits, {files} files in the checkout "
              f"in {time.monotonic() - started:.1f} s", flush=True)
        site = SourceSite(list(repo.posts.values()), {})  # the share data and eastmoney articles only
        results = []
        with site.serve():
            env = {**site.env(), "NEWSCRAWL_PARSE_WORKERS": str(args.parse_workers)}
            path = ["-a", f"path={repo.path}"]
            results.append(run_import("folder", work / "folder", env, path))
            results.append(run_import("history", work / "history", env, [*path, "-a", "history=all"]))
            results.append(run_import("history rerun", work / "history", env, [*path, "-a", "history=all"]))
            requests = dict(site.request_counts())
    figures = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "posts": len(repo.posts),
               "commits": repo.commits, "parse_workers": args.parse_workers, "upstream_requests": requests,
               "runs": results}
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in figures.items() if k != "runs"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
