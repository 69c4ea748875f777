"""``scrapy demo``: the crawler at work in under a minute, with no network.

It builds the bundled sample site with Jekyll (newscrawl.mocksite, as the
tests build theirs: every category, qingdaocaijingribao and the spaced one
included, two weeks of posts with a day missing), serves it on 127.0.0.1,
and runs ``scrapy crawl finews -a categories=all`` against it into the
archive ``--archive`` names (by default ``newscrawl-demo`` in the temporary
directory, reused by the next demo: a rerun shows a run that finds nothing
new). The log shows the crawl's progress and run summary; then come the
posts this run wrote per category, why the site's posts it did not write
were not found, and a few of the posts.
"""

import argparse
import logging
import sys
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.archive.archived_posts import ArchivedPosts
from newscrawl import config
from newscrawl.archive.paths import output_dir, posts_dir
from newscrawl.archive.postfile import post_filename
from newscrawl.commands.crawl import Command as CrawlCommand
from newscrawl.commands.selection import add_archive_option, apply_archive_option
from newscrawl.commands.usage import add_help_sections
from newscrawl.errors import ConfigError
from newscrawl.exitcodes import CRAWL_STATUSES, exit_on_config_error
from newscrawl.mocksite import SITE_CATEGORIES, SITE_HOST, JekyllError, MockSite, generate_posts

POSTS = 150
SHOWN = 3  # posts printed at the end
SHOWN_LINES = 16

#: The sample site's posts span these days (to the seed post's, 2022-02-23), but for the missing one:
#: the report (scrapy report) has days to chart, and a day where runs were missed.
FIRST_DAY = datetime(2022, 2, 9, 8, 0, 0)
DAYS = 15
MISSING_DAY = 9  # 2022-02-18
SECONDS_APART = 150  # newscrawl.mocksite.generate_posts: a post every 150 s or so

#: Where the demo's archive is unless --archive says: one directory, reused by every demo.
DEFAULT_ARCHIVE = Path(tempfile.gettempdir()) / "newscrawl-demo"


#: What the demo changes from a crawl of the real site: no politeness delays
#: towards a local server, progress every 2 seconds, no stats dump.
DEMO_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "NEWSCRAWL_PROGRESS_INTERVAL": 2,
    "STATS_DUMP": False,
}


def sample_site(posts: int) -> MockSite:
    """The demo's site: ``posts`` generated posts, spread over the days from FIRST_DAY but
    MISSING_DAY, each day's in every category the site has in turn; and the seed post."""
    days = [day for day in range(DAYS) if day != MISSING_DAY]
    generated = []
    for index in range(posts):
        day = days[index * len(days) // posts]
        # Post number ``index`` is published about SECONDS_APART * index after its start.
        start = FIRST_DAY + timedelta(days=day, seconds=SECONDS_APART * (index % 20 - index))
        category = SITE_CATEGORIES[index % len(SITE_CATEGORIES)]
        generated += generate_posts(1, seed=0, categories=[category], start=start, first=index)
    return MockSite(generated)


class Command(CrawlCommand):
    default_settings = {"LOG_VERSIONS": []}

    def syntax(self) -> str:
        return "[--archive DIR] [--posts N]"

    def short_desc(self) -> str:
        return "Crawl a bundled sample site served on 127.0.0.1 (no network needed), in under a minute"

    def long_desc(self) -> str:
        return ("Builds the bundled sample site with Jekyll (every category of the site, two weeks of posts), serves it "
                "on 127.0.0.1 and runs `scrapy crawl finews -a categories=all` against it into the archive; then shows "
                "the posts this run wrote per category, why the others were not found, and a few of them. "
                f"The archive is {DEFAULT_ARCHIVE} unless --archive says: a second demo reuses it, and finds nothing new.")

    def add_options(self, parser) -> None:
        ScrapyCommand.add_options(self, parser)  # not crawl's -a, -o and -O: the demo crawls its own site
        add_archive_option(parser, default=str(DEFAULT_ARCHIVE))
        add_help_sections(parser, CRAWL_STATUSES)
        parser.add_argument("--directory", metavar="DIR", help=argparse.SUPPRESS)  # before --archive
        parser.add_argument("--posts", type=int, default=POSTS, help="posts on the sample site (default: %(default)s)")

    def process_options(self, args, opts) -> None:
        ScrapyCommand.process_options(self, args, opts)
        if opts.directory:
            print("newscrawl: --directory is deprecated: give --archive DIR", file=sys.stderr)
        opts.archive = opts.archive or opts.directory or str(DEFAULT_ARCHIVE)
        apply_archive_option(self.settings, opts)
        opts.spargs = {"categories": "all"}
        with exit_on_config_error():
            config.check_command_line(self.settings)

    def run(self, args, opts) -> None:
        if args:
            raise UsageError("scrapy demo takes no spider name: it crawls its own sample site with finews", print_help=False)
        archive = output_dir(self.settings)
        print(f"Building the sample site ({opts.posts} posts, {len(SITE_CATEGORIES)} categories, {DAYS} days "
              "but one) with Jekyll ...", file=sys.stderr, flush=True)
        with exit_on_config_error():
            try:
                site = sample_site(opts.posts)
            except JekyllError as exc:
                raise ConfigError(str(exc)) from None
        before = set(_post_names(posts_dir(self.settings)))
        with site.serve():
            print(f"Serving it at {site.host_map[SITE_HOST]}; crawling it into {archive}"
                  + (" (a demo's archive: the posts it has are not fetched again)" if before else ""),
                  file=sys.stderr, flush=True)
            for name, value in {**site.env(), **DEMO_SETTINGS}.items():
                self.settings.set(name, value, priority="cmdline")
            _quiet_scrapy()
            self._run(["finews"], opts)  # the crawl, without its exit (a config error exits): the posts are shown after
        new = [name for name in _post_names(posts_dir(self.settings)) if name not in before]
        _print_posts(posts_dir(self.settings), new, len(before))
        _print_not_found(site)
        print(f"\nNext: scrapy report --archive {archive} -o report.html"
              f"\n      scrapy export --archive {archive} -O posts.jsonl")


def _quiet_scrapy() -> None:
    """Only the project's log lines (progress, rejects, the run summary) and Scrapy's warnings."""
    for name in ("scrapy", "scrapy-playwright"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _post_names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.glob("*.md")) if directory.is_dir() else []


def _print_posts(directory: Path, new: list[str], archived_before: int) -> None:
    """How many posts each category got in this run, and the start of a few (qingdaocaijingribao's first)."""
    per_category: Counter = Counter()
    first_posts = {}
    new_names = set(new)
    for item in ArchivedPosts(directory):
        if post_filename(item) in new_names:
            per_category[item["category"]] += 1
            first_posts.setdefault(item["category"], item)
    before = f" (it had {archived_before} already)" if archived_before else ""
    print(f"\n{len(new)} posts written in this run to {directory}{before}" + (":" if new else ""))
    for category, count in sorted(per_category.items()):
        print(f"  {category:<40} {count:>4}")
    for category in sorted(first_posts, key=lambda c: (c != "qingdaocaijingribao", c))[:SHOWN]:
        path = directory / post_filename(first_posts[category])
        lines = path.read_text(encoding="utf-8").splitlines()
        print(f"\n==> {path} <==")
        print("\n".join(lines[:SHOWN_LINES]) + ("\n..." if len(lines) > SHOWN_LINES else ""))


def _print_not_found(site: MockSite) -> None:
    """Why the site's posts that no page links are not in the archive: one line per category."""
    linked = site.reachable_codes()
    unlinked = Counter(post.category for post in site.posts if post.info_code not in linked)
    for category, count in sorted(unlinked.items()):
        why = ("the site's page for a category whose name has a space lists no post (Jekyll splits such a name "
               "into one category per word), so only the newest, on the home page and in the feed, are found"
               if " " in category else "no page of the site links them")
        print(f"\n{count} post(s) of {category!r} on the site are not in the archive: {why}.")
