"""Share fetching speed, JSON vs browser: ``scrapy crawl share`` in posts/s.

    python -m bench.share_speed [--posts 300] [--modes api browser] [--concurrency 4]

Serves a generated site built by Jekyll in a subprocess (``python -m
newscrawl.mocksite``), then backfills all its media posts by infoCode once
per NEWSCRAWL_SHARE mode, each into a fresh output directory, and prints the
posts written per second of wall time (process start-up, and Chromium's in
browser mode, included) and the CPU time per post of the crawl and its
children (Playwright's driver and Chromium).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from newscrawl.mocksite import SITE_URL, generate_posts

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ShareRun:
    mode: str
    posts: int
    wall_s: float
    cpu_s: float  # the crawl's and its children's (Playwright's driver, Chromium)

    @property
    def posts_per_s(self) -> float:
        return self.posts / self.wall_s

    def line(self) -> str:
        return (f"{self.mode:>8}: {self.posts} posts in {self.wall_s:.1f} s = {self.posts_per_s:.1f} posts/s, "
                f"{1000 * self.cpu_s / max(1, self.posts):.0f} ms of CPU a post")


def media_codes(posts: int, seed: int = 0) -> list[str]:
    """The infoCodes of a generated site's posts that have share data (not emnews)."""
    return [post.info_code for post in generate_posts(posts, seed=seed) if not post.is_emnews]


def run_share(codes: list[str], workdir: Path, mode: str, host_map: str, concurrency: int = 4) -> ShareRun:
    """``scrapy crawl share`` over these infoCodes into a fresh archive under workdir."""
    output = workdir / f"share-{mode}"
    codes_file = workdir / f"infocodes-{mode}.txt"
    codes_file.write_text("\n".join(codes) + "\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSCRAWL_")}
    env.update(NEWSCRAWL_HOST_MAP=host_map, NEWSCRAWL_SITE_URL=SITE_URL, NEWSCRAWL_OUTPUT_DIR=str(output),
               NEWSCRAWL_SHARE=mode, NEWSCRAWL_LOG_LEVEL="WARNING")
    command = [sys.executable, "-m", "scrapy", "crawl", "share", "-a", f"infocodes={codes_file}",
               "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0",
               "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
               "-s", f"PLAYWRIGHT_MAX_PAGES_PER_CONTEXT={concurrency}"]
    log = workdir / f"share-{mode}.log"
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{mode}: the crawl exited {os.waitstatus_to_exitcode(status)}:\n{log.read_text()[-3000:]}")
    written = len(list((output / "_posts").glob("*.md")))
    return ShareRun(mode, written, round(wall, 2), round(usage.ru_utime + usage.ru_stime, 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=300, help="posts in the generated site")
    parser.add_argument("--modes", nargs="+", default=["api", "browser"], choices=["api", "browser", "auto"])
    parser.add_argument("--concurrency", type=int, default=4, help="CONCURRENT_REQUESTS_PER_DOMAIN (the project's default: 4)")
    args = parser.parse_args()

    codes = media_codes(args.posts)
    site = subprocess.Popen([sys.executable, "-m", "newscrawl.mocksite", "--posts", str(args.posts)],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        host_map = site.stdout.readline().strip()
        json.loads(host_map)  # fails loudly if the site did not start
        with tempfile.TemporaryDirectory(prefix="bench-share-") as tmp:
            print(f"{len(codes)} infoCodes, concurrency {args.concurrency}")
            for mode in args.modes:
                print(run_share(codes, Path(tmp), mode, host_map, args.concurrency).line())
    finally:
        site.terminate()
        site.wait()


if __name__ == "__main__":
    main()
