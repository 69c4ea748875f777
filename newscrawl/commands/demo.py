"""``scrapy demo``: the crawler at work in under a minute, with no network.

It builds the bundled sample site with Jekyll (newscrawl.mocksite, as the
tests build theirs: every category, qingdaocaijingribao and the spaced
one included), serves it on 127.0.0.1, and runs ``scrapy crawl finews -a
categories=all`` against it into a new directory, which it names. The log
shows the crawl's progress and run summary; then come the posts written
per category, and a few of them.
"""

import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path

from scrapy.exceptions import UsageError

from newscrawl.archive.paths import posts_dir
from newscrawl.archive.postfile import post_filename
from newscrawl.archive.archived_posts import ArchivedPosts
from newscrawl.commands.crawl import Command as CrawlCommand
from newscrawl.errors import ConfigError
from newscrawl.exitcodes import exit_on_config_error
from newscrawl.mocksite import SITE_CATEGORIES, SITE_HOST, JekyllError, MockSite, generate_posts

POSTS = 150
SHOWN = 3  # posts printed at the end
SHOWN_LINES = 16


#: What the demo changes from a crawl of the real site: no politeness delays
#: towards a local server, progress every 2 seconds, no stats dump.
DEMO_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "NEWSCRAWL_PROGRESS_INTERVAL": 2,
    "STATS_DUMP": False,
}


def sample_site(posts: int) -> MockSite:
    """The demo's site: ``posts`` generated posts in every category the site has, and the seed post."""
    return MockSite(generate_posts(posts, seed=0, categories=SITE_CATEGORIES))


class Command(CrawlCommand):
    default_settings = {"LOG_VERSIONS": []}
    takes_spider = False

    def syntax(self) -> str:
        return "[--directory DIR] [--posts N]"

    def short_desc(self) -> str:
        return "Crawl a bundled sample site served on 127.0.0.1 (no network needed), in under a minute"

    def long_desc(self) -> str:
        return ("Builds the bundled sample site with Jekyll (every category of the site), serves it on 127.0.0.1 "
                "and runs `scrapy crawl finews -a categories=all` against it into a new directory, which it names; "
                "then shows the posts written per category and a few of them.")

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--directory", metavar="DIR", help="the archive directory (default: a new temporary one)")
        parser.add_argument("--posts", type=int, default=POSTS, help="posts on the sample site (default: %(default)s)")

    def run(self, args, opts) -> None:
        if args:
            raise UsageError("scrapy demo takes no spider name: it crawls its own sample site with finews", print_help=False)
        output = Path(opts.directory or tempfile.mkdtemp(prefix="newscrawl-demo-")).resolve()
        print(f"Building the sample site ({opts.posts} posts, {len(SITE_CATEGORIES)} categories) with Jekyll ...",
              file=sys.stderr, flush=True)
        with exit_on_config_error():
            try:
                site = sample_site(opts.posts)
            except JekyllError as exc:
                raise ConfigError(str(exc)) from None
        with site.serve():
            print(f"Serving it at {site.host_map[SITE_HOST]}; crawling it into {output}", file=sys.stderr, flush=True)
            for name, value in {**site.env(), **DEMO_SETTINGS, "NEWSCRAWL_OUTPUT_DIR": str(output)}.items():
                self.settings.set(name, value, priority="cmdline")
            opts.spargs = {**opts.spargs, "categories": "all"}
            _quiet_scrapy()
            self._run(["finews"], opts)  # the crawl, without its exit: the posts are shown after
        _print_posts(posts_dir(self.settings))
        print(f"\nNext: scrapy export -O posts.jsonl -s NEWSCRAWL_OUTPUT_DIR={output}"
              f"\n      scrapy report -o report.html -s NEWSCRAWL_OUTPUT_DIR={output}")


def _quiet_scrapy() -> None:
    """Only the project's log lines (progress, rejects, the run summary) and Scrapy's warnings."""
    for name in ("scrapy", "scrapy-playwright"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _print_posts(directory: Path) -> None:
    """How many posts each category got, and the start of a few (qingdaocaijingribao's first)."""
    per_category: Counter = Counter()
    first_posts = {}
    for item in ArchivedPosts(directory):
        per_category[item["category"]] += 1
        first_posts.setdefault(item["category"], item)
    print(f"\n{sum(per_category.values())} posts written in {directory}:")
    for category, count in sorted(per_category.items()):
        print(f"  {category:<40} {count:>4}")
    for category in sorted(first_posts, key=lambda c: (c != "qingdaocaijingribao", c))[:SHOWN]:
        path = directory / post_filename(first_posts[category])
        lines = path.read_text(encoding="utf-8").splitlines()
        print(f"\n==> {path} <==")
        print("\n".join(lines[:SHOWN_LINES]) + ("\n..." if len(lines) > SHOWN_LINES else ""))
