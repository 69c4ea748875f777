"""Share fetching speed, JSON vs browser: ``scrapy crawl share`` in posts/s.

    python -m bench.share [--posts 300] [--modes api browser] [--concurrency 4]

Serves a generated mock site in a subprocess (``python -m newscrawl.mocksite``),
then backfills all its media posts by infoCode once per NEWSCRAWL_SHARE mode,
each into a fresh output directory, and prints the posts written per second
of wall time (process start-up, and Chromium's in browser mode, included).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newscrawl.mocksite import SITE_URL, generate_posts

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=300, help="posts in the generated site")
    parser.add_argument("--modes", nargs="+", default=["api", "browser"], choices=["api", "browser", "auto"])
    parser.add_argument("--concurrency", type=int, default=4, help="CONCURRENT_REQUESTS_PER_DOMAIN (the project's default: 4)")
    args = parser.parse_args()

    codes = [post.info_code for post in generate_posts(args.posts) if not post.is_emnews]
    site = subprocess.Popen([sys.executable, "-m", "newscrawl.mocksite", "--posts", str(args.posts)],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        host_map = site.stdout.readline().strip()
        json.loads(host_map)  # fails loudly if the site did not start
        with tempfile.TemporaryDirectory(prefix="bench-share-") as tmp:
            codes_file = Path(tmp) / "infocodes.txt"
            codes_file.write_text("\n".join(codes) + "\n", encoding="utf-8")
            print(f"{len(codes)} infoCodes, concurrency {args.concurrency}")
            for mode in args.modes:
                output = Path(tmp) / mode
                seconds, written = run_share(codes_file, output, mode, host_map, args.concurrency)
                print(f"{mode:>8}: {written} posts in {seconds:.1f} s = {written / seconds:.1f} posts/s")
    finally:
        site.terminate()
        site.wait()


def run_share(codes_file: Path, output: Path, mode: str, host_map: str, concurrency: int) -> tuple[float, int]:
    env = {**os.environ, "NEWSCRAWL_HOST_MAP": host_map, "NEWSCRAWL_SITE_URL": SITE_URL,
           "NEWSCRAWL_OUTPUT_DIR": str(output), "NEWSCRAWL_SHARE": mode, "NEWSCRAWL_LOG_LEVEL": "WARNING"}
    env.pop("NEWSCRAWL_STATE", None)
    command = [sys.executable, "-m", "scrapy", "crawl", "share", "-a", f"infocodes={codes_file}",
               "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0",
               "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
               "-s", f"PLAYWRIGHT_MAX_PAGES_PER_CONTEXT={concurrency}"]
    started = time.perf_counter()
    run = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"{mode}: the crawl exited {run.returncode}:\n{run.stderr[-3000:]}")
    return seconds, len(list((output / "_posts").glob("*.md")))


if __name__ == "__main__":
    main()
