"""The ``--since``, ``--until`` and ``--categories`` options of the commands that read the archive."""

import argparse
from datetime import date

from scrapy.exceptions import UsageError

from newscrawl.archive.posts import PostSelection


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Which posts (default: all)")
    group.add_argument("--since", metavar="YYYY-MM-DD", help="posts of this day or later (the post's day, Asia/Shanghai)")
    group.add_argument("--until", metavar="YYYY-MM-DD", help="posts of this day or earlier")
    group.add_argument("--categories", metavar="SLUG,...", help="posts of these categories only (slugs, case kept)")


def selection_from(opts: argparse.Namespace) -> PostSelection:
    selection = PostSelection(
        since=_day("--since", opts.since),
        until=_day("--until", opts.until),
        categories=frozenset(slug.strip() for slug in (opts.categories or "").split(",") if slug.strip()),
    )
    if selection.since and selection.until and selection.since > selection.until:
        raise UsageError(f"--since {opts.since} is after --until {opts.until}", print_help=False)
    return selection


def _day(option: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value}: not a date (YYYY-MM-DD)", print_help=False) from None
