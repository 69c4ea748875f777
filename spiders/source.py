"""Import the site's own source: every post file its generator wrote, in a folder or in the git history."""

import asyncio
import os
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import scrapy
from pydantic import field_validator
from scrapy_spider_metadata import Args

from newscrawl.archive.store import ArchiveStore
from newscrawl.completion import PostCompleter
from newscrawl.errors import ConfigError
from newscrawl.extensions.rejects import RejectLog
from newscrawl.items import PostItem
from newscrawl.loading.parse_workers import ParseWorkers
from newscrawl.setting_registry import setting
from newscrawl.sharedata.data import ShareData
from newscrawl.site.fetched import SitePost
from newscrawl.site.pages import PageError
from newscrawl.source.generator_file import NotAPost, SourcePost, name_parts, read_source_items, read_source_post
from newscrawl.source.repository import HistoryError, SourceVersion, check_repository, folder_files, history_versions
from newscrawl.spider_arguments import CrawlArguments, argument, check_arguments
from newscrawl.stats import (
    COMMITS_READ,
    NOT_POST_PREFIX,
    POST_REQUESTS,
    SKIPPED_ARCHIVED,
    SKIPPED_GIVEN_UP,
    SKIPPED_OLDER_VERSION,
    SKIPPED_WINDOW,
)

#: Posts a parse worker reads in one call (newscrawl.source.generator_file.read_source_items).
CHUNK = 16
#: Chunks read and not yet finished at once: enough to keep a parse worker and the share
#: hosts busy, few enough (128 posts) that memory does not grow with the folder.
IN_FLIGHT = 8


class SourceArguments(CrawlArguments):
    path: str = argument("the folder to import: a checkout of the site's source, or any folder of its post files "
                         "(at any depth)", "PATH")
    history: str | None = argument("`all`: every version of every post file committed on any ref of the git "
                                   "repository at PATH, the newest of each infoCode winning", "all", None)

    @field_validator("history")
    @classmethod
    def _all_or_nothing(cls, value):
        if value not in (None, "", "all"):
            raise ValueError(f"-a history={value}: the one history there is to import is all (-a history=all)")
        return value


class SourceSpider(Args[SourceArguments], scrapy.Spider):
    """``scrapy crawl source -a path=PATH [-a history=all]``.

    Imports every post file under PATH (a checkout of the site's source, or
    any folder of its post files, at any depth); with ``history=all``, PATH
    being a git repository, every version of every post file committed on
    any ref, the newest committed version of each infoCode winning (an
    older one is not read). Each file is read as Jekyll shows it
    (newscrawl.source.generator_file: its front matter here, its Markdown
    rendered and its page read by a parse worker, NEWSCRAWL_PARSE_WORKERS),
    then goes the way of a crawled post page: the same reader, share data
    and loaders (newscrawl.completion), the same pipelines. An archived infoCode is skipped before its file is
    read (``refresh=1`` rewrites it); ``since``/``until`` bound the post's
    day as its URL gives it, as for a crawl. A file that is not a post is
    a counted skip, with its reason in the log and runs.jsonl.
    """

    name = "source"
    metadata = {"title": "source", "description": "import the site's own source: every post file in a folder "
                "(a checkout of the generator's repository), or in its git history, as a crawled post page"}

    def __init__(self, *args, **kwargs):
        check_arguments(type(self), kwargs)  # one line for a bad one (Args would log a block, then raise)
        super().__init__(*args, **kwargs)
        self.check_crawl_arguments(**kwargs)
        self.run_args = self.args.given(kwargs)
        self.root = Path(self.args.path)
        self.history = self.args.history == "all"
        self.since, self.until, self.refresh = self.args.since, self.args.until, self.args.refresh
        self.met: set[str] = set()  # infoCodes whose (newest) post file was met: the others are older versions
        self.skipped_paths: set[str] = set()  # paths counted as not posts (once, whatever their versions)

    @classmethod
    def check_crawl_arguments(cls, path: str, history: str | None = None, **others) -> None:
        """The folder (and, for its history, the git repository) is there."""
        if not Path(path).is_dir():
            raise ConfigError(f"-a path={path}: no such folder")
        if history == "all":
            check_repository(Path(path))

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.site_url = setting(crawler.settings, "NEWSCRAWL_SITE_URL")
        # Files are read as fast as a core allows: a worker reads their pages on the other (if any).
        spider.parse_workers = ParseWorkers.from_crawler(crawler, auto=1 if (os.cpu_count() or 1) > 1 else 0)
        spider.completer = PostCompleter(crawler, ShareData(crawler), spider.parse_workers)
        return spider

    # Extensions exist only once the crawl starts.
    @cached_property
    def store(self) -> ArchiveStore:
        return self.crawler.get_extension(ArchiveStore)

    @cached_property
    def rejects(self) -> RejectLog:
        return self.crawler.get_extension(RejectLog)

    async def start(self):
        """Each post file read; its page read (CHUNK posts a parse-worker call, IN_FLIGHT calls at once),
        completed, and yielded as soon as its chunk is done."""
        stats = self.crawler.stats
        if self.history:
            versions = history_versions(self.root, on_commit=lambda: stats.inc_value(COMMITS_READ))
        else:
            versions = folder_files(self.root)
        pending: set[asyncio.Future] = set()
        chunk: list[SourcePost] = []
        try:
            try:
                for version in versions:
                    if source := self.read(version):
                        chunk.append(source)
                    if len(chunk) == CHUNK:
                        pending.add(asyncio.ensure_future(self.import_posts(chunk)))
                        chunk = []
                    while len(pending) >= IN_FLIGHT:
                        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                        for post in self._finished(done):
                            yield post
            except HistoryError as exc:  # what was read is imported; the run is bad
                self.logger.error("Reading the history of %s failed: %s", self.root, exc)
            if chunk:
                pending.add(asyncio.ensure_future(self.import_posts(chunk)))
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for post in self._finished(done):
                    yield post
        finally:
            for task in pending:
                task.cancel()  # the crawl was stopped
            versions.close()

    def read(self, version: SourceVersion) -> SourcePost | None:
        """The post a file holds, or None: not a post, archived, given up, outside the window, an older version."""
        stats = self.crawler.stats
        try:
            _, info_code = name_parts(version.name)
        except NotAPost as exc:
            self.not_a_post(version, exc)
            return None
        if info_code in self.met:
            stats.inc_value(SKIPPED_OLDER_VERSION)
            return None
        if not self.refresh and self.store.is_archived(info_code):
            self.met.add(info_code)
            stats.inc_value(SKIPPED_ARCHIVED)
            return None
        if not self.refresh and self.rejects.given_up(info_code):
            self.met.add(info_code)
            stats.inc_value(SKIPPED_GIVEN_UP)
            return None
        try:
            source = read_source_post(version.name, version.read(), self.site_url)
        except NotAPost as exc:
            self.not_a_post(version, exc)  # an older version may be a post
            return None
        except OSError as exc:
            self.logger.error("Could not read %s: %s", version.path, exc)
            return None
        self.met.add(info_code)
        if (self.since and source.day < self.since) or (self.until and source.day > self.until):
            stats.inc_value(SKIPPED_WINDOW)
            return None
        stats.inc_value(POST_REQUESTS)  # a post to do (the progress lines count these)
        return source

    def not_a_post(self, version: SourceVersion, exc: NotAPost) -> None:
        if version.path in self.skipped_paths:
            return
        self.skipped_paths.add(version.path)
        self.logger.info("Not a post, skipped: %s (%s)", version.path, exc)
        self.crawler.stats.inc_value(NOT_POST_PREFIX + exc.reason)

    @staticmethod
    def _finished(done: set[asyncio.Future]) -> Iterator[PostItem]:
        for task in done:
            yield from filter(None, task.result())

    async def import_posts(self, sources: list[SourcePost]) -> list[PostItem | None]:
        """The posts of source files, completed from their share data as a crawled page is; None: a reject."""
        try:
            read = await self.parse_workers.call(read_source_items, sources)
        except PageError as exc:  # the parse worker process died (newscrawl.loading.parse_workers)
            read = [exc] * len(sources)
        return await asyncio.gather(*(self._finish(source, page) for source, page in zip(sources, read)))

    async def _finish(self, source: SourcePost, read: SitePost | dict | PageError) -> PostItem | None:
        if isinstance(read, PageError):
            self.rejects.record("unreadable_source_post", source.url, source.info_code, str(read))
            return None
        if isinstance(read, SitePost):
            return await self.completer.complete(read)
        return PostItem(read)
