"""The commands that read the archive's post files (export, report), and their
``--since``, ``--until`` and ``--categories`` options."""

import argparse

from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from newscrawl import config
from newscrawl.archive.paths import posts_dir
from newscrawl.archive.archived_posts import ArchivedPosts, PostSelection
from newscrawl.commands.usage import add_help_sections
from newscrawl.config import day_window
from newscrawl.exitcodes import READ_STATUSES, exit_on_config_error


class ArchiveCommand:
    """Mixed into a ScrapyCommand on the post files of the project's archive, no
    crawl: it takes no argument, and the selection options; ``selected_posts``
    reads the posts chosen. (Not a ScrapyCommand itself: Scrapy would list every
    subclass in this package as a command.)"""

    requires_project = True
    requires_crawler_process = False

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_selection_options(parser)
        add_help_sections(parser, READ_STATUSES)

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        with exit_on_config_error():
            config.check_command_line(self.settings)
        if args:
            raise UsageError(f"unexpected argument(s): {' '.join(args)}", print_help=False)
        opts.selection = selection_from(opts)

    def selected_posts(self, opts) -> ArchivedPosts:
        configure_logging(self.settings)
        return ArchivedPosts(posts_dir(self.settings), opts.selection)


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Which posts (default: all)")
    group.add_argument("--since", metavar="YYYY-MM-DD", help="posts of this day or later (the post's day, Asia/Shanghai)")
    group.add_argument("--until", metavar="YYYY-MM-DD", help="posts of this day or earlier")
    group.add_argument("--categories", metavar="SLUG,...", help="posts of these categories only (slugs, case kept)")


def selection_from(opts: argparse.Namespace) -> PostSelection:
    since, until = day_window(opts.since, opts.until, lambda name, value: f"--{name} {value}",
                              lambda message: UsageError(message, print_help=False))
    categories = frozenset(slug.strip() for slug in (opts.categories or "").split(",") if slug.strip())
    return PostSelection(since=since, until=until, categories=categories)
