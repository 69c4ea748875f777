"""Serve a generated site in its own process (for the benchmark)::

    python -m newscrawl.mocksite --posts 20000 [--seed 0] [--new-posts 100] [--home index|latest100]

It builds the site with Jekyll, then prints the host map as one JSON line
once listening. SIGUSR1 adds ``--new-posts`` newer posts (a rebuild) and
prints ``added K``; SIGUSR2 prints the request counts so far per kind of
path, ``requests {"post": 12, ...}`` (wait for the answer before signalling
again: signals sent together merge into one). SIGTERM/SIGINT stop it; it
then prints the request counts on stderr.
"""

from __future__ import annotations

import argparse
import json
import queue
import signal
import sys

from .jekyll import HOMES
from .source_posts import generate_posts
from .server import MockSite


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m newscrawl.mocksite", description="Serve a generated finews site.")
    parser.add_argument("--posts", type=int, required=True, help="number of generated posts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--new-posts", type=int, default=100, help="posts added (newer) on each SIGUSR1")
    parser.add_argument("--home", choices=sorted(HOMES), default="index", help="home page version")
    args = parser.parse_args(argv)

    site = MockSite(generate_posts(args.posts, seed=args.seed), home=args.home)
    events: queue.SimpleQueue[str] = queue.SimpleQueue()  # put() is safe in a signal handler
    signal.signal(signal.SIGTERM, lambda *_: events.put("stop"))
    signal.signal(signal.SIGINT, lambda *_: events.put("stop"))
    signal.signal(signal.SIGUSR1, lambda *_: events.put("add"))
    signal.signal(signal.SIGUSR2, lambda *_: events.put("count"))
    generated = args.posts
    with site.serve():
        print(json.dumps(site.host_map), flush=True)
        while (event := events.get()) != "stop":
            if event == "add":
                site.add_posts(generate_posts(args.new_posts, seed=args.seed, first=generated))
                generated += args.new_posts
                print(f"added {args.new_posts}", flush=True)
            else:
                print(f"requests {_counts_json(site)}", flush=True)
    print(f"requests: {_counts_json(site)}", file=sys.stderr, flush=True)


def _counts_json(site: MockSite) -> str:
    return json.dumps(dict(sorted(site.request_counts().items())))


if __name__ == "__main__":
    main()
