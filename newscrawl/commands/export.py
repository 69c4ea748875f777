"""``scrapy export -O posts.jsonl``: the archive as data, through Scrapy's item exporters.

As with ``scrapy crawl -O``: the format comes from the file's extension or
``FILE:FORMAT`` (jsonl, json, csv, xml, or any FEED_EXPORTERS entry), ``-O``
overwrites, ``-o`` appends, ``-:FORMAT`` is stdout, and FEED_EXPORT_FIELDS,
FEED_EXPORT_INDENT and FEED_EXPORT_ENCODING apply. Unlike a crawl's own
``-O``, which holds the posts written in that run, this is every archived
post (or those of ``--since``/``--until``/``--categories``).

The posts are read and exported one at a time (newscrawl.archive.archived_posts),
so memory stays flat however big the archive is.
"""

import argparse
import sys
from collections.abc import Iterable
from contextlib import ExitStack, contextmanager

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.extensions.feedexport import FileFeedStorage, StdoutFeedStorage
from scrapy.utils.conf import feed_complete_default_values_from_settings, feed_process_params_from_cli
from scrapy.utils.misc import load_object

from newscrawl import config
from newscrawl.commands.selection import ArchiveCommand
from newscrawl.exitcodes import exit_on_config_error
from newscrawl.items import PostItem


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "-O FILE [--archive DIR] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--categories slug1,slug2]"

    def short_desc(self) -> str:
        return "Export the archived posts as a feed (jsonl, json, csv, xml)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", action="append", default=[],
                            help="append the posts to FILE (-:FORMAT for stdout); the format from its extension, or FILE:FORMAT")
        parser.add_argument("-O", "--overwrite-output", metavar="FILE", action="append", default=[],
                            help="write the posts to FILE, replacing it; the format from its extension, or FILE:FORMAT")

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        if not (opts.output or opts.overwrite_output):
            raise UsageError("give -O FILE (overwrite) or -o FILE (append)")
        opts.feeds = feed_process_params_from_cli(self.settings, opts.output, overwrite_output=opts.overwrite_output)
        with exit_on_config_error():
            for uri in opts.feeds:
                if (path := config.local_path(uri)) is not None:
                    config.check_output_file(path, "-o/-O")

    def run(self, args, opts) -> None:
        with exit_on_config_error():
            self.check_archive(opts)
        posts = self.selected_posts(opts)
        count = export(posts, opts.feeds, self.settings)
        skipped = f", {posts.unreadable} unreadable file(s) skipped" if posts.unreadable else ""
        print(f"newscrawl: exported {count} post(s) from {posts.directory} to {', '.join(opts.feeds)}{skipped}",
              file=sys.stderr)


def export(posts: Iterable[PostItem], feeds: dict[str, dict], settings) -> int:
    """Write each post to every feed (URI -> feed options, as -o/-O give them); return how many posts."""
    count = 0
    with ExitStack() as stack:
        exporters = [stack.enter_context(_exporting(uri, options, settings)) for uri, options in feeds.items()]
        for item in posts:
            for exporter in exporters:
                exporter.export_item(item)
            count += 1
    return count


@contextmanager
def _exporting(uri: str, options: dict, settings):
    """The item exporter of one feed, set up as Scrapy's FeedExporter sets it up."""
    options = feed_complete_default_values_from_settings(options, settings)
    exporter_class = load_object(settings.getwithbase("FEED_EXPORTERS")[options["format"]])
    storage = _storage(uri, options)
    file = storage.open(None)
    try:
        exporter = exporter_class(file, fields_to_export=options["fields"], encoding=options["encoding"],
                                  indent=options["indent"], **options["item_export_kwargs"])
        exporter.start_exporting()
        yield exporter
        exporter.finish_exporting()
    finally:
        storage.store(file)


def _storage(uri: str, options: dict):
    if uri == "stdout:":
        return StdoutFeedStorage(uri, feed_options={**options, "overwrite": False})
    if "://" in uri and not uri.startswith("file://"):
        raise UsageError(f"{uri}: scrapy export writes local files and stdout (-:FORMAT) only", print_help=False)
    return FileFeedStorage(uri, feed_options=options)
