"""Benchmark the finews crawl: backfill throughput, incremental cost, memory.

    python -m bench.crawl_speed [--posts 20000] [--small-posts 5000] [--parse-workers 0] [--json bench/results.json]

Serves a generated site built by real Jekyll (``python -m newscrawl.mocksite``,
its own process, as the tests build theirs) and runs, one after another,
each as its own process:

(a) ``python -m bench.baseline``: a bare Scrapy spider fetching the same URLs, the ceiling;
(b) ``scrapy crawl finews -a categories=all``: a full backfill into a temporary directory;
(c) the same crawl again, with no new posts;
(d) the same crawl again, after 1% new posts were added to the site;
(e) ``scrapy crawl share`` with NEWSCRAWL_SHARE=browser over the site's media
    posts (at most ``--share-posts``): share pages rendered in Chromium.

Before them, (b) runs against a site of ``--small-posts`` posts, to see how
memory grows. Peak RSS comes from the OS (``wait4``), request counts from
the fixture site's request log. It prints the figures and writes them as
JSON; docs/performance.md explains them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import scrapy

from newscrawl.site.urls import category_url
from bench.share_speed import ShareRun, media_codes, run_share
from newscrawl.mocksite import DEFAULT_CATEGORIES, SITE_URL, generate_posts, seed_post

REPO = Path(__file__).resolve().parent.parent

#: What a user pointing the crawler at a local mirror passes (docs/settings.md): no throttling.
LOOPBACK_SETTINGS = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0"]

#: Requests a run makes whatever the site holds: robots.txt (one per host it contacts).
FIXED_KINDS = ("robots",)

#: What ``categories=all`` fetches first, on every run: the home page and the feed.
START_PAGES = {"home": 1, "feed": 1}

TARGET_RATIO = 0.9
#: (b)'s peak RSS at most this many times (a)'s.
TARGET_RSS_RATIO = 1.3
#: "Flat": (b)'s peak RSS on the full site at most this many times its peak on the small one.
TARGET_RSS_FLAT = 1.1
TARGET_RERUN_S = 1.0
TARGET_SHARE_PAGES_PER_S = 10.0

#: Modules a run that renders nothing and runs alone has no use for.
NOT_NEEDED_WHEN_IDLE = ("playwright", "scrapy_playwright", "redis", "scrapy_redis", "aiohttp")


# --- The site, in its own process ---------------------------------------------------------------


class SiteServer:
    """``python -m newscrawl.mocksite`` driven through its stdout and signals."""

    def __init__(self, posts: int, seed: int, new_posts: int):
        self.posts, self.seed, self.new_posts = posts, seed, new_posts
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newscrawl.mocksite", "--posts", str(posts), "--seed", str(seed),
             "--new-posts", str(new_posts)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.host_map = json.loads(self._answer())

    def _answer(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"bench: the site exited ({self.process.poll()})")
        return line.strip()

    def request_counts(self) -> dict[str, int]:
        """Requests so far per kind of path (newscrawl.mocksite.path_kind)."""
        self.process.send_signal(signal.SIGUSR2)
        return json.loads(self._answer().removeprefix("requests "))

    def add_posts(self) -> None:
        self.process.send_signal(signal.SIGUSR1)
        self._answer()

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def categories() -> list[str]:
    """The categories of the generated site (and of its seed post)."""
    return sorted({slug for slug, _, _ in DEFAULT_CATEGORIES} | {seed_post().category})


def share_requests_for(posts) -> int:
    """Share data requests the crawl makes for these posts: emnews ones with a link, those with no body."""
    return sum(1 for post in posts if (post.is_emnews and not post.share_link_empty) or not post.site_body)


def modules_loaded(importtime_log: str) -> set[str]:
    """The top-level packages a run imported, from ``python -X importtime``'s lines."""
    return {line.split("|")[-1].strip().split(".")[0] for line in importtime_log.splitlines()
            if line.startswith("import time:") and "|" in line}


# --- Measured runs ------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    exit_status: int
    requests: dict[str, int]
    server_cpu_s: float
    posts: int = 0
    load_average: float = 0.0
    expected_requests: dict[str, int] = field(default_factory=dict)

    @property
    def posts_per_s(self) -> float:
        return self.posts / self.wall_s

    @property
    def posts_per_cpu_s(self) -> float:
        return self.posts / self.cpu_s

    def to_json(self) -> dict:
        figures = asdict(self)
        if self.posts:
            figures.update(posts_per_s=round(self.posts_per_s, 1), posts_per_cpu_s=round(self.posts_per_cpu_s, 1))
        return figures


def measure(name: str, command: list[str], env: dict[str, str], server: SiteServer, log: Path) -> Run:
    """Run a command to the end; its wall time, CPU time and peak RSS from the OS."""
    before, server_before = server.request_counts(), server.cpu_seconds()
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    after = server.request_counts()
    requests = {kind: after[kind] - before.get(kind, 0) for kind in after if after[kind] - before.get(kind, 0)}
    if process.returncode != 0:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-30:])
        raise SystemExit(f"bench: {name} exited {process.returncode}; its log ends:\n{tail}")
    return Run(
        name=name,
        wall_s=round(wall, 2),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),  # Linux: KiB
        exit_status=process.returncode,
        requests=dict(sorted(requests.items())),
        server_cpu_s=round(server.cpu_seconds() - server_before, 2),
        posts=requests.get("post", 0),
        load_average=round(os.getloadavg()[0], 2),
    )


class Bench:
    def __init__(self, workdir: Path, slugs: list[str], parse_workers: int = 0):
        self.workdir = workdir
        self.slugs = slugs
        self.parse_workers = parse_workers

    def crawl_env(self, server: SiteServer, output: Path) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSCRAWL_")}
        env.update(
            NEWSCRAWL_HOST_MAP=json.dumps(server.host_map),
            NEWSCRAWL_SITE_URL=SITE_URL,
            NEWSCRAWL_OUTPUT_DIR=str(output),
        )
        return env

    def baseline(self, server: SiteServer) -> Run:
        # What categories=all starts from, and the category pages it finds there.
        start_urls = [f"{SITE_URL}/", f"{SITE_URL}/feed.xml", *(category_url(SITE_URL, slug) for slug in self.slugs)]
        command = [sys.executable, "-m", "bench.baseline", "--host-map", json.dumps(server.host_map),
                   *LOOPBACK_SETTINGS, *start_urls]
        return measure("(a) bare Scrapy", command, self.crawl_env(server, self.workdir / "baseline"),
                       server, self.workdir / "a-baseline.log")

    def finews(self, name: str, server: SiteServer, output: Path, log_name: str, python_flags=()) -> Run:
        command = [sys.executable, *python_flags, "-m", "scrapy", "crawl", "finews", "-a", "categories=all",
                   *LOOPBACK_SETTINGS, "-s", f"NEWSCRAWL_PARSE_WORKERS={self.parse_workers}"]
        return measure(name, command, self.crawl_env(server, output), server, self.workdir / log_name)

    def modules_of_rerun(self, server: SiteServer, output: Path) -> set[str]:
        """The top-level packages a rerun with nothing new imports (``-X importtime``, not timed)."""
        self.finews("(c) again, -X importtime", server, output, "c-importtime.log", ("-X", "importtime"))
        return modules_loaded((self.workdir / "c-importtime.log").read_text(errors="replace"))


def run_all(posts: int, small_posts: int, seed: int, workdir: Path, share_posts: int, parse_workers: int = 0) -> dict:
    slugs = categories()
    bench = Bench(workdir, slugs, parse_workers)
    new_posts = max(1, posts // 100)

    with SiteServer(small_posts, seed, new_posts) as server:
        small = bench.finews("(b) backfill, small site", server, workdir / "small", "b-small.log")

    with SiteServer(posts, seed, new_posts) as server:
        baseline = bench.baseline(server)
        output = workdir / "output"
        backfill = bench.finews("(b) backfill", server, output, "b-backfill.log")
        written = len(list((output / "_posts").glob("*.md")))

        rerun = bench.finews("(c) rerun, no new posts", server, output, "c-rerun.log")
        rerun.expected_requests = {**START_PAGES, "category": len(slugs), "post": 0, "share data": 0}
        rerun_modules = bench.modules_of_rerun(server, output)

        server.add_posts()
        added = generate_posts(new_posts, seed=seed, first=posts)
        rerun_new = bench.finews(f"(d) rerun, {new_posts} new posts", server, output, "d-rerun-new.log")
        rerun_new.expected_requests = {**START_PAGES, "category": len(slugs), "post": new_posts,
                                       "share data": share_requests_for(added)}

        share = run_share(media_codes(posts, seed)[:share_posts], workdir, "browser", json.dumps(server.host_map))

    figures = report_figures(posts, small_posts, new_posts, slugs, baseline, backfill, written, small, rerun,
                             rerun_new, rerun_modules, share)
    figures["parse_workers"] = parse_workers
    return figures


def _content_requests(run: Run) -> dict[str, int]:
    """A run's requests in the terms of its expected_requests: robots.txt aside, share data together."""
    counts = {"home": 0, "feed": 0, "category": 0, "post": 0, "share data": 0}
    for kind, n in run.requests.items():
        if kind in ("share_json", "eastmoney_article"):
            counts["share data"] += n
        elif kind not in FIXED_KINDS:
            counts[kind] = counts.get(kind, 0) + n
    return counts


def report_figures(posts, small_posts, new_posts, slugs, baseline, backfill, written, small, rerun, rerun_new,
                   rerun_modules: set[str], share: ShareRun) -> dict:
    ratio = backfill.posts_per_s / baseline.posts_per_s
    rss_ratio = backfill.peak_rss_mb / baseline.peak_rss_mb
    rss_flat = backfill.peak_rss_mb / small.peak_rss_mb
    needless = sorted(set(NOT_NEEDED_WHEN_IDLE) & rerun_modules)
    rss_growth = (backfill.peak_rss_mb - small.peak_rss_mb) / ((posts - small_posts) / 1000) if posts > small_posts else 0.0
    targets = {
        "b_over_a_posts_per_s": {"target": f">= {TARGET_RATIO}", "value": round(ratio, 3), "met": ratio >= TARGET_RATIO},
        "b_peak_rss_over_a": {"target": f"<= {TARGET_RSS_RATIO}", "value": round(rss_ratio, 2),
                              "met": rss_ratio <= TARGET_RSS_RATIO},
        "b_peak_rss_flat": {"target": f"RSS({posts}) / RSS({small_posts}) <= {TARGET_RSS_FLAT}",
                            "value": round(rss_flat, 2), "met": rss_flat <= TARGET_RSS_FLAT},
        "c_requests": {"target": rerun.expected_requests, "value": _content_requests(rerun),
                       "met": _content_requests(rerun) == rerun.expected_requests},
        "c_wall_s": {"target": f"<= {TARGET_RERUN_S}", "value": rerun.wall_s, "met": rerun.wall_s <= TARGET_RERUN_S},
        "c_imports_nothing_needless": {"target": f"none of {', '.join(NOT_NEEDED_WHEN_IDLE)}", "value": needless,
                                       "met": not needless},
        "d_requests": {"target": rerun_new.expected_requests, "value": _content_requests(rerun_new),
                       "met": _content_requests(rerun_new) == rerun_new.expected_requests},
        "e_share_pages_per_s": {"target": f">= {TARGET_SHARE_PAGES_PER_S}", "value": round(share.posts_per_s, 1),
                                "met": share.posts_per_s >= TARGET_SHARE_PAGES_PER_S},
    }
    return {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "scrapy": scrapy.__version__},
        "site": {"posts": posts + 1, "categories": slugs, "new_posts": new_posts, "small_posts": small_posts + 1},
        "settings": LOOPBACK_SETTINGS[1::2],
        "runs": {
            "a_baseline": baseline.to_json(),
            "b_backfill": {**backfill.to_json(), "files_written": written},
            "b_backfill_small": small.to_json(),
            "c_rerun_no_new": rerun.to_json(),
            "d_rerun_new": rerun_new.to_json(),
            "e_share_browser": {**asdict(share), "posts_per_s": round(share.posts_per_s, 1),
                                "cpu_ms_per_post": round(1000 * share.cpu_s / max(1, share.posts))},
        },
        "a_and_b_fetch_the_same": baseline.requests == backfill.requests,
        "b_over_a": round(ratio, 3),
        "rss_growth_mb_per_1000_posts": round(rss_growth, 2),
        "targets": targets,
    }


# --- Output ------------------------------------------------------------------------------------


def print_report(figures: dict) -> None:
    site, runs = figures["site"], figures["runs"]
    print(f"\nfinews crawl benchmark: {site['posts']} posts in {len(site['categories'])} categories, "
          f"{figures['machine']['cpus']} CPUs, Python {figures['machine']['python']}, "
          f"Scrapy {figures['machine']['scrapy']}; (b)-(d) with NEWSCRAWL_PARSE_WORKERS={figures['parse_workers']}")
    print(f"{'run':34} {'wall s':>7} {'posts':>6} {'posts/s':>8} {'CPU s':>7} {'posts/CPU-s':>11} "
          f"{'peak RSS MB':>11} {'server CPU s':>12} {'load':>5}  requests")
    for key, run in runs.items():
        if key == "e_share_browser":
            continue
        rate = f"{run['posts_per_s']:8.1f} {run['cpu_s']:7.2f} {run['posts_per_cpu_s']:11.1f}" if run["posts"] else (
            f"{'':8} {run['cpu_s']:7.2f} {'':11}")
        requests = ", ".join(f"{kind} {n}" for kind, n in run["requests"].items())
        print(f"{run['name']:34} {run['wall_s']:7.2f} {run['posts']:6} {rate} {run['peak_rss_mb']:11.1f} "
              f"{run['server_cpu_s']:12.2f} {run['load_average']:5.2f}  {requests}")
    share = runs["e_share_browser"]
    print(f"(e) share pages in Chromium: {share['posts']} in {share['wall_s']:.1f} s = {share['posts_per_s']:.1f} a second, "
          f"{share['cpu_ms_per_post']} ms of CPU each (the crawl, Playwright's driver and Chromium)")
    print(f"\n(b)/(a) posts/s: {figures['b_over_a']:.2f}; (b) peak RSS grows "
          f"{figures['rss_growth_mb_per_1000_posts']:.2f} MB per 1000 posts")
    if not figures["a_and_b_fetch_the_same"]:
        print("WARNING: (a) and (b) did not fetch the same requests; the ratio compares different work")
    print("targets:")
    for name, target in figures["targets"].items():
        print(f"  {'met   ' if target['met'] else 'MISSED'} {name}: {target['value']} (target {target['target']})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.crawl_speed", description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=20_000, help="generated posts for (a)-(d) (default 20000)")
    parser.add_argument("--small-posts", type=int, default=5_000, help="posts of the second (b), for memory growth")
    parser.add_argument("--share-posts", type=int, default=300, help="media posts (e) renders share pages of")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parse-workers", type=int, default=0,
                        help="NEWSCRAWL_PARSE_WORKERS for (b), (c) and (d) (default 0: on the event loop)")
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results.json", help="where the figures go")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="newscrawl-bench-") as workdir:
        figures = run_all(args.posts, args.small_posts, args.seed, Path(workdir), args.share_posts, args.parse_workers)
    print_report(figures)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
