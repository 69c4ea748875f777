"""``scrapy search QUERY``: the archive's posts that hold the words, best first (BM25).

One line a hit (date, category, title, URL, the words in a snippet of the
body), or, with ``-O hits.jsonl`` (any feed format, as ``scrapy export``),
items with info_code, title, date, category, url, path, snippet and score;
then, on stderr, the hits' count and the query's time. The index
(newscrawl.search.index) is brought up to date with the post files first,
when this user can write it; a user who cannot gets what it holds, with a
line saying how far behind it is. An index that can be neither read nor
built is one line and exit 2. docs/search.md has the query syntax.
"""

import sqlite3
import sys
import time

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import feed_process_params_from_cli
from scrapy.utils.log import configure_logging

from newscrawl import config
from newscrawl.archive.paths import posts_dir
from newscrawl.commands.crawl import EXIT_CONFIG_ERROR
from newscrawl.commands.export import export
from newscrawl.commands.selection import ArchiveCommand
from newscrawl.errors import ConfigError
from newscrawl.search.index import Hit, IndexUnavailable, SearchIndex, index_path
from newscrawl.search.query import QueryError, parse
from newscrawl.search.snippets import snippet

#: A feed item's fields, in this order unless FEED_EXPORT_FIELDS says otherwise.
HIT_FIELDS = ["info_code", "title", "date", "category", "url", "path", "snippet", "score"]
#: How a terminal shows a searched word (bold red); elsewhere, Markdown's bold.
TERMINAL_MARK = ("\x1b[1;31m", "\x1b[0m")
PLAIN_MARK = ("**", "**")


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return ('QUERY [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--categories slug1,slug2] [-n N] [-O FILE] '
                "[--reindex]")

    def short_desc(self) -> str:
        return "Search the archived posts (Chinese-aware full text, BM25-ranked)"

    def long_desc(self) -> str:
        return ('Words are all required; "a phrase" as written; AND, OR, NOT and parentheses combine them. '
                "See docs/search.md.")

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("-n", "--limit", type=int, default=20, metavar="N",
                            help="show the best N hits (default: %(default)s; 0: all)")
        parser.add_argument("-o", "--output", metavar="FILE", action="append", default=[],
                            help="append the hits to FILE as a feed (-:FORMAT for stdout); the format from its extension")
        parser.add_argument("-O", "--overwrite-output", metavar="FILE", action="append", default=[],
                            help="write the hits to FILE as a feed, replacing it; the format from its extension")
        parser.add_argument("--reindex", action="store_true",
                            help="build the search index anew from the post files first")

    def process_options(self, args, opts) -> None:
        super().process_options([], opts)  # ArchiveCommand takes no argument; the query is ours
        if not args:
            raise UsageError("give a query: scrapy search 北向资金", print_help=False)
        if opts.limit < 0:
            raise UsageError("-n must be 0 (all hits) or more", print_help=False)
        started = time.perf_counter()
        try:
            opts.query = parse(" ".join(args))
        except QueryError as exc:
            raise UsageError(str(exc), print_help=False) from None
        # Part of the query's time, less loading jieba's dictionary (said apart).
        opts.parse_seconds = time.perf_counter() - started - (opts.query.segmenter_seconds or 0)
        opts.feeds = feed_process_params_from_cli(self.settings, opts.output, overwrite_output=opts.overwrite_output)
        if not self.settings.get("FEED_EXPORT_FIELDS"):
            for options in opts.feeds.values():
                options.setdefault("fields", HIT_FIELDS)

    def run(self, args, opts) -> None:
        if self.refused(opts):
            return
        configure_logging(self.settings)
        try:
            config.load(self.settings, writes=False)
            feeds = bool(opts.feeds)
            mark = PLAIN_MARK if feeds or not sys.stdout.isatty() else TERMINAL_MARK
            hits, took, note = self._search(opts, mark)
        except (ConfigError, IndexUnavailable, QueryError) as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_CONFIG_ERROR
            return
        if note:
            print(f"newscrawl: {note}", file=sys.stderr)
        if feeds:
            export((self._item(hit, text) for hit, text in hits), opts.feeds, self.settings)
        else:
            for hit, text in hits:
                print("  ".join([hit.date[:16], hit.category, hit.title, hit.url, text]))
        loading = opts.query.segmenter_seconds
        print(f"newscrawl: {len(hits)} hit(s) in {took:.3f} s"
              + (f" (and {loading:.1f} s loading jieba's dictionary, to split the query)" if loading else ""),
              file=sys.stderr)

    def _search(self, opts, mark: tuple[str, str]) -> tuple[list[tuple[Hit, str]], float, str]:
        """The hits with their snippets, the query's time (its parsing and the snippets
        included), and what the user should know about the index ("" if nothing)."""
        path, directory = index_path(self.settings), posts_dir(self.settings)
        index = SearchIndex.open(path, rebuild=opts.reindex)
        try:
            started = time.perf_counter()
            try:
                staleness = index.sync(directory)
            except (sqlite3.Error, OSError) as exc:
                raise IndexUnavailable(f"the search index {path} cannot be brought up to date ({exc})") from None
            note = ""
            if staleness.updated and staleness.stale:
                note = (f"search index updated: {staleness.unindexed} post(s) indexed, {staleness.gone} removed "
                        f"in {time.perf_counter() - started:.1f} s")
            elif staleness.stale:
                note = (f"the search index {path} lacks {staleness.unindexed} post(s) new or changed since it was "
                        f"updated (left out of the hits; {staleness.gone} gone), and this user cannot update it: "
                        "the next crawl does")
            started = time.perf_counter()
            try:
                hits = [(hit, snippet(hit.body, opts.query.texts, mark=mark))
                        for hit in index.search(opts.query, opts.selection, opts.limit, staleness.hidden)]
            except sqlite3.OperationalError as exc:
                raise QueryError(f"cannot search for {' '.join(opts.query.texts)!r} ({exc}): check the "
                                 "AND, OR, NOT and parentheses") from None
            return hits, opts.parse_seconds + time.perf_counter() - started, note
        finally:
            index.close()

    def _item(self, hit: Hit, text: str) -> dict:
        return {"info_code": hit.info_code, "title": hit.title, "date": hit.date, "category": hit.category,
                "url": hit.url, "path": str(posts_dir(self.settings) / hit.name), "snippet": text,
                "score": hit.score}
