"""The commands that read the archive (export, report, verify, and search): ``--archive DIR``,
the check that it is one, and ``--since``, ``--until`` and ``--categories``."""

import argparse
import difflib

from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from newscrawl import config
from newscrawl.archive.archived_posts import ArchivedPosts, PostSelection
from newscrawl.archive.paths import output_dir, posts_dir, rejects_path, runs_path, state_path, state_uri
from newscrawl.archive.backends import store_class
from newscrawl.commands.usage import add_help_sections
from newscrawl.config import day_window
from newscrawl.errors import ConfigError
from newscrawl.exitcodes import READ_STATUSES, exit_on_config_error


def add_archive_option(parser: argparse.ArgumentParser, default: str = "NEWSCRAWL_OUTPUT_DIR, else output") -> None:
    """``--archive DIR``: the one spelling, in every command, of NEWSCRAWL_OUTPUT_DIR (which
    ``-s NEWSCRAWL_OUTPUT_DIR=DIR`` and the environment variable still set)."""
    parser.add_argument("--archive", metavar="DIR",
                        help=f"the archive: the directory a crawl writes its posts and state to (default: {default})")


def apply_archive_option(settings, opts: argparse.Namespace) -> None:
    if opts.archive:
        settings.set("NEWSCRAWL_OUTPUT_DIR", opts.archive, priority="cmdline")


def not_an_archive(settings) -> str | None:
    """Why NEWSCRAWL_OUTPUT_DIR is no archive a crawl wrote (None if it is one): it holds
    ``_posts/``, ``runs.jsonl``, ``rejects.jsonl`` or its SQLite state."""
    directory = output_dir(settings)
    if not directory.exists():
        return f"no archive at {directory}: it does not exist"
    if not directory.is_dir():
        return f"no archive at {directory}: it is not a directory"
    marks = [posts_dir(settings), runs_path(settings), rejects_path(settings)]
    if not store_class(state_uri(settings)).shared:
        marks.append(state_path(settings))
    if not any(mark.exists() for mark in marks):
        return f"no archive at {directory}: it has no _posts/, runs.jsonl, rejects.jsonl nor state.sqlite3"
    return None


class ArchiveDirectory:
    """Mixed into a ScrapyCommand on the project's archive: ``--archive DIR``, the exit
    statuses in ``-h`` (``statuses``), the command line checked (newscrawl.config), and
    ``check_archive()``, a ConfigError saying why the directory is not an archive.
    (Not a ScrapyCommand itself: Scrapy would list every subclass in this package as a command.)"""

    requires_project = True
    requires_crawler_process = False
    statuses = READ_STATUSES

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_archive_option(parser)
        add_help_sections(parser, self.statuses)

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        if args:
            raise UsageError(f"unexpected argument(s): {' '.join(args)}", print_help=False)
        apply_archive_option(self.settings, opts)
        with exit_on_config_error():
            config.check_command_line(self.settings)

    def check_archive(self, opts) -> None:
        """A ConfigError if the command must not run on the directory."""
        problem = not_an_archive(self.settings)  # or a ConfigError: NEWSCRAWL_STATE of no known scheme
        if problem:
            raise ConfigError(f"{problem} (give --archive DIR: the NEWSCRAWL_OUTPUT_DIR of your crawls)")


class ArchiveCommand(ArchiveDirectory):
    """An ArchiveDirectory command on the archive's post files: the selection options, and
    ``selected_posts``, which reads the posts chosen. ``check_archive()`` also refuses a
    category the archive has no post in, naming the closest one it has."""

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_selection_options(parser)

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        opts.selection = selection_from(opts)

    def check_archive(self, opts) -> None:
        super().check_archive(opts)
        if opts.selection.categories:
            known = ArchivedPosts(posts_dir(self.settings), opts.selection).category_names()
            if unknown := unknown_categories(opts.selection, known):
                raise ConfigError(unknown)

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


def unknown_categories(selection: PostSelection, known: set[str]) -> str:
    """What is wrong with the categories asked for, none of whose posts are in ``known``
    (the categories of the posts in the date window); "" if nothing."""
    said = []
    for slug in sorted(selection.categories - known):
        closest = closest_category(slug, known)
        said.append(f"no post in category {slug!r}" + (f": did you mean {closest}?" if closest else ""))
    if said and not any("did you mean" in s for s in said) and known:
        said.append(f"the archive's categories{' in those days' if selection.since or selection.until else ''}: "
                    + ", ".join(sorted(known)))
    return "; ".join(said)


def closest_category(slug: str, known: set[str]) -> str | None:
    """The known category ``slug`` most likely meant: the same but for case, the one it starts, or
    the closest spelling."""
    by_lower = {category.lower(): category for category in known}
    if slug.lower() in by_lower:
        return by_lower[slug.lower()]
    started = [category for lower, category in by_lower.items() if lower.startswith(slug.lower())]
    if len(started) == 1:
        return started[0]
    close = difflib.get_close_matches(slug.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None
